"""A thin, dialect-neutral handle on the event store's own database.

The hub's side tables (keys, organisations, nonces, idempotency records, the
access log) live in the same database as the events, so that a push and its
log entry commit together. SQL is written once with `?` placeholders and
translated for PostgreSQL; row values come back as plain tuples on both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Literal

Dialect = Literal["sqlite", "postgres"]

# What differs between the two backends; DDL uses the names on the left. WITHOUT_ROWID
# keeps a SQLite table in its primary-key B-tree alone (one B-tree less to write per row).
_TYPES: dict[Dialect, dict[str, str]] = {
    "sqlite": {"BLOB": "BLOB", "BIGINT": "INTEGER", "TIMESTAMP": "TEXT", "WITHOUT_ROWID": "WITHOUT ROWID"},
    "postgres": {"BLOB": "BYTEA", "BIGINT": "BIGINT", "TIMESTAMP": "TEXT", "WITHOUT_ROWID": ""},
}


@lru_cache(maxsize=512)
def _for_postgres(sql: str) -> str:
    return sql.replace("?", "%s")


class Tx:
    """One open transaction: execute statements and fetch rows as tuples."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self._cursor = cursor
        self.dialect = dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Tx:
        if self.dialect == "postgres":
            self._cursor.execute(_for_postgres(sql), tuple(params))
        else:
            self._cursor.execute(sql, tuple(params))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(
                _for_postgres(sql) if self.dialect == "postgres" else sql, [tuple(r) for r in rows]
            )

    def one(self) -> tuple[Any, ...] | None:
        row = self._cursor.fetchone()
        return None if row is None else _as_tuple(row)

    def all(self) -> list[tuple[Any, ...]]:
        return [_as_tuple(r) for r in self._cursor.fetchall()]

    # Inside the event recorder's PostgreSQL pipeline a statement whose rows are read at once
    # costs a round trip of its own; sent now and read after the pipeline's sync, it rides
    # along with the events' round trip. SQLite has no round trips: it reads at once.
    def rows_later(self, sql: str, params: Sequence[Any] = ()) -> Callable[[], list[tuple[Any, ...]]]:
        """Run a query now; the returned callable reads its rows (once)."""
        if self.dialect == "postgres":
            cursor = self._cursor.connection.cursor()
            cursor.execute(_for_postgres(sql), tuple(params))
            return lambda: _drain(cursor)
        rows = self.execute(sql, params).all()
        return lambda: rows

    def inserted_later(self, sql: str, params: Sequence[Any] = ()) -> Callable[[], bool]:
        """Run an INSERT of at most one row (… ON CONFLICT DO NOTHING, or INSERT … SELECT …
        WHERE); the returned callable tells whether it inserted. PostgreSQL reads a RETURNING
        row, as a row count is unknown in a pipeline until read; SQLite reads the count, since
        a RETURNING clause doubles such a statement's cost there."""
        if self.dialect == "postgres":
            rows = self.rows_later(f"{sql} RETURNING 1", params)
            return lambda: bool(rows())
        made = self.execute(sql, params).rowcount() == 1
        return lambda: made

    def rowcount(self) -> int:
        cursor = getattr(self._cursor, "sqlite_cursor", self._cursor)
        return int(cursor.rowcount)


def _drain(cursor: Any) -> list[tuple[Any, ...]]:
    try:
        return [_as_tuple(r) for r in cursor.fetchall()]
    finally:
        cursor.close()


def _as_tuple(row: Any) -> tuple[Any, ...]:
    if isinstance(row, dict):
        return tuple(bytes(v) if isinstance(v, memoryview) else v for v in row.values())
    return tuple(row)


class Database:
    """Transactions on the datastore that the eventsourcing recorder already holds."""

    def __init__(self, datastore: Any, dialect: Dialect) -> None:
        self._datastore = datastore
        self.dialect = dialect
        self._sqlite_durable: int | None = None  # the connections' own synchronous level, read once

    @contextmanager
    def transaction(self, *, write: bool = True, durable: bool = True) -> Iterator[Tx]:
        """A transaction; `durable=False` commits without waiting for the disk flush.

        A non-durable commit survives a crash of the process, and is flushed with the next
        durable commit (one write-ahead log on both backends); only a power loss before that
        can lose it. It is for rows whose loss is harmless, such as used nonces.
        """
        if durable or not write:
            with self._datastore.transaction(commit=write) as cursor:
                yield Tx(cursor, self.dialect)
        elif self.dialect == "postgres":
            with self._datastore.transaction(commit=True) as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
                yield Tx(cursor, self.dialect)
        else:
            # SQLite's setting is per connection: set around this transaction, restored after.
            with self._datastore.get_connection(commit=True) as connection:
                setting = connection.cursor()
                if self._sqlite_durable is None:
                    setting.execute("PRAGMA synchronous")
                    self._sqlite_durable = int(setting.fetchone()[0])
                setting.execute("PRAGMA synchronous = NORMAL")
                try:
                    with connection.transaction(commit=True) as cursor:
                        yield Tx(cursor, self.dialect)
                finally:
                    setting.execute(f"PRAGMA synchronous = {self._sqlite_durable}")

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database files, outside any transaction (after a
        bulk load; PostgreSQL needs a superuser or the pg_checkpoint role)."""
        if self.dialect == "postgres":
            with self._datastore.get_connection() as connection:  # autocommit
                connection.execute("CHECKPOINT")
        else:
            with self._datastore.get_connection(commit=True) as connection:
                connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def ddl(self, statement: str) -> str:
        """Translate one CREATE statement written with the neutral type names."""
        for neutral, concrete in _TYPES[self.dialect].items():
            statement = statement.replace(f" {neutral}", f" {concrete}")
        return statement

    def create(self, statements: Sequence[str]) -> None:
        with self.transaction() as tx:
            for statement in statements:
                tx.execute(self.ddl(statement))
