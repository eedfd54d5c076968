"""Overload: signed pushes at ten times the sustainable rate, against the same hub with shedding off.

Issue 20, part 2: at ten times its sustainable rate the hub still acknowledges at least 90 % of the
pushes it manages at that rate, and every other push is answered 503 or 429 within a second
instead of timing out; nothing it acknowledged is lost.

Each round, each side (a `hub serve` process of its own, on a store of its own) is measured twice:

- sustainable: a closed loop, `SUSTAINABLE_CLIENTS` connections each sending its next push as soon
  as the last was answered, for `sustainable_seconds`; its 201s per second are the rate R;
- overload: an open loop at `FACTOR` × R for `overload_seconds`: push i leaves at start + i / rate
  whatever came back before, on an idle connection or a new one, and is given up (its connection
  closed) `overload_timeout` seconds after its scheduled moment. Latencies count from that
  moment, so a push that waited for a connection the hub still held does not hide the wait.

Afterwards, once the hub's queue is empty, its store is read: every push answered 201 must be in
it (else `AcknowledgedLost`), and what it holds beyond them was committed for nobody.

The client sends a few thousand pushes a second from one core beside the hub on a small machine:
every request is signed before its phase (`signed_push`, RFC 9421 over `created` and `nonce`, well
inside the hub's 300 s window; a test checks it against the hub's own `verify_message`) and sent
as raw HTTP/1.1 bytes over asyncio streams.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import hashlib
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from nacl.signing import SigningKey

from domain.parties import Organisation, Role, organisation_id
from hub.bench.core import BenchResult, Latency, Options, alternate, percentile, register
from hub.bench.http import HOST, PATH, server_env, stop
from hub.bench.ingest import backends, databases
from hub.bench.workload import meldingen
from hub.container import Hub, build_hub
from hub.signatures import LABEL, SIGNED_COMPONENTS
from infra.pgcluster import free_port
from infra.settings import Settings

FACTOR = 10  # issue 20: the overload is ten times the sustainable rate
GOAL_SHARE = 0.9  # of the sustainable rate, still acknowledged under overload
REFUSAL_BOUND = 1.0  # seconds: every push not acknowledged is refused within this
REFUSALS = (503, 429)
TIMEOUT, FAILED = 0, -1  # the status of a push given up, and of one whose connection failed
SUSTAINABLE_CLIENTS = 8
# Sixteen schools, each with its own key, take turns: the default per-key limit (school: 50/s,
# burst 500) then holds at the sustainable rate, so what refuses the surplus is admission, with
# the limiter left on as it is in use.
SCHOOLS = tuple(f"12AB{n:02d}" for n in range(16))
BODIES_PER_SCHOOL = 32
MAX_CONNECTIONS = 16_000  # the open loop's most, where the descriptor limit allows
OURS = "hub, shedding on"
PEER = "the same hub, shedding off"
# Shedding "off": a queue the overload never fills, and work that waited a minute is still started.
PEER_ENV = {"HUB_QUEUE_LIMIT": "10000", "HUB_QUEUE_WAIT_MS": "60000"}
# As the hub is deployed (infra/deploy/api.env.example): a JSON log line per request, at INFO.
SERVER_ENV = {"HUB_LOG_FORMAT": "json", "HUB_LOG_LEVEL": "INFO"}
_SERVE = "from hub.cli import main; main()"  # the `hub` console script, wherever it is installed
_STARTUP_SECONDS = 60.0
_SETTLE_SECONDS = 120.0
_WARM_UP_SECONDS = 0.5
_SPARE_DESCRIPTORS = 512
_TICK = 0.005  # seconds between the client's looks at its own lag
_MOST_PER_SECOND = 2000  # pushes signed ahead per second of the closed loop: more than the hub takes
_QUEUE_DEPTH = re.compile(rb"^ketenhub_queue_depth(?:\{[^}]*\})? (\S+)$", re.MULTILINE)


class AcknowledgedLost(RuntimeError):
    """A push the hub answered 201 is not in its store: it broke its promise."""


# -- the requests ---------------------------------------------------------------------------
@dataclass(frozen=True)
class School:
    """A registered school and its key."""

    code: str
    key_id: str
    key: SigningKey


def signed_push(authority: str, school: School, body: bytes, digest: str, created: int) -> bytes:
    """`POST /v1/verzuimmeldingen` as raw HTTP/1.1, signed as `hub.client.SignatureAuth` signs it
    (RFC 9421: @method, @target-uri, content-digest; created, keyid, alg, nonce), with a fresh nonce
    and Idempotency-Key. Built by hand: the signing library takes ten times as long per request."""
    nonce = base64.urlsafe_b64encode(os.urandom(18)).decode()
    components = " ".join(f'"{c}"' for c in (*SIGNED_COMPONENTS, "content-digest"))
    params = f'({components});created={created};keyid="{school.key_id}";alg="ed25519";nonce="{nonce}"'
    base = (
        f'"@method": POST\n"@target-uri": http://{authority}{PATH}\n"content-digest": {digest}\n'
        f'"@signature-params": {params}'
    )
    signature = base64.b64encode(school.key.sign(base.encode()).signature).decode()
    head = (
        f"POST {PATH} HTTP/1.1\r\nhost: {authority}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nidempotency-key: {uuid.uuid4().hex}\r\ncontent-digest: {digest}\r\n"
        f"signature-input: {LABEL}={params}\r\nsignature: {LABEL}=:{signature}:\r\n\r\n"
    )
    return head.encode("ascii") + body


def content_digest(body: bytes) -> str:
    return f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"


@dataclass(frozen=True)
class Pushes:
    """What every push to one hub is made of: the schools, in turn, and bodies naming each."""

    authority: str
    schools: tuple[School, ...]
    bodies: tuple[tuple[tuple[bytes, str], ...], ...]  # per school: (body, its Content-Digest)

    @classmethod
    def of(cls, port: int, schools: Sequence[School]) -> Pushes:
        work = meldingen(BODIES_PER_SCHOOL, BODIES_PER_SCHOOL)
        encoded = [[json.dumps(m.body(school=s.code)).encode() for m in work] for s in schools]
        bodies = tuple(tuple((b, content_digest(b)) for b in mine) for mine in encoded)
        return cls(f"{HOST}:{port}", tuple(schools), bodies)

    def signed(self, count: int) -> list[bytes]:
        """`count` pushes, signed now, the schools in turn."""
        created = int(time.time())
        requests = []
        for n in range(count):
            turn, index = divmod(n, len(self.schools))
            body, digest = self.bodies[index][turn % len(self.bodies[index])]
            requests.append(signed_push(self.authority, self.schools[index], body, digest, created))
        return requests


# -- the client -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """One push as the client saw it: its status (or TIMEOUT, FAILED) and seconds since it was due."""

    status: int
    seconds: float
    body: bytes = b""


Pair = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes, bool]:
    """Send one request and read its response: status, body, whether the connection stays open."""
    writer.write(request)
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower().split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    fields = dict(line.partition(":")[::2] for line in head[1:] if line)
    body = await reader.readexactly(int(fields.get("content-length", "0")))
    return status, body, fields.get("connection", "").strip() != "close"


class Connections:
    """Keep-alive connections to the hub: an idle one if there is one, else a new one, up to `cap`;
    beyond it, pushes wait in turn, and each connection that comes back (or slot that a closed
    one frees) goes to the push that has waited longest."""

    def __init__(self, port: int, cap: int) -> None:
        self.port = port
        self.cap = cap
        self.idle: list[Pair] = []
        self.waiting: deque[asyncio.Future[Pair | None]] = deque()  # None: a free slot, open one in it
        self.holding = 0  # connections open or being opened
        self.opened = 0

    async def take(self) -> Pair:
        if self.idle:
            return self.idle.pop()
        if self.holding < self.cap:
            self.holding += 1
        elif (pair := await self._wait()) is not None:
            return pair
        try:
            pair = await asyncio.open_connection(HOST, self.port)
        except BaseException:
            self._free()
            raise
        self.opened += 1
        return pair

    async def _wait(self) -> Pair | None:
        turn: asyncio.Future[Pair | None] = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        try:
            return await turn
        except asyncio.CancelledError:
            if not turn.cancelled():  # handed something just as it was given up: pass it on
                handed = turn.result()
                if handed is None:
                    self._free()
                else:
                    self.give_back(handed)
            raise

    def _next(self) -> asyncio.Future[Pair | None] | None:
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                return turn
        return None

    def give_back(self, pair: Pair) -> None:
        if (turn := self._next()) is not None:
            turn.set_result(pair)
        else:
            self.idle.append(pair)

    def drop(self, pair: Pair) -> None:
        pair[1].close()
        self._free()

    def _free(self) -> None:
        if (turn := self._next()) is not None:
            turn.set_result(None)
        else:
            self.holding -= 1

    def close(self) -> None:
        while self.idle:
            self.drop(self.idle.pop())


async def push(connections: Connections, request: bytes, due: float, timeout: float) -> Answer:
    """One push, given up `timeout` seconds after `due`. A connection given up on is closed, as a
    real client's would be: the hub then sees its client leave."""
    loop = asyncio.get_running_loop()
    pair: Pair | None = None
    keep = False
    try:
        async with asyncio.timeout_at(due + timeout):
            pair = await connections.take()
            status, body, keep = await exchange(*pair, request)
    except TimeoutError:
        answer = Answer(TIMEOUT, loop.time() - due)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError):
        answer = Answer(FAILED, loop.time() - due)
    else:
        answer = Answer(status, loop.time() - due, body if status == 201 else b"")
    if pair is not None:
        (connections.give_back if keep else connections.drop)(pair)
    return answer


@dataclass(frozen=True)
class Sent:
    """What one loop sent and got back."""

    answers: list[Answer]
    seconds: float  # how long it sent
    behind: float = 0.0  # how late its event loop woke at worst
    connections: int = 0  # connections it opened
    cpu: float = math.nan  # CPU seconds this process spent meanwhile


async def closed_loop(port: int, requests: Sequence[bytes], clients: int, seconds: float, timeout: float) -> Sent:
    """`clients` connections, each sending its next push as soon as the last was answered, for
    `seconds` or until `requests` run out."""
    loop = asyncio.get_running_loop()
    connections = Connections(port, clients)
    answers: list[Answer] = []
    pending = iter(requests)
    start, cpu = loop.time(), time.process_time()

    async def client() -> None:
        while loop.time() < start + seconds and (request := next(pending, None)) is not None:
            answers.append(await push(connections, request, loop.time(), timeout))

    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = loop.time() - start
    connections.close()
    return Sent(answers, elapsed, connections=connections.opened, cpu=time.process_time() - cpu)


def connection_cap() -> int:
    """As many connections as the open loop may hold. A hub that holds every push keeps a
    connection open for each, so the soft descriptor limit is raised towards the hard one first
    (the hubs started after it inherit it); a few hundred stay for everything else."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = MAX_CONNECTIONS + _SPARE_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
    return (
        MAX_CONNECTIONS if soft == resource.RLIM_INFINITY else max(64, min(MAX_CONNECTIONS, soft - _SPARE_DESCRIPTORS))
    )


async def open_loop(port: int, requests: Sequence[bytes], rate: float, timeout: float) -> Sent:
    """Push i at start + i / rate, whatever came back before."""
    loop = asyncio.get_running_loop()
    connections = Connections(port, connection_cap())
    start, cpu = loop.time() + 0.05, time.process_time()
    lag = asyncio.create_task(_lag())
    tasks = []
    for i, request in enumerate(requests):
        due = start + i / rate
        if (delay := due - loop.time()) > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(push(connections, request, due, timeout)))
    answers = await asyncio.gather(*tasks)
    lag.cancel()
    connections.close()
    return Sent(list(answers), len(requests) / rate, await lag, connections.opened, time.process_time() - cpu)


async def _lag() -> float:
    """How late this event loop woke at worst, until cancelled: how far the client fell behind
    its schedule, or behind reading its answers and giving up on time."""
    loop = asyncio.get_running_loop()
    worst = 0.0
    with contextlib.suppress(asyncio.CancelledError):
        while True:
            before = loop.time()
            await asyncio.sleep(_TICK)
            worst = max(worst, loop.time() - before - _TICK)
    return worst


# -- what came back -------------------------------------------------------------------------
@dataclass(frozen=True)
class Tally:
    """One phase's pushes by what came back, latencies in seconds since each was due."""

    seconds: float
    statuses: Counter[int]
    acknowledged: tuple[float, ...]
    refused: tuple[float, ...]  # 503 and 429
    unanswered: tuple[float, ...]  # given up, failed connections, any other status
    ids: frozenset[str]
    behind: float = 0.0  # seconds the client's event loop woke late at worst
    connections: int = 0  # connections the client opened
    client_cpu: float = math.nan  # CPU seconds the client spent
    hub_cpu: float = math.nan  # CPU seconds the hub's process spent meanwhile
    wall: float = math.nan  # seconds the phase took, its tail of late answers included

    @classmethod
    def of(cls, sent: Sent, hub_cpu: float = math.nan, wall: float = math.nan) -> Tally:
        answers = sent.answers
        acknowledged = [a for a in answers if a.status == 201]
        return cls(
            sent.seconds,
            Counter(a.status for a in answers),
            tuple(a.seconds for a in acknowledged),
            tuple(a.seconds for a in answers if a.status in REFUSALS),
            tuple(a.seconds for a in answers if a.status != 201 and a.status not in REFUSALS),
            frozenset(str(json.loads(a.body)["id"]) for a in acknowledged),
            sent.behind,
            sent.connections,
            sent.cpu,
            hub_cpu,
            wall,
        )

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())

    @property
    def rate(self) -> float:
        """Acknowledged pushes per second of the phase."""
        return len(self.acknowledged) / self.seconds

    def kinds(self) -> dict[str, int]:
        """How many pushes came back which way."""
        given_up, failed = self.statuses[TIMEOUT], self.statuses[FAILED]
        return {
            "acknowledged": len(self.acknowledged),
            "503": self.statuses[503],
            "429": self.statuses[429],
            "given up": given_up,
            "failed": failed,
            "other": len(self.unanswered) - given_up - failed,
        }

    @property
    def slowest_refusal(self) -> float:
        return max(self.refused, default=0.0)


@dataclass(frozen=True)
class Verdict:
    """Issue 20's goal for one side's round."""

    share: float  # acknowledged per second under overload, as a share of the sustainable rate
    slowest: float  # seconds: the slowest answer to a push not acknowledged; one never refused counts as `timeout`
    unanswered: int  # pushes neither acknowledged nor refused (given up, failed, another status)
    met: bool


def verdict(sustainable: Tally, overload: Tally, timeout: float) -> Verdict:
    """Met when the overload's acknowledged rate is at least `GOAL_SHARE` of the sustainable one and
    every other push was refused (503 or 429) within `REFUSAL_BOUND`."""
    share = overload.rate / sustainable.rate if sustainable.rate else 0.0
    unanswered = len(overload.unanswered)
    slowest = max(overload.slowest_refusal, timeout if unanswered else 0.0)
    return Verdict(share, slowest, unanswered, share >= GOAL_SHARE and not unanswered and slowest <= REFUSAL_BOUND)


# -- the hubs -------------------------------------------------------------------------------
def register_schools(hub: Hub, codes: Sequence[str]) -> list[School]:
    """Each school with a new Ed25519 key, as `hub org add --key-out` registers one."""
    schools = []
    for code in codes:
        org = Organisation(organisation_id(Role.SCHOOL, code), Role.SCHOOL, f"Benchmarkschool {code}", code)
        hub.orgs.add(org)
        key = SigningKey(os.urandom(32))
        hub.orgs.add_key(org.org_id, f"{org.org_id}#1", key.verify_key.encode())
        schools.append(School(code, f"{org.org_id}#1", key))
    return schools


def hub_settings(database_url: str, var: Path) -> Settings:
    """A fresh hub's settings, its secrets in `var`; this process only registers and reads back,
    so it logs warnings only (the server logs at INFO)."""
    return Settings(database_url=database_url, var_dir=var, log_level="WARNING", _env_file=None)


def server_environment(settings: Settings, extra: dict[str, str]) -> dict[str, str]:
    """The HUB_* variables that make `hub serve` open the store `settings` names (its secrets are
    the default files in HUB_VAR_DIR)."""
    return {
        **server_env(),
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_VAR_DIR": str(settings.var_dir),
        **SERVER_ENV,
        **extra,
    }


@dataclass
class Side:
    """One side: `hub serve` on a store of its own, that store open here too, and its schools."""

    name: str
    hub: Hub
    process: subprocess.Popen[bytes]
    port: int
    pushes: Pushes
    log: Path
    position: int = 0  # the store's last notification id read so far

    def cpu_seconds(self) -> float:
        """User and system CPU time of the hub's process (Linux; NaN elsewhere)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return math.nan
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def started(name: str, database_url: str, root: Path, extra: dict[str, str]) -> Iterator[Side]:
    """A fresh store with the schools registered, and `hub serve` on it (uvicorn with the hub's
    own protocol, one worker) in its own process."""
    var = root / f"var-{uuid.uuid4().hex[:8]}"
    settings = hub_settings(database_url, var)
    hub = build_hub(settings)
    port = free_port()
    log = root / f"serve-{port}.log"
    with ExitStack() as stack:
        stack.callback(hub.close)
        schools = register_schools(hub, SCHOOLS)
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-c", _SERVE, "serve", "--host", HOST, "--port", str(port)],
                cwd=root,
                env=server_environment(settings, extra),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        stack.callback(stop, process)
        side = Side(name, hub, process, port, Pushes.of(port, schools), log)
        _wait_ready(side)
        side.position = hub.store.records.recorder.max_notification_id() or 0
        yield side


def _wait_ready(side: Side) -> None:
    deadline = time.monotonic() + _STARTUP_SECONDS
    while time.monotonic() < deadline:
        if side.process.poll() is not None:
            raise RuntimeError(f"hub serve exited with {side.process.returncode}: {side.log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"http://{side.pushes.authority}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"hub serve at {side.pushes.authority} did not answer /health in {_STARTUP_SECONDS:.0f} s")


def settle(side: Side) -> None:
    """Until the hub holds no admitted request (its queue-depth gauge at 0): what it still
    commits after its clients left must be counted, and must not slow the next phase."""
    deadline = time.monotonic() + _SETTLE_SECONDS
    with httpx.Client(base_url=f"http://{side.pushes.authority}", timeout=30) as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                r = client.get("/metrics")
                found = _QUEUE_DEPTH.search(r.content) if r.status_code == 200 else None
                if found and float(found.group(1)) == 0:
                    return
            time.sleep(0.1)
    raise RuntimeError(f"the hub at {side.pushes.authority} still held requests after {_SETTLE_SECONDS:.0f} s")


def stored_since(side: Side) -> set[str]:
    """The meldingen the store gained since the last call (each push stores one new aggregate)."""
    recorder = side.hub.store.records.recorder
    ids: set[str] = set()
    while batch := recorder.select_notifications(side.position + 1, 1000):
        ids.update(str(n.originator_id) for n in batch if n.topic.endswith("Verzuimmelding.Created"))
        side.position = batch[-1].id
    return ids


def committed_for_nobody(acknowledged: set[str] | frozenset[str], stored: set[str], side: str) -> int:
    """How many stored pushes nobody was told of; `AcknowledgedLost` if an acknowledged one is missing."""
    if lost := acknowledged - stored:
        raise AcknowledgedLost(f"{side}: {len(lost)} acknowledged pushes are not in the store, e.g. {min(lost)}")
    return len(stored - acknowledged)


# -- one round of one side ------------------------------------------------------------------
@dataclass(frozen=True)
class SideRound:
    """What one side's round measured, and what its store holds afterwards."""

    sustainable: Tally
    overload: Tally
    verdict: Verdict
    stored: int  # meldingen the store gained over the round
    for_nobody: int  # of those, never acknowledged to anyone


@contextmanager
def _no_collection() -> Iterator[None]:
    """No cyclic garbage collection while a phase runs: this process holds the whole hub's objects,
    and a full collection over them stalls the client's schedule for tenths of a second."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def _phase(side: Side, loop: Coroutine[Any, Any, Sent]) -> Tally:
    """Run `loop` against the side: what came back, and what the hub's process spent meanwhile."""
    with _no_collection():
        cpu, start = side.cpu_seconds(), time.perf_counter()
        sent = asyncio.run(loop)
        return Tally.of(sent, side.cpu_seconds() - cpu, time.perf_counter() - start)


def side_round(side: Side, options: Options) -> SideRound:
    """The sustainable rate, then `FACTOR` times it, then the store read back."""
    timeout = options.overload_timeout
    # More than the closed loop can send: it stops at the time, not when these run out.
    ahead = side.pushes.signed(int(options.sustainable_seconds * _MOST_PER_SECOND))
    closed = closed_loop(side.port, ahead, SUSTAINABLE_CLIENTS, options.sustainable_seconds, timeout)
    sustainable = _phase(side, closed)
    odd = {s: n for s, n in sustainable.statuses.items() if s not in (201, *REFUSALS)}
    if odd or not sustainable.acknowledged:
        raise RuntimeError(f"{side.name}: the sustainable phase was answered {dict(sustainable.statuses)}")
    rate = FACTOR * sustainable.rate
    flood = side.pushes.signed(round(rate * options.overload_seconds))
    overload = _phase(side, open_loop(side.port, flood, rate, timeout))
    settle(side)
    stored = stored_since(side)
    nobody = committed_for_nobody(sustainable.ids | overload.ids, stored, side.name)
    return SideRound(sustainable, overload, verdict(sustainable, overload, timeout), len(stored), nobody)


# -- the benchmark --------------------------------------------------------------------------
def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def _ms(values: Sequence[float]) -> list[float]:
    return [v * 1000 for v in values]


def _side_text(name: str, rounds: Sequence[SideRound], options: Options) -> str:
    """One side's figures in a line: medians over the rounds, per second of the overload phase."""
    kinds = [r.overload.kinds() for r in rounds]
    per_s = {
        kind: _median([k[kind] / r.overload.seconds for k, r in zip(kinds, rounds, strict=True)]) for kind in kinds[0]
    }
    refused = [v for r in rounds for v in r.overload.refused]
    refusals = (
        f"refusals p50 {percentile(_ms(refused), 50):.0f} ms, p99 {percentile(_ms(refused), 99):.0f} ms, "
        f"max {max(_ms(refused)):.0f} ms"
        if refused
        else "no refusals"
    )
    counts = ", ".join(f"{value:,.0f}/s {label}" for label, value in per_s.items())
    return (
        f"{name}: sustainable {_median([r.sustainable.rate for r in rounds]):.0f} pushes/s "
        f"(p50 {_median([percentile(_ms(r.sustainable.acknowledged), 50) for r in rounds]):.0f} ms); "
        f"at {FACTOR}x for {options.overload_seconds:g} s: {counts}; {refusals}; committed for nobody "
        f"{_median([r.for_nobody for r in rounds]):.0f} per round ({sum(r.for_nobody for r in rounds)} in all); "
        f"acknowledged and lost: 0 of {sum(len(r.sustainable.ids) + len(r.overload.ids) for r in rounds):,}"
    )


def _cpu_text(name: str, rounds: Sequence[SideRound]) -> str:
    """Why refusing is not free: the pushes and the refusals share the hub's one process."""
    per_push = _median([r.sustainable.hub_cpu / len(r.sustainable.acknowledged) for r in rounds])
    # Derived: the overload phase's CPU less its acknowledged pushes at the sustainable cost.
    per_other = _median(
        [
            (r.overload.hub_cpu - len(r.overload.acknowledged) * per_push)
            / (r.overload.sent - len(r.overload.acknowledged))
            for r in rounds
            if r.overload.sent > len(r.overload.acknowledged)
        ]
    )
    return (
        f"{name}: the hub's process used {_median([r.sustainable.hub_cpu / r.sustainable.wall for r in rounds]):.2f} "
        f"CPU s/s at the sustainable rate, {per_push * 1000:.2f} ms a push; under overload "
        f"{_median([r.overload.hub_cpu / r.overload.wall for r in rounds]):.2f} CPU s/s, about "
        f"{per_other * 1e6:.0f} µs for each push not acknowledged (derived), so that turning away {FACTOR - 1} R "
        f"a second costs {(FACTOR - 1) * per_other / per_push:.0%} of the CPU that acknowledging R costs"
    )


def _client_text(name: str, rounds: Sequence[SideRound]) -> str:
    """Whether the client kept up: a late client would add its own lateness to the hub's latencies."""
    late = [r.overload.behind for r in rounds]
    return (
        f"the client against {name}: {_median([r.overload.connections for r in rounds]):,.0f} connections opened, "
        f"{_median([r.overload.client_cpu / r.overload.wall for r in rounds]):.2f} CPU s/s; its event loop woke "
        f"{_median(late) * 1000:.0f} ms late at worst (median of the rounds; {max(late) * 1000:.0f} ms in the worst)"
    )


def _results(backend: str, rounds: dict[str, list[SideRound]], options: Options) -> list[BenchResult]:
    ours, peer = rounds[OURS], rounds[PEER]
    met = {name: sum(r.verdict.met for r in rs) for name, rs in rounds.items()}
    offered = _median([r.overload.sent / options.overload_seconds for r in ours])
    notes = (
        f"goal (issue 20): at {FACTOR}x the sustainable rate at least {GOAL_SHARE:.0%} of it acknowledged, and "
        f"every other push refused (503/429) within {REFUSAL_BOUND:g} s: met in {met[OURS]} of {len(ours)} rounds "
        f"(ours), {met[PEER]} of {len(peer)} (peer)",
        _side_text(OURS, ours, options),
        _side_text(PEER, peer, options),
        _cpu_text(OURS, ours),
        _cpu_text(PEER, peer),
        _client_text(OURS, ours),
        _client_text(PEER, peer),
        f"each round and side: sustainable = {SUSTAINABLE_CLIENTS} connections in a closed loop for "
        f"{options.sustainable_seconds:g} s; overload = an open loop at {FACTOR}x that rate ({offered:,.0f}/s offered, "
        f"median) for {options.overload_seconds:g} s, each push given up {options.overload_timeout:g} s after its "
        f"scheduled moment, latencies from that moment; {options.overload_rounds} rounds, sides alternating",
        f"pushes signed before each phase (RFC 9421, Ed25519) from {len(SCHOOLS)} schools with a key each, in turn, "
        "so the default per-key limit (school 50/s, burst 500) holds and the surplus meets admission; raw "
        f"HTTP/1.1 over asyncio streams, keep-alive, a new connection whenever none is idle (up to {MAX_CONNECTIONS:,} "
        "where the descriptor limit allows)",
        f"`hub serve`, one worker, {'SQLite' if backend == 'sqlite' else 'PostgreSQL'}, store threads by default, "
        "HUB_LOG_FORMAT=json at INFO to a file; the peer the same with HUB_QUEUE_LIMIT=10000 and "
        "HUB_QUEUE_WAIT_MS=60000; after each phase the store read back once the hub's queue was empty",
    )
    non_acknowledged = {
        n: _ms([v for r in rs for v in (*r.overload.refused, *r.overload.unanswered)]) for n, rs in rounds.items()
    }
    acknowledged = {n: _ms([v for r in rs for v in r.overload.acknowledged]) for n, rs in rounds.items()}
    return [
        _figure(
            f"overload {backend}: pushes acknowledged at {FACTOR}x the sustainable rate",
            "% of sustainable",
            {n: [100 * r.verdict.share for r in rs] for n, rs in rounds.items()},
            acknowledged,
            limit=100 * GOAL_SHARE,
            extra=notes,
        ),
        _figure(
            f"overload {backend}: slowest answer to a push not acknowledged",
            "ms",
            {n: [1000 * r.verdict.slowest for r in rs] for n, rs in rounds.items()},
            non_acknowledged,
            limit=1000 * REFUSAL_BOUND,
            higher_is_better=False,
            extra=(
                f"a push neither acknowledged nor refused (given up, a failed connection, another status) counts "
                f"as the client's timeout, {options.overload_timeout:g} s; latencies are of every push not "
                "acknowledged",
            ),
        ),
    ]


def _figure(
    name: str, unit: str, rounds: dict[str, list[float]], latencies_ms: dict[str, list[float]], **kwargs: Any
) -> BenchResult:
    """Ours beside the peer: the medians of their rounds, with the latencies behind them."""
    return BenchResult.from_rounds(
        name,
        unit,
        rounds[OURS],
        PEER,
        rounds[PEER],
        ours_latency=Latency.of(latencies_ms[OURS]),
        peer_latency=Latency.of(latencies_ms[PEER]),
        **kwargs,
    )


def overload_on(backend: str, root: Path, options: Options) -> list[BenchResult]:
    """Both hubs on fresh stores of `backend`, alternating round by round."""
    rounds: dict[str, list[SideRound]] = {OURS: [], PEER: []}
    with databases(backend, root) as new_url, ExitStack() as stack:
        sides = {
            OURS: stack.enter_context(started(OURS, new_url("ours"), root, {})),
            PEER: stack.enter_context(started(PEER, new_url("peer"), root, PEER_ENV)),
        }
        for side in sides.values():  # untimed: first connections, imports on first use
            asyncio.run(closed_loop(side.port, side.pushes.signed(200), 2, _WARM_UP_SECONDS, options.overload_timeout))
            settle(side)
            stored_since(side)

        def run(name: str) -> Callable[[int], float]:
            def one(_round: int) -> float:
                rounds[name].append(side_round(sides[name], options))
                return 100 * rounds[name][-1].verdict.share

            return one

        alternate(options.overload_rounds, {n: run(n) for n in sides}, options.progress, f"overload {backend} (% of R)")
    return _results(backend, rounds, options)


@register(
    "overload", reads=("overload_rounds", "sustainable_seconds", "overload_seconds", "overload_timeout", "backend")
)
def overload(options: Options) -> list[BenchResult]:
    """Signed pushes (`POST /v1/verzuimmeldingen`) at ten times the hub's sustainable rate
    (issue 20): `hub serve` (one worker, the hub's own protocol, on a fresh SQLite store and on a
    throwaway PostgreSQL) against the same hub with shedding effectively off (HUB_QUEUE_LIMIT=10000,
    HUB_QUEUE_WAIT_MS=60000). Each round, each side's sustainable rate R is measured with 8
    connections in a closed loop, then an open loop sends 10 R pushes a second, each on the hub's
    real HTTP path from sixteen schools' keys, given up after 5 s. The goal: at least 90 % of R
    still acknowledged (201) and every other push refused 503 or 429 within a second; afterwards
    the store must hold every acknowledged push (the run fails otherwise), and what it holds
    beyond them, committed for nobody, is reported. Figures are medians over the rounds."""
    results: list[BenchResult] = []
    connection_cap()  # before the hubs start, so that they inherit the raised limit
    for backend in backends(options.backend):
        with tempfile.TemporaryDirectory(prefix="ketenhub-bench-overload-") as tmp:
            results.extend(overload_on(backend, Path(tmp), options))
    return results
