"""Measure `hub retention run` on a filled directory (not a test).

    .venv/bin/python -m tests.ops.measure_retention [pupils] [sqlite|postgres]

Fills hub_directory with two verzuimmeldingen per pupil and one data key each, directly in SQL
(the sweep reads the directory and deletes keys; it never unwraps one), a fifth of the pupils
with both records past retention and a fifth with one old and one recent record. Then times the
dry run (finding) and the run (shred + one access-log entry per key, one transaction each).
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from hub.container import build_hub
from infra.pgcluster import Cluster
from infra.retention import RetentionSweep
from tests.conftest import make_settings

OLD, NEW = "2019-01-07T09:00:00.000Z", "2026-11-01T09:00:00.000Z"


def fill(hub, pupils: int) -> None:
    with hub.store.db.transaction() as tx:
        for n in range(pupils):
            subject = f"{n:064x}"
            first, second = (OLD, OLD) if n % 5 == 0 else (OLD, NEW) if n % 5 == 1 else (NEW, NEW)
            for i, changed in enumerate((first, second)):
                tx.execute(
                    "INSERT INTO hub_directory (seq, record_id, kind, purpose, owner_org, subject, gemeente,"
                    " changed_at) VALUES (?,?,?,?,?,?,?,?)",
                    (
                        2 * n + i + 1,
                        uuid.uuid4().hex,
                        "verzuimmelding",
                        "verzuimmelding",
                        "school:12AB00",
                        subject,
                        "GM0479",
                        changed,
                    ),
                )
            tx.execute(
                "INSERT INTO hub_data_keys (key_id, purpose, subject, kek_version, wrapped, created_at)"
                " VALUES (?,?,?,?,?,?)",
                (uuid.uuid4().hex, "verzuimmelding", subject, 1, b"x" * 72, OLD),
            )


def measure(database_url: str, var: Path, pupils: int) -> None:
    hub = build_hub(make_settings(database_url, var))
    try:
        fill(hub, pupils)
        sweep, now = RetentionSweep(hub.store.db), datetime(2026, 11, 23, tzinfo=UTC)
        t0 = time.perf_counter()
        found = sweep.run(now, dry_run=True)
        t1 = time.perf_counter()
        erased = sweep.run(now)
        t2 = time.perf_counter()
        print(
            f"{database_url.split(':')[0]:<10} pupils={pupils} records={2 * pupils} "
            f"expired={len(found)} dry-run={t1 - t0:.2f}s run={t2 - t1:.2f}s "
            f"({len(erased) / (t2 - t1):.0f} keys/s) log={hub.persistence.access_log.size()}"
        )
    finally:
        hub.close()


def main() -> None:
    pupils = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    backends = sys.argv[2:] or ["sqlite", "postgres"]
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in backends:
            measure(f"sqlite:///{tmp}/hub.sqlite", Path(tmp) / "var-sqlite", pupils)
        if "postgres" in backends:
            cluster = Cluster().start()
            try:
                measure(cluster.new_database(), Path(tmp) / "var-pg", pupils)
            finally:
                cluster.stop()


if __name__ == "__main__":
    main()
