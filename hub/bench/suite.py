"""Every benchmark, registered by importing its module: what `hub bench` and the report run."""

from __future__ import annotations

# Imported for their @register side effect.
from hub.bench import audit, casussen, http, ingest, overload, policy  # noqa: F401
from hub.bench.core import BENCHMARKS, READS, Benchmark

# The order of `hub bench all` and of docs/benchmarks.md: the path of one record, then audit,
# the policy and the SWV's list of cases.
_ORDER = ("ingest", "http", "audit", "policy", "casussen")


def benchmarks() -> dict[str, Benchmark]:
    """Every registered benchmark by name, in running order (any not named above come last)."""
    names = [n for n in _ORDER if n in BENCHMARKS] + [n for n in BENCHMARKS if n not in _ORDER]
    return {name: BENCHMARKS[name] for name in names}


__all__ = ["READS", "Benchmark", "benchmarks"]
