"""Scale: how the costs of push, pull, verify, proofs and inzage grow from a small store to a national year.

One store grows in steps (by default 10 k → 100 k → 1 M meldingen beside 100 k → 1 M →
10 M access-log entries); at each step the same operations are measured on the store as
it is then. The peer of each figure is the same operation at the smallest step, measured in
the same run on the same machine: the ratio is the growth, which is what a national year
adds to a school's push or leerplicht's pull.

The meldingen are stored as pushes store them (sealed events and directory rows, many to a
transaction: hub/bench/fill.py); the log entries through the hub's own append path
(hub/bench/audit.py). The timed operations are the use cases themselves:
`adapters.school.verzuim.push`, `adapters.leerplicht.feed`, `audit.verify.verify_log` over the
stored log, `AccessLogStore` proofs, and the log look-up behind a parent's inzage.
"""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter

from nacl.signing import SigningKey

from adapters.school import verzuim
from audit.verify import verify_log
from domain.protocol import WETTELIJK
from hub.bench.audit import grow_log, log_entry, verify_keys
from hub.bench.core import BenchResult, Latency, Options
from hub.bench.fill import WRITER, fill_meldingen
from hub.bench.ingest import databases, hub_persistence
from hub.bench.policy import GEMEENTE, FilledStore, pull_adapter, timed_pulls
from hub.bench.workload import meldingen
from infra.accesslog import AccessLogStore
from infra.persistence import StorePersistence

_SEED = 20261128
_PROOFS = 50  # inclusion and consistency proofs per step
_INZAGE = 50  # subjects looked up per step

# Figures of one step.
PUSH = "push (adapters.school.verzuim.push)"
PULL = "pull of a feed page (adapters.leerplicht.feed)"
VERIFY = "verify_log of the whole log, streamed"
PROOF = "inclusion + consistency proof, warm"
FIRST_PROOF = "first proof after a restart (tree read from the log)"
INZAGE = "inzage look-up of one pupil's log entries"


@dataclass(frozen=True)
class Figure:
    """One figure of a step: its unit, which way is better, and the growth we accept from the
    smallest to the largest step (ratio large/small; None: reported, no goal)."""

    name: str
    unit: str
    higher_is_better: bool
    goal: float | None
    value: Callable[[Step], float]
    latency: Callable[[Step], Latency] | None = None


# A national year, generously: the design's "a few hundred thousand meldingen and overdrachten a
# year" rounded up to the largest step, pushed in school hours, with a peak hour at ten times the mean.
NATIONAL_PUSHES_PER_YEAR = 1_000_000
SCHOOL_DAYS, SCHOOL_HOURS, PEAK_FACTOR = 200, 8, 10


def national_peak_pushes_per_second() -> float:
    """The push rate of a national peak hour under the assumptions above."""
    return NATIONAL_PUSHES_PER_YEAR / (SCHOOL_DAYS * SCHOOL_HOURS * 3600) * PEAK_FACTOR


@dataclass(frozen=True)
class Step:
    """What one step measured, on a store of `meldingen` meldingen and `log_entries` entries."""

    meldingen: int
    log_entries: int
    grow_seconds: float
    database_bytes: int
    push: float  # pushes/s over the step's pushes
    push_latency: Latency
    pull: Latency  # ms per pull
    verify: float  # entries/s
    verify_seconds: float
    first_proof_ms: float
    proof: Latency  # ms per proof
    inzage: Latency  # ms per look-up


# Per-operation costs should not grow with the store (indexes: log n), verify's rate should
# hold (linear total), and the first proof reads the whole log (linear: no goal, it is reported).
FIGURES: tuple[Figure, ...] = (
    Figure(PUSH, "pushes/s", True, 0.8, lambda s: s.push, lambda s: s.push_latency),
    Figure(PULL, "ms/pull", False, 1.5, lambda s: s.pull.p50, lambda s: s.pull),
    Figure(VERIFY, "entries/s", True, 0.8, lambda s: s.verify),
    Figure(PROOF, "ms/proof", False, 2.0, lambda s: s.proof.p50, lambda s: s.proof),
    Figure(FIRST_PROOF, "ms", False, None, lambda s: s.first_proof_ms),
    Figure(INZAGE, "ms/look-up", False, 2.0, lambda s: s.inzage.p50, lambda s: s.inzage),
)


@dataclass(frozen=True)
class ScaleRun:
    """The steps of one backend and the figures beside their smallest-step peer."""

    backend: str
    steps: list[Step]
    results: list[BenchResult] = field(default_factory=list)
    planned: int = 0  # steps the run was asked for; more than len(steps) while it is under way


def database_bytes(p: StorePersistence, url: str) -> int:
    """The store's size on disk: the SQLite file with its WAL, or PostgreSQL's database size."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return sum(f.stat().st_size for f in (path, Path(f"{path}-wal")) if f.exists())
    with p.store.db.transaction(write=False) as tx:
        row = tx.execute("SELECT pg_database_size(current_database())").one()
    return int(row[0]) if row else 0


def settle(p: StorePersistence) -> None:
    """Bring the store to rest after a bulk growth: the write-ahead log folded into the database
    and every dirty page on disk. Otherwise the first commits measured would pay the growth's
    writeback (gigabytes at the last step), which is not a cost of the store's size."""
    p.store.db.checkpoint()
    os.sync()


def timed_pushes(p: StorePersistence, count: int, offset: int) -> tuple[float, list[float]]:
    """`count` pushes through the school adapter, one transaction each: rate and per-push ms."""
    bodies = [
        verzuim.VerzuimmeldingIn.model_validate(m.body(WRITER.org.code))
        for m in meldingen(count, count, seed=_SEED + offset)
    ]
    times: list[float] = []
    start = perf_counter()
    for body in bodies:
        began = perf_counter()
        answer = verzuim.push(p, WRITER, body, None, WETTELIJK)
        times.append((perf_counter() - began) * 1000)
        if answer.status != 201:
            raise RuntimeError(f"a push answered {answer.status}")
    return count / (perf_counter() - start), times


def step_pulls(p: StorePersistence, size: int, options: Options, rng: random.Random) -> list[float]:
    """`options.pulls` feed pages of `options.pull_items` from random cursors (the policy
    benchmark's pulls, through `adapters.leerplicht.feed`): ms per pull."""
    seqs = [seq for seq, _ in p.directory.feed(verzuim.KIND, GEMEENTE, 0, size + 1)]
    return timed_pulls(FilledStore(size, p, seqs), options, rng, pull_adapter)


def timed_verify(p: StorePersistence, signing_key: SigningKey) -> tuple[float, float]:
    """verify_log over every stored entry and head: entries/s and seconds."""
    start = perf_counter()
    report = verify_log(p.access_log.entries(), p.access_log.heads(), verify_keys(signing_key))
    seconds = perf_counter() - start
    if not report.ok or report.entries_checked != p.access_log.size():
        raise RuntimeError(f"the log did not verify: {report}")
    return report.entries_checked / seconds, seconds


def timed_proofs(p: StorePersistence, rng: random.Random) -> tuple[float, list[float]]:
    """A fresh AccessLogStore's first proof (it reads the tree from the log, as after a restart),
    then warm inclusion and consistency proofs at random positions: ms."""
    size = p.access_log.size()
    fresh = AccessLogStore(p.store.db)
    start = perf_counter()
    fresh.inclusion_proof(rng.randrange(size), size)
    first = (perf_counter() - start) * 1000
    times = []
    for _ in range(_PROOFS):
        began = perf_counter()
        fresh.inclusion_proof(rng.randrange(size), size)
        fresh.consistency_proof(rng.randrange(1, size + 1), size)
        times.append((perf_counter() - began) * 1000)
    return first, times


def timed_inzage(p: StorePersistence, rng: random.Random, built: int) -> list[float]:
    """Look-ups of one pupil's entries by pseudonym (the index behind a parent's inzage): ms."""
    times = []
    for _ in range(_INZAGE):
        subject = log_entry(rng.randrange(built)).subject
        assert subject is not None
        start = perf_counter()
        found = p.access_log.entries_of(subject)
        times.append((perf_counter() - start) * 1000)
        if not found:
            raise RuntimeError("a pupil's log entries were not found")
    return times


def _steps(options: Options) -> list[tuple[int, int]]:
    if len(options.scale_meldingen) != len(options.scale_log):
        raise ValueError("scale_meldingen and scale_log need the same number of steps")
    steps = list(zip(options.scale_meldingen, options.scale_log, strict=True))
    if steps != sorted(steps) or len(steps) < 2:
        raise ValueError("the steps must grow, and there must be at least two")
    return steps


@contextmanager
def _store(backend: str) -> Iterator[tuple[StorePersistence, str]]:
    with tempfile.TemporaryDirectory(prefix="ketenhub-bench-scale-") as tmp, databases(backend, Path(tmp)) as new_url:
        url = new_url("scale")
        with hub_persistence(url, Path(tmp)) as p:
            yield p, url


def scale_on(backend: str, options: Options, on_step: Callable[[ScaleRun], None] | None = None) -> ScaleRun:
    """Grow one store step by step and measure every operation at each step; `on_step` gets the
    run so far after every step from the second on (a long run interrupted still leaves figures)."""
    say = options.progress
    targets = _steps(options)
    rng = random.Random(_SEED)
    signing_key = SigningKey(os.urandom(32))
    steps: list[Step] = []
    with _store(backend) as (p, url):
        stored = built = pushed = 0
        for target_meldingen, target_log in targets:
            began = perf_counter()
            fill_meldingen(p, target_meldingen - stored, say)
            grow_log(p, signing_key, built, target_log, say)
            grow = perf_counter() - began
            stored, built = target_meldingen, target_log
            settle(p)
            say(f"scale {backend}: {stored:,} meldingen, {built:,} log entries after {grow:.0f} s; measuring")
            push_rate, push_ms = timed_pushes(p, options.scale_pushes, pushed)
            pushed += options.scale_pushes
            pull_ms = step_pulls(p, stored + pushed, options, rng)
            verify_rate, verify_seconds = timed_verify(p, signing_key)
            first_proof, proof_ms = timed_proofs(p, rng)
            step = Step(
                stored,
                built,
                grow,
                database_bytes(p, url),
                push_rate,
                Latency.of(push_ms),
                Latency.of(pull_ms),
                verify_rate,
                verify_seconds,
                first_proof,
                Latency.of(proof_ms),
                Latency.of(timed_inzage(p, rng, built)),
            )
            say(
                f"scale {backend}: push {push_rate:,.0f}/s, pull p50 {step.pull.p50:,.0f} ms, verify "
                f"{verify_rate:,.0f} entries/s ({verify_seconds:,.0f} s), first proof {first_proof:,.0f} ms"
            )
            steps.append(step)
            if on_step is not None and len(steps) >= 2:
                on_step(ScaleRun(backend, list(steps), growth_results(backend, steps, options), len(targets)))
    return ScaleRun(backend, steps, growth_results(backend, steps, options), len(targets))


def _size_text(step: Step) -> str:
    return f"{step.meldingen:,} meldingen, {step.log_entries:,} log entries"


def growth_results(backend: str, steps: list[Step], options: Options) -> list[BenchResult]:
    """Each figure at the largest step beside the same figure at the smallest."""
    small, large = steps[0], steps[-1]
    note = (
        f"{options.scale_pushes} pushes, {options.pulls} pulls of {options.pull_items} items, "
        f"{_PROOFS} proofs and {_INZAGE} look-ups per step; one store grown step by step",
    )
    return [
        BenchResult(
            f"scale {backend}: {f.name} at {_size_text(large)}",
            f.unit,
            f.value(large),
            f"the same at {_size_text(small)}",
            f.value(small),
            goal=f.goal,
            higher_is_better=f.higher_is_better,
            ours_latency=f.latency(large) if f.latency else None,
            peer_latency=f.latency(small) if f.latency else None,
            extra=note,
        )
        for f in FIGURES
    ]


def step_rows(steps: list[Step]) -> list[tuple[str, ...]]:
    """One row per step for docs/scaling.md: sizes, growth time and every figure."""

    def ms(value: float) -> str:
        return f"{value:,.2f}" if value < 1 else f"{value:,.1f}" if value < 100 else f"{value:,.0f}"

    def size(n: int) -> str:
        return f"{n / 2**30:,.2f} GiB" if n >= 2**30 else f"{n / 2**20:,.0f} MiB"

    return [
        (
            f"{s.meldingen:,}",
            f"{s.log_entries:,}",
            size(s.database_bytes),
            f"{s.grow_seconds:,.0f} s",
            f"{s.push:,.0f}/s",
            f"{ms(s.push_latency.p50)} / {ms(s.push_latency.p99)}",
            f"{ms(s.pull.p50)} / {ms(s.pull.p99)}",
            f"{s.verify:,.0f}/s ({s.verify_seconds:,.0f} s)",
            ms(s.first_proof_ms),
            f"{ms(s.proof.p50)} / {ms(s.proof.p99)}",
            f"{ms(s.inzage.p50)} / {ms(s.inzage.p99)}",
        )
        for s in steps
    ]


STEP_HEADER = (
    "meldingen",
    "log entries",
    "on disk",
    "grown in",
    "push",
    "push ms p50 / p99",
    "pull ms p50 / p99",
    "verify (whole log)",
    "first proof ms",
    "proof ms p50 / p99",
    "inzage ms p50 / p99",
)
