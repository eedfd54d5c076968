"""Faults of the hub's own dependencies, named so that the edge answers 503 or 507, never 500.

The database drivers and eventsourcing raise their own classes (eventsourcing wraps the driver's
error and keeps it as `__cause__`); only infra knows them, so the edge asks `fault_of`. A fault is
the hub's, not the caller's: a database that cannot be reached, that timed out, or that is busy
past its lock timeout is unavailable (503, retry soon); a full disk is insufficient storage (507,
retry later, when an operator has made room).
"""

from __future__ import annotations

import errno
import sqlite3
from enum import StrEnum

import psycopg
from eventsourcing.persistence import ConnectionUnavailableError, InterfaceError, OperationalError

# SQLite names a full disk in its message only (SQLITE_FULL), and so does PostgreSQL's 53100.
_DISK_FULL_WORDS = ("disk is full", "no space left on device", "could not extend file")


class Fault(StrEnum):
    """What went wrong below the hub, as the edge answers it."""

    UNAVAILABLE = "database_onbereikbaar"
    DISK_FULL = "opslag_vol"


def fault_of(exc: BaseException) -> Fault | None:
    """The dependency fault `exc` is, or stems from; None for anything else (a bug: 500)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    unavailable = False
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _is_disk_full(current):
            return Fault.DISK_FULL
        unavailable = unavailable or _is_unavailable(current)
        current = current.__cause__ or current.__context__
    return Fault.UNAVAILABLE if unavailable else None


# PostgreSQL's operational errors are all the server's state: gone, shutting down, a pool timeout
# (psycopg_pool.PoolTimeout), a lock or statement timeout. SQLite's also name bugs ("no such
# table"), so only these messages count.
_SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o error", "readonly database")


def _is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError | ConnectionUnavailableError):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        return any(word in str(exc).lower() for word in _SQLITE_UNAVAILABLE)
    # eventsourcing's own, raised without a driver error behind it (a closed pool, a lost connection)
    return isinstance(exc, InterfaceError | OperationalError) and exc.__cause__ is None and exc.__context__ is None


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    if isinstance(exc, psycopg.errors.DiskFull):
        return True
    return isinstance(exc, sqlite3.Error | psycopg.Error | OperationalError) and any(
        word in str(exc).lower() for word in _DISK_FULL_WORDS
    )
