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
            "sleutels": _checked(store.keys.check_master_key),
            "schijf": _disk(settings),
        }
    )


def _writable(store: Store) -> None:
    with store.db.transaction() as tx:
        tx.execute(META_SET, {"name": _PROBE, "new_value": b""})


def _checked(check: Callable[[], None]) -> str:
    try:
        check()
    except MasterKeyMismatch:
        return "hoofdsleutel past niet bij deze database"
    except Exception as e:
        fault = fault_of(e)
        if fault is None:
            raise
        return fault.value
    return OK


def _disk(settings: Settings) -> str:
    paths = {settings.var_dir}
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        paths.add(Path(url.database).parent)
    short = [
        str(p) for p in sorted(paths) if p.exists() and shutil.disk_usage(p).free < settings.min_free_disk_mb * _MIB
    ]
    return OK if not short else f"minder dan {settings.min_free_disk_mb} MiB vrij op {', '.join(short)}"
