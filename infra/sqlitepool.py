"""eventsourcing's SQLite connection pool with a real prepared-statement cache and write
transactions that take the write lock at BEGIN.

The library opens its connections with `cached_statements=True`, which Python's sqlite3 reads
as a cache of one statement: a transaction of several statements (BEGIN, a new pupil's key,
the event, an access-log entry, the log state) prepared each of them anew, every time. This
pool opens the same connections with a cache of `STATEMENTS`.

The library begins every transaction DEFERRED. A write transaction that reads first (a push's
live-key check and log state, a rotation, a retention sweep) then cannot wait for the write
lock: when another process commits in between it fails at once ("database is locked"). Here
write transactions begin IMMEDIATE, so they wait their turn (the busy timeout) before reading;
read-only ones stay DEFERRED. Everything else is the library's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from eventsourcing.persistence import InfrastructureFactory, InterfaceError
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteTransaction,
)
from eventsourcing.utils import Environment

F = TypeVar("F", bound=InfrastructureFactory)

STATEMENTS = 256


class _ImmediateWrites(SQLiteTransaction):
    """The library's transaction, beginning IMMEDIATE when it will commit."""

    def __enter__(self) -> SQLiteCursor:
        cursor = self.connection.cursor()
        cursor.execute("BEGIN IMMEDIATE" if self.commit else "BEGIN")
        return cursor


class _Connection(SQLiteConnection):
    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[SQLiteCursor]:
        with _ImmediateWrites(self, commit=commit) as cursor, cursor:
            yield cursor


class HubSQLitePool(SQLiteConnectionPool):
    """The library's pool (eventsourcing 9.5): its connections cache prepared statements and
    begin write transactions IMMEDIATE."""

    def _create_connection(self) -> SQLiteConnection:
        try:
            c = sqlite3.connect(
                database=self.db_name,
                uri=True,
                check_same_thread=False,
                isolation_level=None,  # autocommit: the library issues BEGIN itself
                cached_statements=STATEMENTS,
                timeout=self.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT,
            )
        except (sqlite3.Error, TypeError) as e:
            raise InterfaceError(e) from e
        if not self.is_sqlite_memory_mode and not self.is_journal_mode_wal:
            cursor = c.cursor()
            cursor.execute("PRAGMA journal_mode;")
            if cursor.fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL;")
                self.journal_mode_was_changed_to_wal = True
            self.is_journal_mode_wal = True
        c.row_factory = sqlite3.Row
        return _Connection(sqlite_conn=c, max_age=self.max_age)


class HubSQLite:
    """Mixin for an eventsourcing `Application`: its SQLite datastore uses `HubSQLitePool`."""

    def construct_factory(self, env: Environment) -> InfrastructureFactory:
        return with_hub_pool(super().construct_factory(env))  # type: ignore[misc]


def with_hub_pool(factory: F) -> F:
    """The factory, its SQLite datastore (if it has one) given a `HubSQLitePool` of the same settings;
    call it before anything connects (in `Application.construct_factory`)."""
    datastore = getattr(factory, "datastore", None)
    if isinstance(datastore, SQLiteDatastore):
        old = datastore.pool
        old.close()
        datastore.pool = HubSQLitePool(
            db_name=old.db_name,
            lock_timeout=old.lock_timeout,
            pool_size=old.pool_size,
            max_overflow=old.max_overflow,
            pool_timeout=old.pool_timeout,
            max_age=old.max_age,
            pre_ping=old.pre_ping,
        )
    return factory
