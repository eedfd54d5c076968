"""The record directory: a non-personal index of records for routing, feeds and inzage.

It holds random record ids, organisation ids, gemeentecodes and pupil pseudonyms —
never an identifier or a name — so feeds are index range scans whatever the store's size.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from adapters.ports import DirectoryEntry
from infra import directorysql as sql
from infra.accesslog import utc_now
from infra.db import Database, Statement, Tx


def _entry(row: tuple[Any, ...]) -> tuple[int, DirectoryEntry]:
    return int(row[0]), DirectoryEntry(UUID(row[1]), row[2], row[3], row[4], row[5], row[6], row[7])


class Directory:
    """Adds and looks up directory rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    def touched_in(tx: Tx, record_id: UUID, at: str) -> None:
        """Inside the transaction that saves new events of an existing record: its last change."""
        tx.execute(sql.TOUCHED, {"record_id": record_id.hex, "at": at})

    @staticmethod
    def add_in(tx: Tx, entry: DirectoryEntry, at: str | None = None) -> None:
        # The sequence is taken under a table lock held to commit, so feeds never see a later row
        # commit before an earlier one: SQLite's write lock is held from BEGIN, PostgreSQL needs it said.
        if tx.dialect == "postgres":
            tx.execute(sql.LOCK)
        row = tx.execute(sql.NEXT_SEQ, {}).one()
        tx.execute(
            sql.ADD,
            {
                "seq": int(row[0]) if row else 1,
                "record_id": entry.record_id.hex,
                "kind": entry.kind,
                "purpose": entry.purpose,
                "owner_org": entry.owner_org,
                "subject": entry.subject,
                "gemeente": entry.gemeente,
                "receiver_org": entry.receiver_org,
                "changed_at": at or utc_now(),
            },
        )

    def get(self, record_id: UUID) -> DirectoryEntry | None:
        with self._db.transaction(write=False) as tx:
            row = tx.execute(sql.GET, {"record_id": record_id.hex}).one()
        return None if row is None else _entry(row)[1]

    def _page(self, page: Statement, kind: str, value: str, after: int, limit: int) -> list[tuple[int, DirectoryEntry]]:
        with self._db.transaction(write=False) as tx:
            rows = tx.execute(page, {"kind": kind, "value": value, "after": after, "limit": limit}).all()
        return [_entry(r) for r in rows]

    def feed(self, kind: str, gemeente: str, after: int, limit: int) -> list[tuple[int, DirectoryEntry]]:
        return self._page(sql.FEED, kind, gemeente, after, limit)

    def received(self, kind: str, receiver_org: str, after: int, limit: int) -> list[tuple[int, DirectoryEntry]]:
        return self._page(sql.RECEIVED, kind, receiver_org, after, limit)

    def owned(self, kind: str, owner_org: str, after: int, limit: int) -> list[tuple[int, DirectoryEntry]]:
        return self._page(sql.OWNED, kind, owner_org, after, limit)

    def of_subject(self, subject: str) -> list[DirectoryEntry]:
        with self._db.transaction(write=False) as tx:
            rows = tx.execute(sql.OF_SUBJECT, {"subject": subject}).all()
        return [_entry(r)[1] for r in rows]
