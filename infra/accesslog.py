"""Storage of the access log: the hash chain, the Merkle frontier and the signed tree heads.

Appends are serialised by a single state row (locked `FOR UPDATE` on PostgreSQL; SQLite
serialises writers anyway) that holds the size, the last entry hash and the frontier,
so each append costs one read and two writes whatever the log's length.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from audit import frontier
from audit.chain import GENESIS, ChainedEntry, chain_hash, merkle_leaf
from audit.entries import AccessEntry
from audit.treehead import TreeHead, sign_tree_head
from infra.db import Database, Tx
from infra.recorders import SideWrite

TABLES = (
    "CREATE TABLE IF NOT EXISTS hub_access_log ("
    " seq BIGINT PRIMARY KEY, subject TEXT, body BLOB NOT NULL,"
    " prev_hash BLOB NOT NULL, entry_hash BLOB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS hub_access_log_subject ON hub_access_log (subject)",
    "CREATE TABLE IF NOT EXISTS hub_access_state ("
    " id BIGINT PRIMARY KEY, size BIGINT NOT NULL, last_hash BLOB NOT NULL, frontier BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS hub_tree_heads ("
    " size BIGINT PRIMARY KEY, root BLOB NOT NULL, signed_at TEXT NOT NULL,"
    " key_id TEXT NOT NULL, signature BLOB NOT NULL)",
)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AccessLogStore:
    """Appends entries, streams them back, and keeps the signed tree heads."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- appending ------------------------------------------------------------------
    def _state(self, tx: Tx) -> tuple[int, bytes, list[bytes]]:
        lock = " FOR UPDATE" if tx.dialect == "postgres" else ""
        row = tx.execute(f"SELECT size, last_hash, frontier FROM hub_access_state WHERE id = 1{lock}").one()
        if row is None:
            tx.execute(
                "INSERT INTO hub_access_state (id, size, last_hash, frontier) VALUES (1, 0, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                (GENESIS, b""),
            )
            row = tx.execute(f"SELECT size, last_hash, frontier FROM hub_access_state WHERE id = 1{lock}").one()
        assert row is not None
        return int(row[0]), bytes(row[1]), frontier.unpack(bytes(row[2]))

    def append_in(self, tx: Tx, entries: list[AccessEntry]) -> list[int]:
        """Append inside an open transaction; returns the sequence numbers."""
        size, last, front = self._state(tx)
        seqs: list[int] = []
        for entry in entries:
            body = entry.body()
            entry_hash = chain_hash(last, body)
            tx.execute(
                "INSERT INTO hub_access_log (seq, subject, body, prev_hash, entry_hash) VALUES (?,?,?,?,?)",
                (size, entry.subject, body, last, entry_hash),
            )
            front = frontier.push(front, size, merkle_leaf(entry_hash))
            seqs.append(size)
            size, last = size + 1, entry_hash
        tx.execute(
            "UPDATE hub_access_state SET size = ?, last_hash = ?, frontier = ? WHERE id = 1",
            (size, last, frontier.pack(front)),
        )
        return seqs

    def side_write(self, entries: list[AccessEntry]) -> SideWrite:
        """For `Records.save`: the entries commit with the events, or neither does."""
        return lambda tx: self.append_in(tx, entries) and None

    def append(self, entries: list[AccessEntry]) -> list[int]:
        """Append in a transaction of its own (disclosures and refusals, which write no events)."""
        with self._db.transaction() as tx:
            return self.append_in(tx, entries)

    # -- reading --------------------------------------------------------------------
    def size(self) -> int:
        with self._db.transaction(write=False) as tx:
            row = tx.execute("SELECT size FROM hub_access_state WHERE id = 1").one()
        return 0 if row is None else int(row[0])

    def entries(self, start: int = 0, stop: int | None = None, batch: int = 5000) -> Iterator[ChainedEntry]:
        """Stream entries in sequence order, `batch` rows per query."""
        seq = start
        while stop is None or seq < stop:
            limit = batch if stop is None else min(batch, stop - seq)
            with self._db.transaction(write=False) as tx:
                rows = tx.execute(
                    "SELECT seq, body, prev_hash, entry_hash FROM hub_access_log WHERE seq >= ? ORDER BY seq LIMIT ?",
                    (seq, limit),
                ).all()
            if not rows:
                return
            for r in rows:
                yield ChainedEntry(int(r[0]), bytes(r[1]), bytes(r[2]), bytes(r[3]))
            seq = int(rows[-1][0]) + 1

    def entries_of(self, subject: str) -> list[ChainedEntry]:
        with self._db.transaction(write=False) as tx:
            rows = tx.execute(
                "SELECT seq, body, prev_hash, entry_hash FROM hub_access_log WHERE subject = ? ORDER BY seq",
                (subject,),
            ).all()
        return [ChainedEntry(int(r[0]), bytes(r[1]), bytes(r[2]), bytes(r[3])) for r in rows]

    # -- tree heads -----------------------------------------------------------------
    def sign_head(self, signing_key, key_id: str) -> TreeHead:
        """Sign the current tree head (size, root, time) and keep it."""
        with self._db.transaction() as tx:
            size, _last, front = self._state(tx)
            existing = tx.execute(
                "SELECT size, root, signed_at, key_id, signature FROM hub_tree_heads WHERE size = ?", (size,)
            ).one()
            if existing is not None:
                return TreeHead(int(existing[0]), bytes(existing[1]), str(existing[2]), str(existing[3]),
                                bytes(existing[4]))
            head = sign_tree_head(signing_key, key_id, size, frontier.root(front), utc_now())
            tx.execute(
                "INSERT INTO hub_tree_heads (size, root, signed_at, key_id, signature) VALUES (?,?,?,?,?)",
                (head.size, head.root, head.timestamp, head.key_id, head.signature),
            )
        return head

    def heads(self) -> list[TreeHead]:
        with self._db.transaction(write=False) as tx:
            rows = tx.execute(
                "SELECT size, root, signed_at, key_id, signature FROM hub_tree_heads ORDER BY size").all()
        return [TreeHead(int(r[0]), bytes(r[1]), str(r[2]), str(r[3]), bytes(r[4])) for r in rows]
