"""The involvement register (betrokkenheid): who is involved with which pupil, since when, until when.

Rows hold the pupil's pseudonym and organisation ids only. Nothing is deleted: an ended
involvement keeps its row with `until`, so a replay decides as the register stood then.
Changes are written inside the transaction of the records and log entries that cause
them (`start_in`, `end_in`), so a melding and its school's involvement commit together.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from domain.betrokkenheid import Betrokkenheid, Bron, Involvement, involved_at
from infra import involvementsql as sql
from infra.db import Database, Tx

_CHUNK = 100  # pupils per query: a feed page of 500 is five index lookups, not 500


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _row(row: Sequence[Any]) -> Involvement:
    return Involvement(
        id=str(row[0]),
        subject=str(row[1]),
        org_id=str(row[2]),
        relation=Betrokkenheid(row[3]),
        source=Bron(row[4]),
        since=_moment(row[5]),
        until=_moment(row[6]) if row[6] else None,
        record_id=row[7],
    )


class InvolvementRegister:
    """Starts, ends and reads involvements."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    def start_in(
        tx: Tx,
        subject: str,
        org_id: str,
        relation: Betrokkenheid,
        source: Bron,
        record_id: str | None,
        at: str,
        new_id: str | None = None,
    ) -> None:
        """A new involvement, unless one is open already (its start and source then stand)."""
        tx.execute(
            sql.START,
            {
                "id": new_id or uuid.uuid4().hex,
                "subject": subject,
                "org_id": org_id,
                "relation": relation.value,
                "source": source.value,
                "record_id": record_id,
                "since": at,
            },
        )

    @staticmethod
    def end_id_in(tx: Tx, involvement_id: str, at: str) -> None:
        tx.execute(sql.END_ID, {"id": involvement_id, "at": at})

    def get(self, involvement_id: str) -> Involvement | None:
        with self._db.transaction(write=False) as tx:
            row = tx.execute(sql.GET, {"id": involvement_id}).one()
        return None if row is None else _row(row)

    def of_subject(self, subject: str) -> list[Involvement]:
        """The pupil's rows, oldest first, ended ones included."""
        with self._db.transaction(write=False) as tx:
            return [_row(r) for r in tx.execute(sql.of_subjects(1), {"s0": subject}).all()]

    def involved(self, subjects: Collection[str], moment: datetime) -> dict[str, frozenset[str]]:
        """Per pupil, the organisations involved with it at `moment` (SWVs of its schools included)."""
        found: dict[str, list[Involvement]] = {s: [] for s in subjects}
        swv_of: dict[str, str] = {}
        names = sorted(found)
        for start in range(0, len(names), _CHUNK):
            chunk = names[start : start + _CHUNK]
            with self._db.transaction(write=False) as tx:
                rows = tx.execute(sql.of_subjects(len(chunk)), {f"s{n}": s for n, s in enumerate(chunk)}).all()
            for r in rows:
                found[str(r[1])].append(_row(r))
                if r[8] is not None:
                    swv_of[str(r[2])] = str(r[8])
        return {s: involved_at(rows_of, moment, swv_of) for s, rows_of in found.items()}
