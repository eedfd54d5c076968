"""Faults of the hub's own dependencies, named so that the edge answers 503 or 507, never 500.

The database drivers raise their own classes, and eventsourcing (and SQLAlchemy under Alembic)
wraps them with `raise … from`; only infra knows them, so the edge asks `fault_of`. A fault is
the hub's, not the caller's: a database that cannot be reached, has timed out or is busy past
its lock timeout is unavailable (503, retry soon); a full disk is insufficient storage (507,
retry later, when an operator has made room). Each is told by the driver's code, never by words
in a message (a message may echo a value, or a bug's name may hold "busy"), and only through the
libraries' own wrapping: an error raised while handling a fault is that error, a bug.
"""

from __future__ import annotations

import errno
import sqlite3
from enum import StrEnum

import psycopg
from eventsourcing.persistence import ConnectionUnavailableError, PersistenceError
from sqlalchemy.exc import DBAPIError


class Fault(StrEnum):
    """What went wrong below the hub, as the edge answers it."""

    UNAVAILABLE = "database_onbereikbaar"
    DISK_FULL = "opslag_vol"


# SQLite's primary result codes (sqlite3.h).
_SQLITE_UNAVAILABLE = frozenset({5, 6, 8, 10, 14, 15})  # BUSY, LOCKED, READONLY, IOERR, CANTOPEN, PROTOCOL
_SQLITE_FULL = 13
_SQLITE_READONLY = 8
# PostgreSQL's SQLSTATEs: connection exceptions (class 08), an operator's or a crash's shutdown and
# "cannot connect now" (57P01-57P03), too many connections, a lock or statement timeout.
_PG_UNAVAILABLE_CLASSES = ("08",)
_PG_UNAVAILABLE = frozenset({"57P01", "57P02", "57P03", "53300", "55P03", "57014"})
_PG_DISK_FULL = "53100"


_PG_TIMED_OUT = frozenset({"57014", "55P03"})  # query_canceled (statement timeout), lock_not_available


def _driver_error(exc: BaseException) -> BaseException | None:
    # The driver's own error: `exc` itself, or the one eventsourcing's wrapper carries.
    return exc.__cause__ if isinstance(exc, PersistenceError) else exc


def _sqlite_primary(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF  # extended codes carry the primary one in their low byte


def timed_out(exc: BaseException) -> bool:
    """Whether PostgreSQL cancelled `exc`'s statement on its statement or lock timeout."""
    cause = _driver_error(exc)
    return isinstance(cause, psycopg.Error) and cause.sqlstate in _PG_TIMED_OUT


def refused_write(exc: BaseException) -> bool:
    """Whether the database refused a write because it is read-only (a hot standby, a read-only file)."""
    cause = _driver_error(exc)
    if isinstance(cause, psycopg.Error):
        return cause.sqlstate == "25006"  # read_only_sql_transaction
    return isinstance(cause, sqlite3.Error) and _sqlite_primary(cause) == _SQLITE_READONLY


def fault_of(exc: BaseException) -> Fault | None:
    """The dependency fault `exc` is, or wraps; None for anything else (a bug: 500)."""
    current: BaseException | None = exc
    for _ in range(8):  # wrappers are shallow; a cycle must not loop
        if current is None:
            return None
        fault = _fault(current)
        if fault is not None:
            return fault
        # Only the libraries' own wrappers (eventsourcing's; SQLAlchemy's, under Alembic at
        # start-up) pass the question on to the driver's error they wrap.
        current = current.__cause__ if isinstance(current, PersistenceError | DBAPIError) else None
    return None


def _fault(exc: BaseException) -> Fault | None:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return Fault.DISK_FULL
    if isinstance(exc, sqlite3.Error):
        return _sqlite(exc)
    if isinstance(exc, psycopg.Error):
        return _postgres(exc)
    if isinstance(exc, ConnectionUnavailableError):
        return Fault.UNAVAILABLE
    return None


def _sqlite(exc: sqlite3.Error) -> Fault | None:
    primary = _sqlite_primary(exc)
    if primary is None:
        return None
    if primary == _SQLITE_FULL:
        return Fault.DISK_FULL
    return Fault.UNAVAILABLE if primary in _SQLITE_UNAVAILABLE else None


def _postgres(exc: psycopg.Error) -> Fault | None:
    state = exc.sqlstate
    if state == _PG_DISK_FULL:
        return Fault.DISK_FULL
    if state is None:
        # The client's own: the server refused or dropped the connection, or the pool timed out
        # (psycopg_pool.PoolTimeout); a client-side error of another kind is no outage.
        return Fault.UNAVAILABLE if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError) else None
    return Fault.UNAVAILABLE if state in _PG_UNAVAILABLE or state.startswith(_PG_UNAVAILABLE_CLASSES) else None
