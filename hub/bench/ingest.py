"""Ingest: storing verzuimmeldingen through the hub's sealed store against plain eventsourcing."""

from __future__ import annotations

import dataclasses
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from time import perf_counter
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import Application

from adapters.common import write_entry
from adapters.ports import Requester
from adapters.school.verzuim import BASIS, KIND
from domain.parties import Organisation, Role, organisation_id
from domain.verzuimmelding import Verzuimmelding
from hub.bench import seal
from hub.bench.core import BenchResult, Options, alternate, register
from hub.bench.workload import Melding, meldingen
from infra.persistence import StorePersistence
from infra.pgcluster import Cluster
from infra.pseudonym import Pseudonymiser
from infra.settings import Settings
from infra.sqlitepool import HubSQLite
from infra.store import open_store, persistence_env

GOAL = 0.8
UNIT = "events/s"
PLAIN = "plain eventsourcing"
PLAIN_CACHED = "plain eventsourcing, statement cache"
SEALED_NEW = "sealed store, new pupils"
SEALED_KNOWN = "sealed store, known pupils"
SEALED_LOG = "sealed store + access log, new pupils"
SEAL_DIRECT_DERIVED = "the same, its seals at the direct call's cost, derived"
_WARM_UP_EVENTS = 100

# The library reads os.environ too: pin what would otherwise change the peer's work.
_PLAIN_ENV = {"CIPHER_TOPIC": "", "CIPHER_KEY": "", "COMPRESSOR_TOPIC": "", "MAPPER_TOPIC": "", "CREATE_TABLE": "yes"}
_WRITER = Requester(
    org=Organisation(organisation_id(Role.SCHOOL, "12AB00"), Role.SCHOOL, "Benchmarkschool", "12AB00"),
    key_id="school:12AB00#1",
    actor=None,
    request_id="bench",
    trace_id=None,
)

NewUrl = Callable[[str], str]
T = TypeVar("T")


@dataclass(frozen=True)
class Workload:
    """The meldingen of one round and their pupils' pseudonyms; every side stores the same."""

    meldingen: list[Melding]
    subjects: list[str]
    filed_on: date

    def aggregates(self) -> list[Verzuimmelding]:
        # Fresh aggregates per side: saving collects (and so consumes) their pending events.
        return [m.aggregate(s, self.filed_on) for m, s in zip(self.meldingen, self.subjects, strict=True)]

    def head(self, count: int) -> Workload:
        return Workload(self.meldingen[:count], self.subjects[:count], self.filed_on)


def workload(options: Options) -> Workload:
    items = meldingen(options.events, options.pupils)
    pseudonyms = Pseudonymiser(os.urandom(32))
    return Workload(items, [pseudonyms.of(m.id_kind.value, m.pupil_id) for m in items], date.today())


def _rate(store_one: Callable[[T], object], items: Sequence[T]) -> float:
    """Events per second of storing `items` one save (one transaction) at a time, as pushes arrive."""
    start = perf_counter()
    for item in items:
        store_one(item)
    return len(items) / (perf_counter() - start)


class _HubPoolApplication(HubSQLite, Application[UUID]):
    """Plain eventsourcing on the hub's SQLite pool: its statement cache and IMMEDIATE writes
    (infra/sqlitepool.py)."""


def plain_rate(url: str, work: Workload, *, cached: bool = False) -> float:
    """The peer: eventsourcing's own recorder and mapper on the same database module, no cipher;
    with `cached`, on the hub's SQLite pool (infra/sqlitepool.py)."""
    env = {k: v for k, v in persistence_env(url).items() if k != "APPLICATION_RECORDER_TOPIC"}
    kind: type[Application[UUID]] = _HubPoolApplication if cached else Application
    app = kind(env={**_PLAIN_ENV, **env})
    try:
        return _rate(app.save, work.aggregates())
    finally:
        app.close()


@contextmanager
def hub_persistence(url: str, root: Path) -> Iterator[StorePersistence]:
    """The adapters' persistence on a fresh hub store at `url`, its secrets under `root`."""
    var = root / f"var-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        database_url=url,
        var_dir=var,
        master_key_file=var / "master.key",
        pepper_file=var / "pepper.key",
        signing_key_file=var / "hub-signing.key",
        _env_file=None,
    )
    store = open_store(settings)
    try:
        yield StorePersistence(store)
    finally:
        store.close()


def sealed_rate(url: str, root: Path, work: Workload, *, known: bool = False, log: bool = False) -> float:
    """Ours: `Records.save` through the sealing mapper; with `log`, plus the write's access-log
    entry as the side write `StorePersistence.commit` gives it (same transaction), and nothing
    else, so the difference is the entry alone. Unless `known`, each pupil's
    data key is created inside the timed loop (in the event's transaction), as on a pupil's
    first melding; with `known` every pupil already has a stored melding and key."""
    with hub_persistence(url, root) as p:
        if known:
            for earlier in work.aggregates():  # each pupil's earlier melding, untimed
                p.store.records.save(earlier)
        aggregates = work.aggregates()
        if not log:
            return _rate(p.store.records.save, aggregates)
        fields = tuple(sorted(aggregates[0].details.to_event()))
        pairs = [(a, write_entry(_WRITER, a, fields, KIND, BASIS)) for a in aggregates]
        log_one = p.access_log.side_write
        return _rate(lambda pair: p.store.records.save(pair[0], side_writes=[log_one([pair[1]])]), pairs)


def _sides(backend: str, new_url: NewUrl, root: Path, work: Workload) -> dict[str, Callable[[int], float]]:
    cached = {PLAIN_CACHED: lambda r: plain_rate(new_url(f"cached-{r}"), work, cached=True)}
    return {
        PLAIN: lambda r: plain_rate(new_url(f"plain-{r}"), work),
        **(cached if backend == "sqlite" else {}),
        SEALED_NEW: lambda r: sealed_rate(new_url(f"sealed-{r}"), root, work),
        SEALED_KNOWN: lambda r: sealed_rate(new_url(f"known-{r}"), root, work, known=True),
        SEALED_LOG: lambda r: sealed_rate(new_url(f"log-{r}"), root, work, log=True),
    }


_NOTES = {
    SEALED_NEW: "each event creates its pupil's data key, stored in the event's own transaction",
    SEALED_KNOWN: "every pupil has an earlier melding (and key) stored before the timed loop",
    SEALED_LOG: "event + hash-chained access-log entry in one transaction (the entry as StorePersistence.commit "
    "writes it); no goal "
    "here: what the log may cost a push has its own figure and goal (audit: entries appended "
    "with their push)",
}
_CACHE_NOTE = (
    "the hub's SQLite connections cache prepared statements (infra/sqlitepool.py); eventsourcing's "
    "own pool caches one, so the plain peer prepares its statements anew each save. The figure "
    "against a plain peer given the same pool (that cache, and write transactions begun "
    "IMMEDIATE) shows what that part of the lead is worth"
)


def ingest_on(backend: str, new_url: NewUrl, root: Path, options: Options) -> list[BenchResult]:
    """Alternating rounds on one backend; every side gets a fresh database each round."""
    work = workload(options)
    # One short untimed pass per side: imports, first connections and table creation
    # must not land in the first timed round of whichever side happens to run first.
    for warm in _sides(backend, new_url, root, work.head(_WARM_UP_EVENTS)).values():
        warm(-1)
    rates = alternate(options.rounds, _sides(backend, new_url, root, work), options.progress, f"ingest {backend}")
    pupils = len(set(work.subjects))
    common = (
        f"{len(work.meldingen)} events per round for {pupils} distinct pupils, one Created event per "
        f"aggregate, one save per aggregate; {options.rounds} rounds, fresh database per side per round",
    )
    results = [
        BenchResult.from_rounds(
            f"ingest {backend}: {side}",
            UNIT,
            rates[side],
            PLAIN,
            rates[PLAIN],
            goal=None if side == SEALED_LOG else GOAL,
            extra=(_NOTES[side], *common),
        )
        for side in (SEALED_NEW, SEALED_KNOWN, SEALED_LOG)
    ]
    if PLAIN_CACHED in rates:
        results.append(
            BenchResult.from_rounds(
                f"ingest {backend}: {SEALED_NEW}, against a plain peer with the same statement cache",
                UNIT,
                rates[SEALED_NEW],
                PLAIN_CACHED,
                rates[PLAIN_CACHED],
                extra=(_CACHE_NOTE, *common),
            )
        )
    return results


@contextmanager
def databases(backend: str, root: Path) -> Iterator[NewUrl]:
    """A factory of fresh database URLs: SQLite files under `root`, or a throwaway cluster."""
    if backend == "sqlite":
        yield lambda label: f"sqlite:///{root}/{label}-{uuid.uuid4().hex[:8]}.sqlite"
        return
    cluster = Cluster().start()
    try:
        yield lambda label: cluster.new_database()
    finally:
        cluster.stop()


def backends(choice: str) -> tuple[str, ...]:
    if choice not in ("sqlite", "postgres", "both"):
        raise ValueError(f"backend must be sqlite, postgres or both, not {choice!r}")
    return ("sqlite", "postgres") if choice == "both" else (choice,)


@register("ingest", reads=("events", "pupils", "backend"))
def ingest(options: Options) -> list[BenchResult]:
    """Verzuimmeldingen stored through the hub's sealed store (`open_store` + `Records.save`:
    XChaCha20-Poly1305 under a data key per (purpose, pupil), key creation included, the
    recorder's live-key check in the same transaction) against plain eventsourcing
    (`Application`, the same persistence module and database, no cipher). Both store the
    same aggregates, one save per aggregate as the API does per push; sides alternate, each
    round on fresh databases. SQLite runs in WAL mode on a file in the temp dir; PostgreSQL is
    a throwaway local cluster with fsync off (as the test-suite starts it), so its figures
    are protocol and CPU cost, not disk flushes. Beside them, the seal's own cost, in memory:
    `infra.sealing` (PyNaCl's public `nacl.bindings`) against the same libsodium calls made
    through PyNaCl's compiled module directly (`nacl._sodium`, hub/bench/seal.py), over the same
    events' states, and what the difference is of a push at the sealed store's rate."""
    results: list[BenchResult] = []
    for backend in backends(options.backend):
        with tempfile.TemporaryDirectory(prefix="ketenhub-bench-") as tmp, databases(backend, Path(tmp)) as new_url:
            results.extend(ingest_on(backend, new_url, Path(tmp), options))
    return results + seal_cost(options, results)


def seal_cost(options: Options, stored: Sequence[BenchResult]) -> list[BenchResult]:
    """The seal through PyNaCl's public binding beside the direct call (hub/bench/seal.py), and
    what the difference is of a push at the sealed store's rate measured in the same run: per
    backend, the new-pupil rate beside the rate it would have if its two seals cost what the
    direct call's do (each round's time per event less the seals' difference)."""
    sealing, opening = seal.seal_results(workload(options).aggregates(), options)
    extra = seal.extra_seconds(sealing)
    shares, derived = [], []
    for r in stored:
        if not r.name.endswith(f": {SEALED_NEW}"):
            continue
        backend = r.name.split(":")[0]
        shares.append(
            f"{backend}: {extra * 1e6:.2f} µs of the {1e6 / r.ours:,.0f} µs a new pupil's event takes "
            f"at {r.ours:,.0f} events/s, {extra * r.ours:.2%}"
        )
        derived.append(
            BenchResult.from_rounds(
                f"{backend}: {SEALED_NEW}, seal through nacl.bindings",
                UNIT,
                r.ours_rounds,
                SEAL_DIRECT_DERIVED,
                [1 / (1 / rate - extra) for rate in r.ours_rounds],
                extra=(
                    f"ours: the rounds of '{r.name}'; the peer: the same rounds with each event's time less "
                    f"{extra * 1e6:.2f} µs, what the public binding's two seals of a new pupil's event take "
                    "more than the direct call's (medians of the in-memory seal figure of this run): a "
                    "derived figure, so the ratio is the binding's share of a push",
                ),
            )
        )
    note = "what the public binding's seal adds to a new pupil's event (medians of this run), " + "; ".join(shares)
    return [*derived, dataclasses.replace(sealing, extra=(note, *sealing.extra)), opening]
