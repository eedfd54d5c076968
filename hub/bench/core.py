"""What every benchmark shares: options, results beside their peer, the registry, medians.

A benchmark never reports a speed on its own: it measures our code and a peer (the same
work without our code, or a bare framework) in the same run, alternating them round by
round, and reports both medians and their ratio. Absolute figures move with the machine;
the ratio is what a change to our code moves.

A benchmark is a function `Options -> list[BenchResult]` registered under a name:

    @register("policy")
    def policy(options: Options) -> list[BenchResult]:
        '''What it measures, against which peer (this docstring goes into docs/benchmarks.md).'''

It returns a list because one run may yield several figures against the same peer
(e.g. the sealed store with and without the access log, against plain eventsourcing).
"""

from __future__ import annotations

import importlib
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Backend = Literal["sqlite", "postgres", "both"]


def _quiet(_message: str) -> None:
    return None


@dataclass(frozen=True)
class Options:
    """Sizes of a run; each benchmark reads the fields it needs."""

    events: int = 1800  # ingest: events each side stores per round (one Created event per aggregate)
    pupils: int = 1800  # distinct pupils in the workload (the test number blocks hold 1818)
    rounds: int = 5  # rounds per benchmark; each round runs every side once
    backend: Backend = "both"  # ingest: which database(s)
    requests: int = 360  # http: pushes each server gets per round
    concurrency: int = 8  # http: client threads
    max_seconds: float = 60.0  # http: one side's round stops after this, finished or not
    log_entries: int = 1_000_000  # audit: entries in the log that verify_log reads
    verify_rounds: int = 3  # audit: rounds of the verify sides (about a minute each at a million entries)
    pushes: int = 600  # audit: pushes each side commits per round, with and without their log entry
    decisions: int = 20_000  # policy: decide() calls each side makes per round
    pull_sizes: tuple[int, int] = (10_000, 1_000_000)  # policy: stored meldingen of the small and the large store
    pull_items: int = 500  # policy: feed items one pull returns
    pulls: int = 10  # policy: pulls per store per round, each from another cursor
    pull_backend: Backend = "sqlite"  # policy: which database(s) the pull runs on
    cases: int = 10_000  # casussen: thuiszitter cases of the SWV whose open ones are listed
    scale_meldingen: tuple[int, ...] = (10_000, 100_000, 1_000_000)  # scale: stored meldingen at each step
    scale_log: tuple[int, ...] = (100_000, 1_000_000, 10_000_000)  # scale: access-log entries at each step
    scale_pushes: int = 300  # scale: pushes timed at each step
    scale_backend: Backend = "sqlite"  # scale: which database(s) the store grows on
    overload_rounds: int = 3  # overload: rounds (each runs both hubs' sustainable and overload phases)
    overload_seconds: float = 4.0  # overload: length of the phase at ten times the sustainable rate
    sustainable_seconds: float = 3.0  # overload: length of the phase that measures the sustainable rate
    overload_timeout: float = 5.0  # overload: seconds after its scheduled moment a push is given up
    progress: Callable[[str], None] = field(default=_quiet, compare=False, repr=False)

    @classmethod
    def quick(cls, **changes: Any) -> Options:
        """Small sizes for a smoke run of every benchmark in seconds (figures mean little)."""
        small: dict[str, Any] = dict(
            events=120,
            pupils=120,
            rounds=2,
            backend="sqlite",
            requests=40,
            concurrency=4,
            max_seconds=20.0,
            log_entries=20_000,
            verify_rounds=2,
            pushes=100,
            decisions=2_000,
            pull_sizes=(1_000, 4_000),
            pull_items=50,
            pulls=5,
            pull_backend="sqlite",
            cases=1_000,
            scale_meldingen=(1_000, 4_000),
            scale_log=(5_000, 20_000),
            scale_pushes=30,
            scale_backend="sqlite",
            overload_rounds=2,
            overload_seconds=0.5,
            sustainable_seconds=0.5,
            overload_timeout=2.0,
        )
        return cls(**{**small, **changes})

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "progress"}


@dataclass(frozen=True)
class Latency:
    """Percentiles of one side's per-operation times, over every operation of every round."""

    p50: float
    p99: float
    count: int
    unit: str = "ms"

    @classmethod
    def of(cls, values: Sequence[float], unit: str = "ms") -> Latency:
        return cls(percentile(values, 50), percentile(values, 99), len(values), unit)


@dataclass(frozen=True)
class BenchResult:
    """One figure of ours beside its peer, both medians over the same rounds."""

    name: str
    unit: str
    ours: float
    peer_name: str
    peer: float
    goal: float | None = None  # the ratio ours/peer we aim for (a minimum if higher is better)
    limit: float | None = None  # or an absolute bound on ours, in its unit (a maximum if lower is better)
    ours_rounds: tuple[float, ...] = ()
    peer_rounds: tuple[float, ...] = ()
    extra: tuple[str, ...] = ()
    higher_is_better: bool = True
    ours_latency: Latency | None = None
    peer_latency: Latency | None = None

    @property
    def ratio(self) -> float:
        return self.ours / self.peer if self.peer else math.nan

    @property
    def meets_goal(self) -> bool | None:
        if self.limit is not None:
            return self.ours >= self.limit if self.higher_is_better else self.ours <= self.limit
        if self.goal is None or math.isnan(self.ratio):
            return None
        return self.ratio >= self.goal if self.higher_is_better else self.ratio <= self.goal

    @classmethod
    def from_rounds(
        cls,
        name: str,
        unit: str,
        ours_rounds: Sequence[float],
        peer_name: str,
        peer_rounds: Sequence[float],
        **kwargs: Any,
    ) -> BenchResult:
        """The result of per-round figures: medians, because one slow round (a checkpoint,
        another process) should not move the figure."""
        return cls(
            name,
            unit,
            statistics.median(ours_rounds),
            peer_name,
            statistics.median(peer_rounds),
            ours_rounds=tuple(ours_rounds),
            peer_rounds=tuple(peer_rounds),
            **kwargs,
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "meets_goal": self.meets_goal}


Benchmark = Callable[[Options], list[BenchResult]]

#: Every benchmark by name, in the order `hub bench all` runs them.
BENCHMARKS: dict[str, Benchmark] = {}
#: The `Options` fields each benchmark reads, for the report's "options used".
READS: dict[str, tuple[str, ...]] = {}
#: The modules of the `bench` extra each benchmark's peers import (absent from a plain install).
NEEDS: dict[str, tuple[str, ...]] = {}

EXTRA = "bench"
INSTALL_HINT = f"pip install 'ketenhub[{EXTRA}]'"


class MissingExtra(Exception):
    """A benchmark's peer needs a package of the `bench` extra that is not installed."""

    def __init__(self, benchmarks: Sequence[str], modules: Sequence[str]) -> None:
        self.benchmarks, self.modules = tuple(benchmarks), tuple(modules)
        super().__init__(
            f"hub bench {', '.join(self.benchmarks)} needs {', '.join(self.modules)}, "
            f"which {'is' if len(self.modules) == 1 else 'are'} in the {EXTRA!r} extra: {INSTALL_HINT}"
        )


def register(name: str, reads: tuple[str, ...] = (), needs: tuple[str, ...] = ()) -> Callable[[Benchmark], Benchmark]:
    """Add a benchmark to `BENCHMARKS` (and so to `hub bench all` and docs/benchmarks.md);
    `needs` names the modules of the `bench` extra its peers import."""

    def add(benchmark: Benchmark) -> Benchmark:
        BENCHMARKS[name] = benchmark
        READS[name] = ("rounds", *reads)
        NEEDS[name] = needs
        return benchmark

    return add


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def check_extras(names: Sequence[str]) -> None:
    """Raise `MissingExtra` before anything runs if a benchmark of `names` needs a module of
    the `bench` extra that does not import (a wheel installed without `[bench]`)."""
    needing = {name: [m for m in NEEDS.get(name, ()) if not _importable(m)] for name in names}
    missing = {name: modules for name, modules in needing.items() if modules}
    if missing:
        modules = sorted({m for ms in missing.values() for m in ms})
        raise MissingExtra(list(missing), modules)


def alternate(
    rounds: int, sides: Mapping[str, Callable[[int], float]], progress: Callable[[str], None] = _quiet, label: str = ""
) -> dict[str, list[float]]:
    """Run every side once per round and collect what each returns (its rate that round).

    The order rotates from round to round, so that no side always runs first (on a cold
    cache) or last (after the others filled the disk's write-back queue).
    """
    names = list(sides)
    figures: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        start = r % len(names)
        for name in names[start:] + names[:start]:
            figures[name].append(sides[name](r))
        summary = ", ".join(f"{name} {figures[name][-1]:,.0f}" for name in names)
        progress(f"{label} round {r + 1}/{rounds}: {summary}")
    return figures


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100): a value that was actually measured."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
