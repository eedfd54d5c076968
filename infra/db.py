"""A thin, dialect-neutral handle on the event store's own database.

The hub's side tables (keys, organisations, nonces, idempotency records, the access log,
declared in infra/schema.py) live in the same database as the events, so that a push and its
log entry commit together, on the connection and in the transaction the event recorder holds.
Statements are SQLAlchemy Core constructs, compiled once per dialect into the driver's own SQL
(`Statement`); row values come back as plain tuples on both backends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Literal, TypeVar, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.base import SQLiteDialect
from sqlalchemy.engine import Dialect as SQLDialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Dialect = Literal["sqlite", "postgres"]
Params = Mapping[str, Any]
T = TypeVar("T")

# The drivers' own parameter styles; PGDialect renders no casts (the psycopg dialect would add one
# per parameter), so the SQL sent is what a hand-written statement would be.
_DIALECTS: dict[Dialect, SQLDialect] = {
    "sqlite": SQLiteDialect(paramstyle="qmark"),
    "postgres": PGDialect(paramstyle="format"),  # type: ignore[no-untyped-call]
}
# The dialect's own INSERT, for ON CONFLICT clauses (the two share no typed base that has them).
INSERTS: dict[Dialect, Callable[[Table], Any]] = {"sqlite": sqlite.insert, "postgres": postgresql.insert}


class Statement:
    """A Core statement, compiled once per dialect: SQL text and the order of its named parameters.

    Built from a clause, or from a function of the dialect for statements whose form differs
    (ON CONFLICT through the dialect's INSERT, RETURNING on PostgreSQL only).
    """

    __slots__ = ("_build", "_compiled")

    def __init__(self, build: ClauseElement | Callable[[Dialect], ClauseElement]) -> None:
        self._build = build
        self._compiled: dict[Dialect, tuple[str, tuple[str, ...], dict[str, Any]]] = {}

    def compiled(self, dialect: Dialect) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        """(SQL, parameter names in order, values of the parameters the statement fixes itself)."""
        found = self._compiled.get(dialect)
        if found is None:
            clause = self._build if isinstance(self._build, ClauseElement) else self._build(dialect)
            compiled = clause.compile(dialect=_DIALECTS[dialect])
            assert isinstance(compiled, SQLCompiler)
            names = tuple(compiled.positiontup or ())
            fixed = {n: b.effective_value for n, b in compiled.binds.items() if not b.required and n in names}
            found = self._compiled[dialect] = (compiled.string, names, fixed)
        return found

    def bind(self, dialect: Dialect, params: Params) -> tuple[str, tuple[Any, ...]]:
        """The SQL and the driver's positional values for `params`."""
        return self.compiled(dialect)[0], self.values(dialect, params)

    def values(self, dialect: Dialect, params: Params) -> tuple[Any, ...]:
        _sql, names, fixed = self.compiled(dialect)
        given = {**fixed, **params} if fixed else params
        try:
            return tuple(given[n] for n in names)
        except KeyError as e:
            raise TypeError(f"statement parameter {e.args[0]!r} not given") from None

    def sql(self, dialect: Dialect) -> str:
        return self.compiled(dialect)[0]


def padded(values: Sequence[T]) -> list[T]:
    """`values` (not empty) lengthened to a power of two by repeating the last one: for an IN list,
    which it leaves meaning the same, so that a statement per list length is compiled (and cached)
    a few times instead of once per length."""
    size = 1 << (len(values) - 1).bit_length()
    return [*values, *[values[-1]] * (size - len(values))]


@lru_cache(maxsize=512)
def _for_postgres(sql: str) -> str:
    return sql.replace("?", "%s")


class Tx:
    """One open transaction: execute statements and fetch rows as tuples."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self._cursor = cursor
        self.dialect = dialect

    def execute(self, statement: Statement | str, params: Params | Sequence[Any] = ()) -> Tx:
        """Run a `Statement` with named parameters, or a raw SQL string (locks, settings, tests)
        with positional `?` parameters."""
        self._cursor.execute(*self._bound(statement, params))
        return self

    def _bound(self, statement: Statement | str, params: Params | Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
        if isinstance(statement, Statement):
            assert isinstance(params, Mapping), "a Statement takes its parameters by name"
            return statement.bind(self.dialect, params)
        return (_for_postgres(statement) if self.dialect == "postgres" else statement), tuple(params)

    def executemany(self, statement: Statement | str, rows: Sequence[Params] | Sequence[Sequence[Any]]) -> None:
        """One statement for many rows: named parameters for a `Statement`, positional for raw SQL."""
        if not rows:
            return
        if isinstance(statement, Statement):
            named = cast(Sequence[Params], rows)
            sql = statement.sql(self.dialect)
            self._cursor.executemany(sql, [statement.values(self.dialect, r) for r in named])
        else:
            self._cursor.executemany(self._bound(statement, ())[0], [tuple(r) for r in rows])

    def one(self) -> tuple[Any, ...] | None:
        row = self._cursor.fetchone()
        return None if row is None else _as_tuple(row)

    def all(self) -> list[tuple[Any, ...]]:
        return [_as_tuple(r) for r in self._cursor.fetchall()]

    # Inside the event recorder's PostgreSQL pipeline a statement whose rows are read at once
    # costs a round trip of its own; sent now and read after the pipeline's sync, it rides
    # along with the events' round trip. SQLite has no round trips: it reads at once.
    def rows_later(self, statement: Statement, params: Params) -> Callable[[], list[tuple[Any, ...]]]:
        """Run a query now; the returned callable reads its rows (once)."""
        if self.dialect == "postgres":
            cursor = self._cursor.connection.cursor()
            cursor.execute(*statement.bind(self.dialect, params))
            return lambda: _drain(cursor)
        rows = self.execute(statement, params).all()
        return lambda: rows

    def inserted_later(self, statement: Statement, params: Params) -> Callable[[], bool]:
        """Run an INSERT of at most one row (… ON CONFLICT DO NOTHING, or INSERT … SELECT …
        WHERE); the returned callable tells whether it inserted. On PostgreSQL the statement
        must return a row when it inserts (RETURNING), as a row count is unknown in a pipeline
        until read; SQLite reads the count, since a RETURNING clause doubles such a statement's
        cost there."""
        if self.dialect == "postgres":
            rows = self.rows_later(statement, params)
            return lambda: bool(rows())
        made = self.execute(statement, params).rowcount() == 1
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

    def bound_statements(self, seconds: int) -> None:
        """PostgreSQL cancels any statement of ours that runs (or waits on a lock) longer: a hung
        query becomes an error the hub answers 503, not a request that never ends. Set before the
        pool opens, on each new connection; SQLite waits on its busy timeout instead."""
        if self.dialect != "postgres":
            return
        pool = self._datastore.pool
        library_configure = pool._configure  # the library's own settings first (psycopg_pool 3.3)

        def configure(connection: Any) -> None:
            library_configure(connection)
            connection.execute(f"SET statement_timeout = '{int(seconds)}s'")

        pool._configure = configure

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

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read of one statement (its own snapshot): on PostgreSQL on the pool's autocommit
        connection, as the event recorder reads events, so no BEGIN and ROLLBACK round trips
        around it; on SQLite a read transaction. For more than one statement that must see one
        snapshot, `transaction(write=False)`."""
        if self.dialect == "postgres":
            with self._datastore.get_connection() as connection, connection.cursor() as cursor:
                yield Tx(cursor, self.dialect)
        else:
            with self._datastore.transaction(commit=False) as cursor:
                yield Tx(cursor, self.dialect)

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database files, outside any transaction (after a
        bulk load; PostgreSQL needs a superuser or the pg_checkpoint role)."""
        if self.dialect == "postgres":
            with self._datastore.get_connection() as connection:  # autocommit
                connection.execute("CHECKPOINT")
        else:
            with self._datastore.get_connection(commit=True) as connection:
                connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
