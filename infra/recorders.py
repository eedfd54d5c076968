"""Application recorders that commit the hub's side writes in the same transaction as events.

`Application.save(..., side_writes=[...])` passes its keyword arguments through to
`_insert_events`; each side write is a callable that receives the open transaction
(idempotency records, access-log entries). Every data key the events are sealed under is
stored (a new pupil's key, in this same transaction) or must still exist: a key shredded
while the write was in flight must not receive events, and a refused key rolls back the
whole transaction (`StaleKey`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypeVar

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from infra.db import Dialect, Tx
from infra.faults import timed_out
from infra.keystore import KeyStore
from infra.mapper import key_refs_of

SideWrite = Callable[[Tx], None]
F = TypeVar("F", bound=Callable[..., Any])
_ATTEMPTS, _WAIT = 10, 0.2  # eventsourcing's own retry of a write


def _retried(write: F) -> F:
    """eventsourcing's retry of a write whose connection failed, except for a statement the
    database cancelled on its timeout: trying again would only wait the timeout again, while the
    caller is owed a 503 within it (infra/db.py bound_statements)."""

    @wraps(write)
    def attempts(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return write(*args, **kwargs)
            except (InterfaceError, OperationalError) as e:
                if attempt == _ATTEMPTS or timed_out(e):
                    raise
                time.sleep(_WAIT * (1 + 0.1 * (random.random() - 0.5)))
        raise AssertionError("unreachable")

    return attempts  # type: ignore[return-value]


def _run_side_writes(tx: Tx, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]) -> Callable[[], None]:
    """Send the keys' statements and run the side writes; returns the keys' `confirm`."""
    keys: KeyStore | None = kwargs.get("keys")
    if keys is None:
        raise RuntimeError("the sealed recorders are written to through Records.save, which passes its key store")
    confirm = keys.persist(tx, key_refs_of(stored_events))
    for write in kwargs.get("side_writes", ()):
        write(tx)
    return confirm


class SealedSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite recorder with same-transaction side writes."""

    dialect: Dialect = "sqlite"

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        _run_side_writes(Tx(c, self.dialect), stored_events, kwargs)()
        return super()._insert_events(c, stored_events, **kwargs)


class SealedPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL recorder with same-transaction side writes, read after the pipeline's sync."""

    dialect: Dialect = "postgres"

    @_retried
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # eventsourcing 9.5's own method (without its database-function variant), changed in
        # two places: the keys' outcome is read after the pipeline's sync, so a new pupil's key
        # and the live-key check ride along with the events' round trip instead of adding
        # their own (a stale key raises inside the transaction, so nothing of it commits); and
        # an error caught to keep the pipeline quiet forces a rollback, where the library's
        # transaction block would go on to COMMIT the side writes of a write that failed in
        # Python (a database error has aborted the transaction already).
        if self.datastore.enable_db_functions:
            raise RuntimeError("POSTGRES_ENABLE_DB_FUNCTIONS would skip the hub's side writes")
        error: Exception | None = None
        notification_ids: Sequence[int] | None = None
        with self.datastore.get_connection() as conn:
            with (
                conn.pipeline() as pipeline,
                conn.transaction() as transaction,
                conn.cursor() as side,
                conn.cursor() as curs,
            ):
                confirm = _run_side_writes(Tx(side, self.dialect), stored_events, kwargs)
                try:
                    if stored_events:
                        self._insert_stored_events(curs, stored_events, **kwargs)
                    # Sync now, so a uniqueness violation raises here as an IntegrityError.
                    pipeline.sync()
                    if stored_events:
                        notification_ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
                except Exception as e:  # re-raised once the pipeline is closed, as the library does
                    error = e
                    transaction.force_rollback = True
                if error is None:
                    confirm()
            if error is not None:
                raise error
        return notification_ids
