"""What `/health/ready` checks: the database reachable and writable, room on the disk, the keys open.

Each check names its result in Dutch for the operator; a check that fails by a dependency fault
(infra/faults.py) says which, and anything else is a bug that the probe lets through as itself.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from infra.faults import fault_of
from infra.keysql import META_SET
from infra.keystore import MasterKeyMismatch
from infra.settings import Settings
from infra.store import Store

OK = "ok"
# A meta row that never exists: updating it takes the write lock and changes nothing.
_PROBE = "readiness-probe"
_MIB = 1024 * 1024


@dataclass(frozen=True)
class Readiness:
    """The result of every check; ready when all are ok."""

    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(result == OK for result in self.checks.values())


def readiness(store: Store, settings: Settings) -> Readiness:
    """Run every check once, each on its own: one failing does not hide another."""
    return Readiness(
        {
            "database": _checked(lambda: _writable(store)),
            "sleutels": _checked(lambda: _master_key(store)),
            "schijf": _disk(settings),
        }
    )


def _writable(store: Store) -> None:
    with store.db.transaction() as tx:
        tx.execute(META_SET, {"name": _PROBE, "new_value": b""})


def _master_key(store: Store) -> None:
    if not store.keys.master_key_opens():
        raise _NotReady("de database heeft geen hoofdsleutelcontrole")


class _NotReady(Exception):
    """A check failed for a reason of its own, named in Dutch."""


def _checked(check: Callable[[], None]) -> str:
    try:
        check()
    except _NotReady as e:
        return str(e)
    except MasterKeyMismatch:
        return "hoofdsleutel past niet bij deze database"
    except Exception as e:
        fault = fault_of(e)
        if fault is None:
            raise
        return fault.value
    return OK


def _disk(settings: Settings) -> str:
    # Named by role, never by path: the answer goes to anyone who asks, unsigned.
    places = {"HUB_VAR_DIR": settings.var_dir}
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        places["de database"] = Path(url.database).parent
    least = settings.min_free_disk_mb * _MIB
    short = [name for name, path in places.items() if path.exists() and shutil.disk_usage(path).free < least]
    return OK if not short else f"minder dan {settings.min_free_disk_mb} MiB vrij voor {' en '.join(short)}"
