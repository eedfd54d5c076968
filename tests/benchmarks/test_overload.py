"""The overload benchmark: its requests are the hub's, its client counts right, its goal can fail.

Correctness only, never speed: a pre-signed push passes the hub's own signature check, the open
loop tells a refusal from a push given up (against a stub server that answers as told), the
verdict fails on each of the goal's conditions, a push acknowledged and not stored stops the run,
and a quick run gives both sides' figures on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import pytest
from nacl.signing import SigningKey

from hub.bench import overload
from hub.bench.core import Options
from hub.bench.overload import FAILED, TIMEOUT, Answer, School, Sent, Tally
from hub.bench.suite import READS, benchmarks
from hub.signatures import Message, verify_message

KEY = SigningKey(bytes(range(32)))
SCHOOL = School("12AB00", "school:12AB00#1", KEY)
AUTHORITY = "127.0.0.1:8000"
BODY = json.dumps({"school": {"brin": "12AB", "vestiging": "00"}}).encode()


def _parts(raw: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    request_line, *lines = head.decode("ascii").split("\r\n")
    return request_line, {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines)}, body


def test_the_benchmark_is_registered_with_what_it_reads() -> None:
    assert benchmarks()["overload"] is overload.overload
    assert set(READS["overload"]) >= {"overload_rounds", "sustainable_seconds", "overload_seconds", "backend"}


def test_a_pre_signed_push_passes_the_hubs_own_signature_check() -> None:
    raw = overload.signed_push(AUTHORITY, SCHOOL, BODY, overload.content_digest(BODY), int(time.time()))
    request_line, headers, body = _parts(raw)
    assert request_line == f"POST {overload.PATH} HTTP/1.1" and body == BODY
    assert int(headers["content-length"]) == len(BODY) and headers["host"] == AUTHORITY
    nonces: list[tuple[str, str]] = []
    verified = verify_message(
        Message.of("POST", f"http://{AUTHORITY}{overload.PATH}", headers.items()),
        body,
        public_key_of=lambda _key_id: KEY.verify_key.encode(),
        first_use=lambda key_id, nonce: not nonces.append((key_id, nonce)),
        window_seconds=300,
    )
    assert verified.key_id == SCHOOL.key_id and nonces == [(SCHOOL.key_id, verified.nonce)]


def test_each_push_has_its_own_nonce_and_idempotency_key() -> None:
    pushes = overload.Pushes("127.0.0.1:8000", (SCHOOL,), (((BODY, overload.content_digest(BODY)),),))
    heads = [_parts(raw)[1] for raw in pushes.signed(50)]
    assert len({h["idempotency-key"] for h in heads}) == 50
    assert len({h["signature-input"].rpartition("nonce=")[2] for h in heads}) == 50


# -- the client, against a stub that answers as the path says ---------------------------------
@asynccontextmanager
async def stub(answer_after: float = 0.0) -> AsyncIterator[int]:
    """A server answering each request by its Idempotency-Key's first character: 'a' 201, 'b' 503,
    'c' never; `answer_after` seconds late."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode()
                fields = dict(line.partition(": ")[::2] for line in head.split("\r\n")[1:] if line)
                await reader.readexactly(int(fields["content-length"]))
                kind = fields["idempotency-key"][0]
                if kind == "c":
                    await asyncio.sleep(3600)
                await asyncio.sleep(answer_after)
                status, body = (201, json.dumps({"id": str(uuid.uuid4())})) if kind == "a" else (503, "{}")
                writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: {len(body)}\r\n\r\n{body}".encode())
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, overload.HOST, 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


def _request(kind: str) -> bytes:
    body = b"{}"
    return f"POST / HTTP/1.1\r\ncontent-length: 2\r\nidempotency-key: {kind}{uuid.uuid4().hex}\r\n\r\n".encode() + body


def test_the_open_loop_tells_acknowledged_refused_and_given_up_apart() -> None:
    async def run() -> Sent:
        async with stub() as port:
            requests = [_request(kind) for kind in "abcab" * 4]
            return await overload.open_loop(port, requests, rate=100, timeout=0.5)

    sent = asyncio.run(run())
    tally = Tally.of(sent)
    assert tally.kinds() == {"acknowledged": 8, "503": 8, "429": 0, "given up": 4, "failed": 0, "other": 0}
    assert len(tally.ids) == 8 and math.isclose(tally.seconds, 0.2)
    assert all(0.5 <= s < 1.0 for s in tally.unanswered)  # given up at its deadline, counted from when it was due
    assert max(tally.refused) < 0.5 and tally.behind < 0.1


def test_a_late_answer_counts_from_when_the_push_was_due() -> None:
    async def run() -> Sent:
        async with stub(answer_after=0.2) as port:
            return await overload.open_loop(port, [_request("b") for _ in range(5)], rate=50, timeout=2)

    tally = Tally.of(asyncio.run(run()))
    assert tally.statuses == Counter({503: 5}) and all(0.2 <= s < 0.6 for s in tally.refused)


def test_beyond_the_cap_pushes_wait_in_turn_for_a_connection() -> None:
    """Every connection that comes back goes to the push that waited longest, so none starves."""

    async def run() -> tuple[Sent, int]:
        async with stub(answer_after=0.05) as port:
            connections = overload.Connections(port, 2)
            due = asyncio.get_running_loop().time()
            answers = await asyncio.gather(*(overload.push(connections, _request("b"), due, 1.0) for _ in range(12)))
            connections.close()
            return Sent(list(answers), 0.1), connections.opened

    sent, opened = asyncio.run(run())
    assert opened == 2 and [a.status for a in sent.answers] == [503] * 12
    assert sorted(a.seconds for a in sent.answers)[-1] < 0.6  # six turns of 0.05 s each, not a timeout


def test_a_push_given_up_while_waiting_passes_its_turn_on() -> None:
    async def run() -> list[Answer]:
        async with stub(answer_after=0.3) as port:
            connections = overload.Connections(port, 1)
            loop = asyncio.get_running_loop()
            first = asyncio.create_task(overload.push(connections, _request("b"), loop.time(), 2.0))
            await asyncio.sleep(0.05)
            impatient = overload.push(connections, _request("b"), loop.time(), 0.1)
            patient = overload.push(connections, _request("b"), loop.time(), 2.0)
            return [await first, *await asyncio.gather(impatient, patient)]

    first, impatient, patient = asyncio.run(run())
    assert (first.status, impatient.status, patient.status) == (503, TIMEOUT, 503)


def test_the_closed_loop_stops_at_its_time() -> None:
    async def run() -> Sent:
        async with stub(answer_after=0.01) as port:
            return await overload.closed_loop(port, [_request("a") for _ in range(10_000)], 4, 0.3, 2)

    sent = asyncio.run(run())
    assert 0.3 <= sent.seconds < 0.6 and 10 < len(sent.answers) < 200 and sent.connections == 4
    assert {a.status for a in sent.answers} == {201}


# -- the verdict ----------------------------------------------------------------------------
def tally(seconds: float, acknowledged: int, refused: Sequence[float], unanswered: Sequence[int] = ()) -> Tally:
    answers = [Answer(201, 0.01, json.dumps({"id": str(uuid.uuid4())}).encode()) for _ in range(acknowledged)]
    answers += [Answer(503, s) for s in refused]
    answers += [Answer(status, 5.0) for status in unanswered]
    return Tally.of(Sent(answers, seconds))


SUSTAINABLE = tally(1.0, 200, [])


def test_the_goal_is_met_when_enough_is_acknowledged_and_the_rest_refused_in_time() -> None:
    judged = overload.verdict(SUSTAINABLE, tally(1.0, 185, [0.2] * 1815), timeout=5)
    assert judged.met and math.isclose(judged.share, 0.925) and judged.slowest == 0.2


def test_too_few_acknowledged_fails_the_goal() -> None:
    judged = overload.verdict(SUSTAINABLE, tally(1.0, 170, [0.2] * 1830), timeout=5)
    assert not judged.met and math.isclose(judged.share, 0.85)


def test_a_slow_refusal_fails_the_goal() -> None:
    judged = overload.verdict(SUSTAINABLE, tally(1.0, 195, [0.2] * 1804 + [1.2]), timeout=5)
    assert not judged.met and judged.slowest == 1.2


@pytest.mark.parametrize("status", [TIMEOUT, FAILED, 500])
def test_a_push_neither_acknowledged_nor_refused_fails_the_goal(status: int) -> None:
    judged = overload.verdict(SUSTAINABLE, tally(1.0, 195, [0.2] * 1804, [status]), timeout=5)
    assert not judged.met and judged.unanswered == 1 and judged.slowest == 5


def test_an_acknowledged_push_missing_from_the_store_stops_the_run() -> None:
    assert overload.committed_for_nobody({"a", "b"}, {"a", "b", "c"}, "ours") == 1
    with pytest.raises(overload.AcknowledgedLost, match="1 acknowledged pushes are not in the store"):
        overload.committed_for_nobody({"a", "b"}, {"a", "c"}, "ours")


# -- a quick run ----------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_quick_run_gives_both_sides_figures(backend: str, request: pytest.FixtureRequest) -> None:
    if backend == "postgres":
        request.getfixturevalue("pg_cluster")  # skips where PostgreSQL is not installed
    results = overload.overload(Options.quick(backend=backend))
    assert [r.name for r in results] == [
        f"overload {backend}: pushes acknowledged at 10x the sustainable rate",
        f"overload {backend}: slowest answer to a push not acknowledged",
    ]
    share, slowest = results
    assert share.limit == 90 and share.higher_is_better and share.peer_name == overload.PEER
    assert slowest.limit == 1000 and not slowest.higher_is_better
    for r in results:
        assert len(r.ours_rounds) == len(r.peer_rounds) == 2 and math.isfinite(r.ours) and r.ours > 0
        assert r.meets_goal is not None and r.ours_latency and r.peer_latency
    assert share.extra[0].startswith("goal (issue 20): at 10x the sustainable rate at least 90% of it")
    assert "acknowledged and lost: 0 of " in share.extra[1] and "acknowledged and lost: 0 of " in share.extra[2]
