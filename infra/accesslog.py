"""Storage of the access log: the hash chain, the Merkle compact range and the signed tree heads.

Appends are serialised by a single state row (locked `FOR UPDATE` on PostgreSQL; SQLite
serialises writers anyway) that holds the size, the last entry hash and the packed
compact range, so each append costs one read and two writes whatever the log's length.

Tree heads are signed (a) on demand (`hub audit sign-head`, `POST /v1/audit/boomkoppen`),
(b) when a head is due on reading the published heads (`sign_if_due`: the log grew and
the newest head is `HEAD_EVERY` entries or `HEAD_MAX_AGE` old), and (c) every
`HeadSigner.every` appends, inside the append's own transaction, when the store is built
with a signer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from nacl.signing import SigningKey

from audit.chain import GENESIS, ChainedEntry, chain_hash, merkle_leaf
from audit.entries import AccessEntry
from audit.merkle import CompactRange, MerkleTree
from audit.treehead import TreeHead, sign_tree_head
from infra import keysql
from infra import logsql as sql
from infra.db import Database, Tx
from infra.faults import refused_write
from infra.recorders import SideWrite

HEAD_EVERY = 1000  # entries a published head may lag behind before a read signs a new one
HEAD_MAX_AGE = timedelta(minutes=5)  # ... or time since the newest head, if the log grew
_VERIFIED = "accesslog-verified-size"  # the hub_meta row of the last passing verification


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class HeadSigner:
    """Signs a tree head in the append transaction each time the log passes a multiple of `every`."""

    signing_key: SigningKey
    key_id: str
    every: int = HEAD_EVERY


def _head(row: tuple[Any, ...]) -> TreeHead:
    return TreeHead(int(row[0]), bytes(row[1]), str(row[2]), str(row[3]), bytes(row[4]))


def _entry(row: tuple[Any, ...]) -> ChainedEntry:
    return ChainedEntry(int(row[0]), bytes(row[1]), bytes(row[2]), bytes(row[3]), row[4])


class AccessLogStore:
    """Appends entries, streams them back, keeps the signed tree heads and serves proofs."""

    def __init__(self, db: Database, signer: HeadSigner | None = None) -> None:
        self._db = db
        self.signer = signer
        # The full tree, for proofs: grown from the stored entry hashes as the log grows.
        self._tree = MerkleTree()
        self._tree_lock = threading.Lock()
        # (size, packed range, range) as this process last wrote it; appends are serialised
        # by the state row, so the one tuple is replaced whole, never mixed.
        self._written: tuple[int, bytes, CompactRange] | None = None

    # -- appending ------------------------------------------------------------------
    def _state(self, tx: Tx) -> tuple[int, bytes, CompactRange]:
        row = tx.execute(sql.STATE, {}).one()
        if row is None:
            tx.execute(sql.STATE_INIT, {"id": 1, "size": 0, "last_hash": GENESIS, "frontier": b""})
            row = tx.execute(sql.STATE, {}).one()
        assert row is not None
        size, packed = int(row[0]), bytes(row[2])
        # The range this process last wrote, if the stored state is still exactly that one
        # (another worker, or a rolled-back append, leaves other bytes): a copy, not a re-parse.
        written = self._written
        if written is not None and written[0] == size and written[1] == packed:
            return size, bytes(row[1]), written[2].copy()
        return size, bytes(row[1]), CompactRange.unpack(size, packed)

    def append_in(self, tx: Tx, entries: Sequence[AccessEntry], at: str = "") -> list[int]:
        """Append inside an open transaction; returns the sequence numbers. Entries that carry
        no time are recorded at `at` (default: now)."""
        size, last, tree = self._state(tx)
        start = size
        at = at or utc_now()
        rows: list[dict[str, Any]] = []
        for entry in entries:
            body = entry.body(at)
            entry_hash = chain_hash(last, body)
            rows.append(
                {"seq": size, "subject": entry.subject, "body": body, "prev_hash": last, "entry_hash": entry_hash}
            )
            size, last = size + 1, entry_hash
        # One statement and one tree update for a whole feed page's entries.
        tx.executemany(sql.APPEND, rows)
        tree.extend(merkle_leaf(row["entry_hash"]) for row in rows)
        seqs = list(range(start, size))
        packed = tree.pack()
        tx.execute(sql.STATE_SET, {"new_size": size, "new_last_hash": last, "new_frontier": packed})
        self._written = (size, packed, tree)
        signer = self.signer
        if signer is not None and size // signer.every > start // signer.every:
            self._sign_in(tx, signer.signing_key, signer.key_id, size, tree)
        return seqs

    def side_write(self, entries: Sequence[AccessEntry], at: str = "") -> SideWrite:
        """For `Records.save`: the entries commit with the events, or neither does."""

        def write(tx: Tx) -> None:
            self.append_in(tx, entries, at)

        return write

    def append(self, entries: Sequence[AccessEntry], at: str = "") -> list[int]:
        """Append in a transaction of its own (disclosures and refusals, which write no events)."""
        with self._db.transaction() as tx:
            return self.append_in(tx, entries, at)

    # -- reading --------------------------------------------------------------------
    def size(self) -> int:
        with self._db.transaction(write=False) as tx:
            row = tx.execute(sql.SIZE, {}).one()
        return 0 if row is None else int(row[0])

    def verified_size(self) -> int | None:
        """The tree size of the last passing verification, if one was recorded."""
        with self._db.transaction(write=False) as tx:
            row = tx.execute(keysql.META_VALUE, {"name": _VERIFIED}).one()
        return None if row is None else int(row[0].decode("ascii"))

    def record_verified(self, size: int) -> bool:
        """Note that the log up to `size` verified; /metrics shows it, so a stalled audit is seen.
        False when the store is read-only (a verify on a hot standby): nothing to note there."""
        try:
            with self._db.transaction() as tx:
                tx.execute(keysql.META_UPSERT, {"name": _VERIFIED, "value": str(size).encode("ascii")})
        except Exception as e:
            if refused_write(e):
                return False
            raise
        return True

    def entries(self, start: int = 0, stop: int | None = None, batch: int = 5000) -> Iterator[ChainedEntry]:
        """Stream entries in sequence order, `batch` rows per query."""
        seq = start
        while stop is None or seq < stop:
            limit = batch if stop is None else min(batch, stop - seq)
            with self._db.transaction(write=False) as tx:
                rows = tx.execute(sql.ENTRIES_FROM, {"start": seq, "limit": limit}).all()
            if not rows:
                return
            yield from map(_entry, rows)
            seq = int(rows[-1][0]) + 1

    def _entry_hashes(self, start: int, stop: int, batch: int = 50_000) -> Iterator[bytes]:
        """The entry hashes of `start`..`stop` (all a tree needs: a tenth of the bytes of the entries)."""
        for first in range(start, stop, batch):
            with self._db.transaction(write=False) as tx:
                rows = tx.execute(sql.ENTRY_HASHES, {"start": first, "stop": min(stop, first + batch)}).all()
            yield from (bytes(r[0]) for r in rows)

    def entry(self, seq: int) -> ChainedEntry | None:
        with self._db.transaction(write=False) as tx:
            row = tx.execute(sql.ENTRY, {"seq": seq}).one()
        return None if row is None else _entry(row)

    def entries_of(self, subject: str) -> list[ChainedEntry]:
        with self._db.transaction(write=False) as tx:
            rows = tx.execute(sql.ENTRIES_OF, {"subject": subject}).all()
        return [_entry(r) for r in rows]

    # -- proofs ---------------------------------------------------------------------
    def tree(self, size: int) -> MerkleTree:
        """The tree over at least the first `size` stored entries (ValueError past the log's end).

        Grown from the stored entry hashes and kept, so a proof costs O(log n) once the
        process has read the log once.
        """
        with self._tree_lock:
            tree = self._tree
            if size > tree.size:
                tree.extend(self._entry_hashes(tree.size, size))
            if size > tree.size:
                raise ValueError(f"the log holds {tree.size} entries, not {size}")
            return tree

    def inclusion_proof(self, seq: int, size: int) -> tuple[bytes, list[bytes]]:
        """The leaf hash of entry seq and its RFC 9162 audit path in the tree of `size` entries."""
        tree = self.tree(size)
        return tree.leaf(seq), tree.inclusion_proof(seq, size)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """RFC 9162 proof that the tree of size1 entries is a prefix of the tree of size2."""
        return self.tree(size2).consistency_proof(size1, size2)

    # -- tree heads -----------------------------------------------------------------
    def _sign_in(self, tx: Tx, signing_key: SigningKey, key_id: str, size: int, tree: CompactRange) -> TreeHead:
        existing = tx.execute(sql.HEAD, {"size": size}).one()
        if existing is not None:
            return _head(existing)
        head = sign_tree_head(signing_key, key_id, size, tree.root(), utc_now())
        tx.execute(
            sql.HEAD_INSERT,
            {
                "size": head.size,
                "root": head.root,
                "signed_at": head.timestamp,
                "key_id": head.key_id,
                "signature": head.signature,
            },
        )
        return head

    def sign_head(self, signing_key: SigningKey, key_id: str) -> TreeHead:
        """Sign the current tree head (size, root, time) and keep it (the kept one if already signed)."""
        with self._db.transaction() as tx:
            size, _last, tree = self._state(tx)
            return self._sign_in(tx, signing_key, key_id, size, tree)

    def sign_if_due(self, signing_key: SigningKey, key_id: str, now: datetime | None = None) -> TreeHead | None:
        """Sign a head when the newest one lags HEAD_EVERY entries or HEAD_MAX_AGE behind a grown log."""
        size, newest = self.size(), self.latest_head()
        if newest is None:
            due = True
        elif size == newest.size:
            due = False
        else:
            signed = datetime.fromisoformat(newest.timestamp)
            due = size - newest.size >= HEAD_EVERY or (now or datetime.now(UTC)) - signed >= HEAD_MAX_AGE
        return self.sign_head(signing_key, key_id) if due else None

    def heads(self) -> list[TreeHead]:
        with self._db.transaction(write=False) as tx:
            rows = tx.execute(sql.HEADS, {}).all()
        return [_head(r) for r in rows]

    def head(self, size: int) -> TreeHead | None:
        with self._db.transaction(write=False) as tx:
            row = tx.execute(sql.HEAD, {"size": size}).one()
        return None if row is None else _head(row)

    def latest_head(self) -> TreeHead | None:
        with self._db.transaction(write=False) as tx:
            row = tx.execute(sql.LATEST_HEAD, {}).one()
        return None if row is None else _head(row)
