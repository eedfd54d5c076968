"""Application recorders that commit the hub's side writes in the same transaction as events.

`Application.save(..., side_writes=[...])` passes its keyword arguments through to
`_insert_events`; each side write is a callable that receives the open transaction
(idempotency records, access-log entries). Before anything is written, every data key
the events are sealed under is stored (a new pupil's key, in this same transaction) or
must still exist: a key shredded while the write was in flight must not receive events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from infra.db import Dialect, Tx
from infra.keystore import KeyStore
from infra.mapper import key_ids_of

SideWrite = Callable[[Tx], None]


def _run_side_writes(tx: Tx, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]) -> None:
    keys: KeyStore | None = kwargs.get("keys")
    if keys is None:
        raise RuntimeError("the sealed recorders are written to through Records.save, which passes its key store")
    keys.persist(tx, key_ids_of(stored_events))
    for write in kwargs.get("side_writes", ()):
        write(tx)


class SealedSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite recorder with same-transaction side writes."""

    dialect: Dialect = "sqlite"

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        _run_side_writes(Tx(c, self.dialect), stored_events, kwargs)
        return super()._insert_events(c, stored_events, **kwargs)


class SealedPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL recorder with same-transaction side writes."""

    dialect: Dialect = "postgres"

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        _run_side_writes(Tx(curs, self.dialect), stored_events, kwargs)
        super()._insert_events(curs, stored_events, **kwargs)
