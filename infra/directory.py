"""The record directory: a non-personal index of records for routing, feeds and inzage.

It holds random record ids, organisation ids, gemeentecodes and pupil pseudonyms —
never an identifier or a name — so feeds are index range scans whatever the store's size.
"""

from __future__ import annotations

from uuid import UUID

from adapters.ports import DirectoryEntry
from infra.accesslog import utc_now
from infra.db import Database, Tx

TABLES = (
    "CREATE TABLE IF NOT EXISTS hub_directory ("
    " seq BIGINT PRIMARY KEY, record_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, purpose TEXT NOT NULL,"
    " owner_org TEXT NOT NULL, subject TEXT NOT NULL, gemeente TEXT, receiver_org TEXT, changed_at TEXT)",
    "CREATE INDEX IF NOT EXISTS hub_directory_feed ON hub_directory (kind, gemeente, seq)",
    "CREATE INDEX IF NOT EXISTS hub_directory_owner ON hub_directory (kind, owner_org, seq)",
    "CREATE INDEX IF NOT EXISTS hub_directory_receiver ON hub_directory (kind, receiver_org, seq)",
    "CREATE INDEX IF NOT EXISTS hub_directory_subject ON hub_directory (subject)",
)

_COLUMNS = "seq, record_id, kind, purpose, owner_org, subject, gemeente, receiver_org"


def _entry(row: tuple) -> tuple[int, DirectoryEntry]:
    return int(row[0]), DirectoryEntry(UUID(row[1]), row[2], row[3], row[4], row[5], row[6], row[7])


class Directory:
    """Adds and looks up directory rows."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._migrate()

    def _migrate(self) -> None:
        """Add `changed_at` (retention counts from it) to a directory made before it existed."""
        with self._db.transaction(write=False) as tx:
            if tx.dialect == "postgres":
                tx.execute(
                    "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
                    " AND table_name = 'hub_directory' AND column_name = 'changed_at'"
                )
            else:
                tx.execute("SELECT 1 FROM pragma_table_info('hub_directory') WHERE name = 'changed_at'")
            if tx.one() is not None:
                return
        with self._db.transaction() as tx:
            tx.execute("ALTER TABLE hub_directory ADD COLUMN changed_at TEXT")
            # The true last change of older rows is unknown: counting from now never erases early.
            tx.execute("UPDATE hub_directory SET changed_at = ? WHERE changed_at IS NULL", (utc_now(),))

    @staticmethod
    def touched_in(tx: Tx, record_id: UUID, at: str) -> None:
        """Inside the transaction that saves new events of an existing record: its last change."""
        tx.execute("UPDATE hub_directory SET changed_at = ? WHERE record_id = ?", (at, record_id.hex))

    @staticmethod
    def add_in(tx: Tx, entry: DirectoryEntry, at: str | None = None) -> None:
        # The sequence is taken under a table lock held to commit, so feeds
        # never see a later row commit before an earlier one; PostgreSQL needs the lock said.
        if tx.dialect == "postgres":
            tx.execute("LOCK TABLE hub_directory IN EXCLUSIVE MODE")
        row = tx.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM hub_directory").one()
        tx.execute(
            f"INSERT INTO hub_directory ({_COLUMNS}, changed_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                int(row[0]) if row else 1,
                entry.record_id.hex,
                entry.kind,
                entry.purpose,
                entry.owner_org,
                entry.subject,
                entry.gemeente,
                entry.receiver_org,
                at or utc_now(),
            ),
        )

    def get(self, record_id: UUID) -> DirectoryEntry | None:
        with self._db.transaction(write=False) as tx:
            row = tx.execute(f"SELECT {_COLUMNS} FROM hub_directory WHERE record_id = ?", (record_id.hex,)).one()
        return None if row is None else _entry(row)[1]

    def _page(self, column: str, kind: str, value: str, after: int, limit: int) -> list[tuple[int, DirectoryEntry]]:
        with self._db.transaction(write=False) as tx:
            rows = tx.execute(
                f"SELECT {_COLUMNS} FROM hub_directory WHERE kind = ? AND {column} = ? AND seq > ? "
                "ORDER BY seq LIMIT ?",
                (kind, value, after, limit),
            ).all()
        return [_entry(r) for r in rows]

    def feed(self, kind: str, gemeente: str, after: int, limit: int) -> list[tuple[int, DirectoryEntry]]:
        return self._page("gemeente", kind, gemeente, after, limit)

    def received(self, kind: str, receiver_org: str, after: int, limit: int) -> list[tuple[int, DirectoryEntry]]:
        return self._page("receiver_org", kind, receiver_org, after, limit)

    def owned(self, kind: str, owner_org: str, after: int, limit: int) -> list[tuple[int, DirectoryEntry]]:
        return self._page("owner_org", kind, owner_org, after, limit)

    def of_subject(self, subject: str) -> list[DirectoryEntry]:
        with self._db.transaction(write=False) as tx:
            rows = tx.execute(f"SELECT {_COLUMNS} FROM hub_directory WHERE subject = ? ORDER BY seq", (subject,)).all()
        return [_entry(r)[1] for r in rows]
