"""Policy: decide() against a bare allow-list, and a pull of a feed page as the store grows."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

from adapters import leerplicht
from adapters.ports import DirectoryEntry, Requester
from adapters.school.verzuim import KIND
from consent.policy import decide
from consent.request import DisclosureRequest, SubjectContext
from consent.request import Requester as PolicyRequester
from domain.catalogue import PURPOSES
from domain.parties import Organisation, Role, organisation_id
from domain.parties import Role as PolicyRole  # the policy's own name for roles
from hub.bench.core import BenchResult, Latency, Options, alternate, register
from hub.bench.fill import fill_meldingen
from hub.bench.ingest import backends, databases, hub_persistence
from infra.persistence import StorePersistence

PULL_GOAL = 1.5  # the large store's pull may take at most this many times the small store's
GEMEENTE = "GM0479"
OTHER_GEMEENTE = "GM0363"
DECIDE = "decide (afwegingskader)"
ALLOW_LIST = "dict allow-list"
_SEED = 20261123

# Everything leerplicht may receive of a melding: the fields the feed asks for.
FEED_FIELDS: frozenset[str] = next(
    frozenset(r.fields) for r in PURPOSES[KIND].recipients if r.role.value == Role.LEERPLICHT.value
)
LEERPLICHT = Requester(
    org=Organisation(organisation_id(Role.LEERPLICHT, GEMEENTE), Role.LEERPLICHT, "Leerplicht bench", GEMEENTE),
    key_id=f"leerplicht:{GEMEENTE}#1",
    actor="lpa-bench",
    request_id="bench",
    trace_id=None,
)


# -- decide -----------------------------------------------------------------------------
def decide_requests(count: int, now: datetime) -> list[DisclosureRequest]:
    """A mix as leerplicht sends them: its own pupils' minimal set (allow), a field beyond it
    (partial), another gemeente's pupil (deny), a record past retention (deny)."""
    own = PolicyRequester(LEERPLICHT.org.org_id, PolicyRole.LEERPLICHT, frozenset({GEMEENTE}))
    beyond = FEED_FIELDS | {"acties.toelichting"}
    kinds: list[tuple[str, frozenset[str], timedelta]] = [
        (GEMEENTE, FEED_FIELDS, timedelta(days=30)),
        (GEMEENTE, beyond, timedelta(days=30)),
        (OTHER_GEMEENTE, FEED_FIELDS, timedelta(days=30)),
        (GEMEENTE, FEED_FIELDS, timedelta(days=6 * 366)),
    ]
    requests = []
    for i in range(count):
        gemeente, fields, age = kinds[i % len(kinds)]
        context = SubjectContext(
            subject=f"{i:064x}", woongemeente=gemeente, school="school:12AB00", recorded_by="school:12AB00"
        )
        requests.append(DisclosureRequest(own, KIND, context, fields, now, record_last_changed=now - age))
    return requests


_ALLOWED: dict[tuple[str, str], frozenset[str]] = {(PolicyRole.LEERPLICHT.value, KIND): FEED_FIELDS}


def allow_list(request: DisclosureRequest) -> frozenset[str]:
    """The peer: what a bare allow-list releases — one dict look-up and a set intersection."""
    return request.fields & _ALLOWED.get((request.requester.role.value, request.purpose), frozenset())


def _rate(fn: Callable[[DisclosureRequest], Any], requests: list[DisclosureRequest]) -> float:
    start = perf_counter()
    for request in requests:
        fn(request)
    return len(requests) / (perf_counter() - start)


def _decide_result(options: Options) -> BenchResult:
    requests = decide_requests(options.decisions, datetime.now(UTC))
    rates = alternate(
        options.rounds,
        {DECIDE: lambda _r: _rate(decide, requests), ALLOW_LIST: lambda _r: _rate(allow_list, requests)},
        options.progress,
        "policy decide",
    )
    return BenchResult.from_rounds(
        "policy: decisions",
        "decisions/s",
        rates[DECIDE],
        ALLOW_LIST,
        rates[ALLOW_LIST],
        extra=(
            f"{options.decisions:,} requests per round, a quarter each: allow, partial (a field beyond the "
            "minimal set), deny (another gemeente), deny (past retention); the ratio is the cost of the "
            "weighing, its reasons and the recorded afweging, against a set intersection",
        ),
    )


# -- pull -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FilledStore:
    """A store holding `size` meldingen, and the feed cursors of the benchmark's gemeente."""

    size: int
    persistence: StorePersistence
    seqs: list[int]


@contextmanager
def filled_store(url: str, root: Path, size: int, progress: Callable[[str], None]) -> Iterator[FilledStore]:
    with hub_persistence(url, root) as p:
        start = perf_counter()
        fill_meldingen(p, size, progress)
        progress(f"policy: stored {size:,} meldingen in {perf_counter() - start:.0f} s")
        seqs = [seq for seq, _ in p.directory.feed(KIND, GEMEENTE, 0, size + 1)]
        yield FilledStore(size, p, seqs)


def pull_direct(p: StorePersistence, after: int, limit: int) -> int:
    """The pull's work without the adapter: the directory's feed page after the cursor, each
    melding loaded (and unsealed) from the store, and the policy's decision on each."""
    now = datetime.now(UTC)
    requester = PolicyRequester(LEERPLICHT.org.org_id, PolicyRole.LEERPLICHT, frozenset({GEMEENTE}))
    page: list[tuple[int, DirectoryEntry]] = p.feed(KIND, GEMEENTE, after, limit)
    for _seq, entry in page:
        melding = p.load(entry.record_id)
        context = SubjectContext(
            subject=melding.subject, woongemeente=melding.recipient, school=entry.owner_org, recorded_by=entry.owner_org
        )
        decide(DisclosureRequest(requester, KIND, context, FEED_FIELDS, now, record_last_changed=melding.modified_on))
    return len(page)


def pull_adapter(p: StorePersistence, after: int, limit: int) -> int:
    """The pull as the API runs it: `adapters.leerplicht.feed` (weighing and logging included)."""
    answer = leerplicht.feed(p, LEERPLICHT, GEMEENTE, after, limit)
    return len(answer.body["items"])


def pull_function() -> tuple[Callable[[StorePersistence, int, int], int], str]:
    """The colleague's feed use case when it exists, else the same work done directly."""
    if callable(getattr(leerplicht, "feed", None)):
        return pull_adapter, "adapters.leerplicht.feed (directory page, load, decide, access-log entries)"
    return pull_direct, "directory feed page + load of each melding + decide per item (no feed adapter yet)"


def timed_pulls(
    store: FilledStore, options: Options, rng: random.Random, pull: Callable[[StorePersistence, int, int], int]
) -> list[float]:
    """`options.pulls` pulls from random cursors; each pull's time in ms."""
    last_start = max(0, len(store.seqs) - options.pull_items)
    times = []
    for _ in range(options.pulls):
        index = rng.randrange(last_start + 1)
        after = store.seqs[index - 1] if index else 0
        start = perf_counter()
        count = pull(store.persistence, after, options.pull_items)
        times.append((perf_counter() - start) * 1000)
        if count != min(options.pull_items, len(store.seqs) - index):
            raise RuntimeError(f"a pull returned {count} items, expected {options.pull_items}")
    return times


def _pull_results(backend: str, root: Path, options: Options) -> BenchResult:
    small_size, large_size = options.pull_sizes
    pull, how = pull_function()
    times: dict[int, list[float]] = {small_size: [], large_size: []}
    with (
        databases(backend, root) as new_url,
        filled_store(new_url("small"), root, small_size, options.progress) as small,
        filled_store(new_url("large"), root, large_size, options.progress) as large,
    ):
        rng = random.Random(_SEED)
        for store in (small, large):  # untimed: first reads of each store
            timed_pulls(store, Options(pulls=1, pull_items=options.pull_items), rng, pull)

        def side(store: FilledStore) -> Callable[[int], float]:
            def run(_r: int) -> float:
                measured = timed_pulls(store, options, rng, pull)
                times[store.size].extend(measured)
                return sorted(measured)[len(measured) // 2]

            return run

        per_round = alternate(
            options.rounds,
            {f"{large_size:,}": side(large), f"{small_size:,}": side(small)},
            options.progress,
            f"policy pull {backend}",
        )
        per_gemeente = (len(small.seqs), len(large.seqs))
    return BenchResult.from_rounds(
        f"policy {backend}: pull of {options.pull_items} feed items at {large_size:,} meldingen",
        "ms/pull",
        per_round[f"{large_size:,}"],
        f"the same pull at {small_size:,} meldingen",
        per_round[f"{small_size:,}"],
        goal=PULL_GOAL,
        higher_is_better=False,
        ours_latency=Latency.of(times[large_size]),
        peer_latency=Latency.of(times[small_size]),
        extra=(
            f"timed: {how}",
            f"{options.pulls} pulls per store per round from random cursors of {GEMEENTE}'s feed "
            f"({per_gemeente[0]:,} and {per_gemeente[1]:,} of its meldingen); figure = median pull per round",
            "stores filled through Records.save in batches (hub/bench/fill.py): sealed events and "
            "directory rows as the hub writes them",
        ),
    )


@register("policy", reads=("decisions", "pull_sizes", "pull_items", "pulls", "pull_backend"))
def policy(options: Options) -> list[BenchResult]:
    """`consent.policy.decide` decisions per second on a mix of leerplicht requests, against a
    trivial dict allow-list over the same requests (so the ratio is the cost of the weighing);
    and the time of leerplicht pulling one feed page (`pull_items` meldingen of its gemeente
    after a cursor: directory page, each melding loaded and unsealed, each weighed) from a store
    of the smaller and of the larger `pull_sizes` meldingen, alternating between the two stores:
    the goal is that the larger store's pull takes at most 1.5 times the smaller store's. The
    pull is `adapters.leerplicht.feed` itself (weighing and the page's access-log entries
    included) where it exists, else the same reads and decisions done directly."""
    results = [_decide_result(options)]
    for backend in backends(options.pull_backend):
        with tempfile.TemporaryDirectory(prefix="ketenhub-bench-policy-") as tmp:
            results.append(_pull_results(backend, Path(tmp), options))
    return results
