"""The machine a benchmark ran on: without it, a figure in docs/benchmarks.md means little."""

from __future__ import annotations

import os
import platform
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from infra.pgcluster import server_version


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    ram_gib: float
    os: str
    python: str
    sqlite: str
    postgres: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _proc_field(path: str, name: str) -> str | None:
    """The first `name: value` line of a /proc file (Linux); None elsewhere."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return None


def _ram_gib() -> float:
    kib = _proc_field("/proc/meminfo", "MemTotal")  # e.g. "24570880 kB"
    return round(int(kib.split()[0]) / 2**20, 1) if kib else float("nan")


def detect() -> Machine:
    # The cores this process may use, which a container or taskset can make fewer than the host's.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0
    return Machine(
        cpu=_proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        cores=cores,
        ram_gib=_ram_gib(),
        os=platform.platform(),
        python=platform.python_version(),
        sqlite=sqlite3.sqlite_version,
        postgres=server_version() or "not installed",
    )
