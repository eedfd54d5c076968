"""Audit: access-log appends as part of a push, and verify_log over a long log."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import TypedDict

from nacl.signing import SigningKey, VerifyKey

from audit.chain import ChainedEntry
from audit.entries import AccessEntry, Action
from audit.verify import verify_log
from hub.bench.core import BenchResult, MissingExtra, Options, alternate, register
from hub.bench.ingest import databases, hub_persistence, sealed_rate, workload
from infra.persistence import StorePersistence

VERIFY_GOAL = 0.5
APPEND_GOAL = 0.8
HEAD_EVERY = 1000  # entries between signed tree heads in the built log, as the hub signs them
_KEY_ID = "hub-bench"
STREAM_OURS = "verify_log (streamed)"
STREAM_CHAIN = "plain SHA-256 chain (streamed)"
MEMORY_OURS = "verify_log (in memory)"
MEMORY_CHAIN = "plain SHA-256 chain (in memory)"
PYMERKLE = "pymerkle InmemoryTree (in memory)"
_CHAIN_ONLY = "the chain peer hashes the chain only: no comparison, no tree, no heads"
_WHY = {
    STREAM_CHAIN: _CHAIN_ONLY,
    MEMORY_CHAIN: _CHAIN_ONLY,
    PYMERKLE: "the pymerkle peer builds its in-memory tree over the bodies and takes its root",
}
WITH_LOG = "push + access-log entry"
WITHOUT_LOG = "the same push without its entry"

_WRITE_FIELDS = (
    "birth_date",
    "filed_on",
    "hours",
    "kind",
    "late_count",
    "note",
    "period_end",
    "period_start",
    "pupil_id",
    "pupil_id_kind",
    "pupil_name",
    "school_actions",
    "school_brin",
    "school_vestiging",
    "woongemeente",
)
_RELEASED = (
    "leerling.geboortedatum",
    "leerling.id",
    "leerling.naam",
    "verzuim.periode",
    "verzuim.soort",
    "verzuim.uren",
)


class _Common(TypedDict):
    """The fields every built entry sets, whatever its action."""

    subject: str
    record_id: str
    request_id: str
    at: str


def log_entry(i: int) -> AccessEntry:
    """The i-th entry of the built log: two writes (a school's push) to one disclosure (leerplicht's
    pull), with fresh record ids and pseudonyms; bodies of about 600-700 bytes, as the hub writes them."""
    subject = hashlib.sha256(i.to_bytes(8, "big")).hexdigest()
    common = _Common(
        subject=subject,
        record_id=str(uuid.uuid4()),
        request_id=uuid.uuid4().hex,
        at=f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00.000Z",
    )
    if i % 3 < 2:
        return AccessEntry(
            Action.WRITE,
            "school:12AB00",
            "school",
            "verzuimmelding",
            "wettelijke_plicht",
            fields=_WRITE_FIELDS,
            decision="allow",
            **common,
        )
    return AccessEntry(
        Action.DISCLOSE,
        "leerplicht:GM0479",
        "leerplicht",
        "verzuimmelding",
        "wettelijke_plicht",
        actor="lpa-0042",
        fields=_RELEASED,
        requested=_RELEASED,
        decision="allow",
        afweging={"outcome": "allow", "policy_version": "1"},
        **common,
    )


@dataclass(frozen=True)
class BuiltLog:
    """A stored access log and the key its tree heads verify under."""

    persistence: StorePersistence
    signing_key: SigningKey

    def verify_keys(self) -> dict[str, VerifyKey]:
        return verify_keys(self.signing_key)


def grow_log(
    p: StorePersistence, signing_key: SigningKey, start: int, stop: int, progress: Callable[[str], None]
) -> None:
    """Append entries `start`..`stop` of the built log through `AccessLogStore.append` (the
    hub's own append path, so the stored rows are exactly the hub's), `HEAD_EVERY` entries
    per transaction, with a signed tree head after each transaction."""
    for first in range(start, stop, HEAD_EVERY):
        p.access_log.append([log_entry(i) for i in range(first, min(stop, first + HEAD_EVERY))])
        p.access_log.sign_head(signing_key, _KEY_ID)
        if (first // HEAD_EVERY) % 500 == 499:
            progress(f"log: appended {first + HEAD_EVERY:,} of {stop:,} entries")


def verify_keys(signing_key: SigningKey) -> dict[str, VerifyKey]:
    """The keys the built log's tree heads verify under."""
    return {_KEY_ID: signing_key.verify_key}


@contextmanager
def built_log(root: Path, size: int, progress: Callable[[str], None]) -> Iterator[BuiltLog]:
    """A log of `size` entries on SQLite, grown by `grow_log`."""
    signing_key = SigningKey(os.urandom(32))
    with hub_persistence(f"sqlite:///{root}/audit-{uuid.uuid4().hex[:8]}.sqlite", root) as p:
        start = perf_counter()
        grow_log(p, signing_key, 0, size, progress)
        progress(f"audit: built a log of {size:,} entries in {perf_counter() - start:.0f} s")
        yield BuiltLog(p, signing_key)


Source = Callable[[], Iterable[ChainedEntry]]


def _timed_count(source: Source, consume: Callable[[Iterable[ChainedEntry]], int], size: int) -> float:
    """Entries per second of `consume` over a fresh pass of `source`, which must see `size` entries."""
    start = perf_counter()
    count = consume(source())
    elapsed = perf_counter() - start
    if count != size:
        raise RuntimeError(f"saw {count} entries, expected {size}")
    return size / elapsed


def verify_rate(log: BuiltLog, source: Source, size: int) -> float:
    """Ours: `audit.verify.verify_log` — chain, Merkle tree and every signed head — in entries/s."""
    heads = log.persistence.access_log.heads()

    def check(entries: Iterable[ChainedEntry]) -> int:
        report = verify_log(entries, heads, log.verify_keys())
        if not report.ok:
            raise RuntimeError(f"the built log did not verify: {report}")
        return report.entries_checked

    return _timed_count(source, check, size)


def chain_rate(source: Source, size: int) -> float:
    """Peer: the bare chain, one SHA-256 over (previous hash || body) per entry of the same
    entries. It compares nothing and builds no tree: the floor of any chained-log check."""
    sha256 = hashlib.sha256

    def chain(entries: Iterable[ChainedEntry]) -> int:
        last, count = bytes(32), 0
        for entry in entries:
            last = sha256(last + entry.body).digest()
            count += 1
        return count

    return _timed_count(source, chain, size)


def pymerkle_rate(source: Source, size: int) -> float:
    """Second peer: the `pymerkle` package building its RFC 9162-style tree (0x00/0x01 prefixes)
    over the bodies of the same entries, and its root."""
    try:
        from pymerkle import InmemoryTree  # the `bench` extra: only this peer needs it
    except ImportError as missing:
        raise MissingExtra(["audit"], ["pymerkle"]) from missing

    def build(entries: Iterable[ChainedEntry]) -> int:
        tree = InmemoryTree(algorithm="sha256")
        tree.append_entries(entry.body for entry in entries)
        tree.get_root()
        return int(tree.get_size())

    return _timed_count(source, build, size)


def _append_results(options: Options, root: Path) -> BenchResult:
    work = workload(dataclasses.replace(options, events=options.pushes))
    with databases("sqlite", root) as new_url:
        sides = {
            WITH_LOG: lambda r: sealed_rate(new_url(f"with-log-{r}"), root, work, log=True),
            WITHOUT_LOG: lambda r: sealed_rate(new_url(f"without-log-{r}"), root, work),
        }
        rates = alternate(options.rounds, sides, options.progress, "audit append")
    return BenchResult.from_rounds(
        "audit: entries appended with their push",
        "entries/s",
        rates[WITH_LOG],
        WITHOUT_LOG,
        rates[WITHOUT_LOG],
        goal=APPEND_GOAL,
        extra=(
            "Records.save of a melding with its access-log entry as the side write StorePersistence.commit "
            "gives it (hash chain + Merkle state row, in the event's transaction) against Records.save of the "
            "same melding alone; one push per transaction, "
            f"{options.pushes} pushes per round, new pupils, SQLite; the rate counts entries = pushes",
        ),
    )


@register("audit", reads=("pushes", "log_entries", "verify_rounds"), needs=("pymerkle",))
def audit(options: Options) -> list[BenchResult]:
    """(a) Access-log entries appended as part of a push: `Records.save` of a verzuimmelding
    with its hash-chained log entry in the same transaction (the side write
    `StorePersistence.commit` gives a push's entry), against the same push without the entry
    (the ingest benchmark's own code, on SQLite). (b) `audit.verify.verify_log`
    — chain, RFC 9162 Merkle tree and every signed tree head — over a log of `log_entries`
    entries built through `AccessLogStore.append` (the hub's own append path, so the rows are
    exactly what the hub writes; a tree head signed every 1000 entries), streamed from SQLite
    by `AccessLogStore.entries` (what `hub audit verify` does) and again from a list already in
    memory (verify's own cost); against peers over the same entries in the same run: a bare
    SHA-256 chain over the same bytes, and the `pymerkle` package building a Merkle tree over
    the same entries. Sides alternate round by round."""
    results: list[BenchResult] = []
    with tempfile.TemporaryDirectory(prefix="ketenhub-bench-audit-") as tmp:
        root = Path(tmp)
        results.append(_append_results(options, root))
        size = options.log_entries
        with built_log(root, size, options.progress) as log:
            stream: Source = log.persistence.access_log.entries
            loaded = list(stream())  # untimed: the in-memory sides start from the same entries

            def memory() -> list[ChainedEntry]:
                return loaded

            sides = {
                STREAM_OURS: lambda _r: verify_rate(log, stream, size),
                STREAM_CHAIN: lambda _r: chain_rate(stream, size),
                MEMORY_OURS: lambda _r: verify_rate(log, memory, size),
                MEMORY_CHAIN: lambda _r: chain_rate(memory, size),
                PYMERKLE: lambda _r: pymerkle_rate(memory, size),
            }
            rates = alternate(options.verify_rounds, sides, options.progress, "audit verify")
            heads = len(log.persistence.access_log.heads())
            sizes = [len(e.body) for e in loaded[:3000]]
            loaded.clear()  # about a gigabyte at full size
    log_note = (
        f"{size:,} entries, bodies {min(sizes)}-{max(sizes)} bytes (mean {sum(sizes) // len(sizes)}), "
        f"{heads} signed tree heads"
    )
    stream_note = "streamed: each side reads the entries from SQLite itself (AccessLogStore.entries)"
    memory_note = "in memory: every side starts from the same list of stored entries, read before the rounds"
    for name, ours, peer, goal, notes in (
        ("audit: verify_log, streamed from SQLite", STREAM_OURS, STREAM_CHAIN, VERIFY_GOAL, (stream_note,)),
        ("audit: verify_log, in memory", MEMORY_OURS, MEMORY_CHAIN, VERIFY_GOAL, (memory_note,)),
        ("audit: verify_log vs pymerkle, in memory", MEMORY_OURS, PYMERKLE, None, (memory_note,)),
    ):
        results.append(
            BenchResult.from_rounds(
                name, "entries/s", rates[ours], peer, rates[peer], goal=goal, extra=(log_note, *notes, _WHY[peer])
            )
        )
    return results
