"""An outside review of the load defences (server protocol, admission, store threads, rate limits,
request ids, /metrics), attacking them as a client on the network would.

Each test asserts the secure behaviour. Seven failed when written and were fixed (unsigned slow
bodies filling the gate, a body trickling outside /v1, a second head in the same packet, the
door's 503 to HEAD and to Expect: 100-continue, replays spending a party's tokens, an echoed key
id); the others showed a defence that held.
Everything here is the server's or the protocol's, so the store is pinned to SQLite.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from domain.parties import Role
from hub.app import create_app
from hub.container import Hub, build_hub
from hub.metrics import exposition
from hub.server import header_timeout
from infra.settings import DEFAULT_RATE_LIMITS, RateLimit
from tests.hub.helpers import melding_body, new_bsn
from tests.reliability.helpers import (
    Credentials,
    busy,
    register_org,
    served_in_process,
    settings_for,
    table_counts,
)

DEADLINE = 1  # seconds: the head deadline of these servers
KEEP_ALIVE = 5  # uvicorn's own idle keep-alive timeout (its default)
SLACK = 1.5
QUEUE = 2  # one store thread and two places: capacity 3


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/hub.sqlite"  # the protocol's and admission's behaviour, whatever the backend


@pytest.fixture(autouse=True)
def short_head_deadline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HUB_HEADER_TIMEOUT_SECONDS", str(DEADLINE))
    header_timeout.cache_clear()
    yield
    header_timeout.cache_clear()


@pytest.fixture
def hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    h = build_hub(
        settings_for(
            database_url,
            tmp_path / "var",
            store_threads=1,
            queue_limit=QUEUE,
            queue_wait_ms=30_000,
            body_timeout_seconds=3,
        )
    )
    try:
        yield h
    finally:
        h.close()


@pytest.fixture
def school(hub: Hub) -> Credentials:
    return register_org(hub, Role.SCHOOL, "12AB00")


def push(base_url: str, school: Credentials, timeout: float = 30) -> httpx.Response:
    with httpx.Client(base_url=base_url, auth=school.auth(), timeout=timeout) as client:
        return client.post("/v1/verzuimmeldingen", json=melding_body(new_bsn()))


@contextmanager
def full_gate(url: str, hub: Hub, school: Credentials) -> Iterator[list[httpx.Response]]:
    """The store thread held and QUEUE + 1 signed pushes admitted: the gate is full. On leaving,
    the pushes are let through and their answers are in the list."""
    answers: list[httpx.Response] = []
    with busy(hub) as release, ThreadPoolExecutor(QUEUE + 1) as pool:
        queued = [pool.submit(push, url, school) for _ in range(QUEUE + 1)]
        time.sleep(0.5)
        yield answers
        release.set()
        answers.extend(q.result(timeout=60) for q in queued)


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def read_until_close(s: socket.socket, timeout: float) -> tuple[bytes, bool]:
    """What the server sent, and whether it closed the connection within `timeout`."""
    s.settimeout(timeout)
    out = b""
    try:
        while chunk := s.recv(65536):
            out += chunk
    except TimeoutError:
        return out, False
    except ConnectionResetError:
        pass
    return out, True


def statuses(reply: bytes) -> list[int]:
    return [int(part[:3]) for part in reply.split(b"HTTP/1.1 ")[1:] if part[:3].isdigit()]


def queue_depth() -> float:
    return REGISTRY.get_sample_value("ketenhub_queue_depth") or 0.0


def signed_request(school: Credentials, base_url: str, method: str = "POST") -> httpx.Request:
    body = json.dumps(melding_body(new_bsn())).encode() if method == "POST" else b""
    path = "/v1/verzuimmeldingen" if method == "POST" else "/v1/ik"
    request = httpx.Request(method, f"{base_url}{path}", content=body, headers={"content-type": "application/json"})
    return next(school.auth().auth_flow(request))


# --- findings ---------------------------------------------------------------------------------


def test_unsigned_slow_bodies_cannot_fill_the_gate_and_lock_out_signed_parties(hub: Hub, school: Credentials) -> None:
    with served_in_process(create_app(hub)) as url:
        attackers = []
        try:
            for _ in range(hub.threads.count + QUEUE):  # capacity, nothing signed, no key needed
                s = socket.create_connection(("127.0.0.1", port_of(url)))
                s.sendall(
                    b"POST /v1/verzuimmeldingen HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1000\r\n\r\n{"
                )
                attackers.append(s)
            time.sleep(0.3)
            before = table_counts(hub)
            r = push(url, school)
        finally:
            for s in attackers:
                s.close()
    assert r.status_code == 201, f"a signed party got {r.status_code} while unsigned slow bodies held the gate"
    assert table_counts(hub) != before


def test_an_unread_body_outside_v1_cannot_hold_the_socket(hub: Hub) -> None:
    with served_in_process(create_app(hub)) as url, socket.create_connection(("127.0.0.1", port_of(url))) as s:
        s.sendall(b"POST /health/live HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        s.settimeout(5)
        assert s.recv(65536).startswith(b"HTTP/1.1 405 ")  # answered without reading the body
        s.sendall(b"x")  # one byte of the body, then silence
        _, closed = read_until_close(s, DEADLINE + KEEP_ALIVE + SLACK)
    assert closed, f"the connection was still open {DEADLINE + KEEP_ALIVE + SLACK} s after its last byte"


def test_a_second_head_in_the_same_packet_is_bounded_too(hub: Hub) -> None:
    big = b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\nConnection: close\r\n\r\n"
    with served_in_process(create_app(hub)) as url, socket.create_connection(("127.0.0.1", port_of(url))) as s:
        s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n" + big)  # one write, one packet on loopback
        reply, _ = read_until_close(s, 5)
    assert statuses(reply)[:1] == [200]
    assert statuses(reply)[1:] in ([], [431]), f"a 40 KiB head was answered {statuses(reply)[1:]}"


def test_a_door_503_to_head_carries_no_body(hub: Hub, school: Credentials) -> None:
    with (
        served_in_process(create_app(hub)) as url,
        full_gate(url, hub, school),
        socket.create_connection(("127.0.0.1", port_of(url))) as s,
    ):
        s.sendall(b"HEAD /v1/ik HTTP/1.1\r\nHost: x\r\n\r\n")
        reply, _ = read_until_close(s, 1)
    head, _, rest = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 "), reply[:100]
    assert rest == b"", f"{len(rest)} bytes of body after the head of a response to HEAD: {rest[:60]!r}"


def test_a_door_503_before_an_expected_body_does_not_swallow_the_next_request(hub: Hub, school: Credentials) -> None:
    with served_in_process(create_app(hub)) as url, socket.create_connection(("127.0.0.1", port_of(url))) as s:
        with full_gate(url, hub, school):
            s.sendall(
                b"POST /v1/verzuimmeldingen HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Expect: 100-continue\r\nContent-Length: 500\r\n\r\n"
            )
            s.settimeout(5)
            first = s.recv(65536)
        assert first.startswith(b"HTTP/1.1 503 ")
        if b"connection: close" in first.lower():
            return  # the server said it would not read on: the client opens a new connection
        s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")  # the body is not sent
        reply, _ = read_until_close(s, DEADLINE + SLACK)
    assert statuses(reply) == [200], f"the next request on the connection got {reply[:80]!r}"


def test_replays_of_a_captured_request_spend_none_of_the_partys_tokens(database_url: str, tmp_path: Path) -> None:
    limits = {**DEFAULT_RATE_LIMITS, "school": RateLimit(rate=0.01, burst=5)}
    h = build_hub(settings_for(database_url, tmp_path / "var", rate_limits=limits))
    try:
        school = register_org(h, Role.SCHOOL, "12AB00")
        client = TestClient(create_app(h), raise_server_exceptions=False)
        captured = signed_request(school, "http://testserver", "GET")
        replay = {"headers": dict(captured.headers)}
        assert client.get("/v1/ik", **replay).status_code == 200  # the party's own request
        refusals = [client.get("/v1/ik", **replay) for _ in range(10)]  # an eavesdropper's replays
        assert {r.status_code for r in refusals} <= {401, 429}
        with httpx.Client(transport=client._transport, base_url="http://testserver", auth=school.auth()) as party:
            answers = [party.get("/v1/ik").status_code for _ in range(4)]
    finally:
        h.close()
    assert answers == [200] * 4, f"the party's own fresh requests got {answers} after replays by someone else"


def test_a_problem_document_does_not_echo_an_unknown_key_id(hub: Hub) -> None:
    client = TestClient(create_app(hub), raise_server_exceptions=False)
    planted = "ZZ-planted-<b>text</b>-123456789"
    r = client.get(
        "/v1/ik",
        headers={
            "Signature-Input": f'hub=("@method" "@target-uri");keyid="{planted}";created={int(time.time())};'
            'nonce="abcdefghijkl"',
            "Signature": "hub=:" + "A" * 86 + "==:",
        },
    )
    assert r.status_code == 401
    assert planted not in r.text, r.text


# --- defences that held -----------------------------------------------------------------------


def test_encoded_and_absolute_form_v1_targets_are_shed_too_and_the_gate_does_not_leak(
    hub: Hub, school: Credentials
) -> None:
    """Targets the door's byte prefix misses are still refused by admission; after door sheds,
    pipelined requests, bodies cut off, a stalled body (408), a too-large one (413) and a client
    that left, the gate is empty again and a push goes through."""
    depth = queue_depth()
    with served_in_process(create_app(hub)) as url:
        port = port_of(url)
        with full_gate(url, hub, school) as admitted:
            for target in (b"http://x/v1/ik", b"/%761/ik", b"/v1/%69k", b"/v1//ik"):
                with socket.create_connection(("127.0.0.1", port)) as s:
                    s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    reply, _ = read_until_close(s, 5)
                assert statuses(reply) in ([503], [404]), (target, reply[:120])
            with socket.create_connection(("127.0.0.1", port)) as s:  # shed at the door, then gone mid-body
                s.sendall(b"POST /v1/verzuimmeldingen HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{")
                s.settimeout(5)
                assert s.recv(65536).startswith(b"HTTP/1.1 503 ")
        assert [r.status_code for r in admitted] == [201] * (QUEUE + 1)
        for raw, wait in (
            (b"POST /v1/verzuimmeldingen HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{", 0.0),  # leaves
            (b"POST /v1/verzuimmeldingen HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{", 4.0),  # 408
            (b"POST /v1/verzuimmeldingen HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n", 2.0),  # 413
            (b"GET /v1/ik HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/ik HTTP/1.1\r\nHost: x\r\n\r\n", 2.0),  # pipelined
            (b"POST /v1/ik HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{}", 0.0),  # chunked, cut
        ):
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(raw)
                if wait:
                    read_until_close(s, wait)
        with busy(hub), ThreadPoolExecutor(1) as pool:  # a client that leaves while its push waits
            gone = pool.submit(push, url, school, 0.3)
            with pytest.raises(httpx.ReadTimeout):
                gone.result(timeout=10)
            time.sleep(0.2)
        deadline = time.monotonic() + 5
        while queue_depth() != depth and time.monotonic() < deadline:
            time.sleep(0.05)
        assert queue_depth() == depth, "the gate's in-flight count leaked"
        assert push(url, school).status_code == 201


def test_a_request_refused_with_503_runs_once_when_replayed(hub: Hub, school: Credentials) -> None:
    """A push shed at the door left its nonce unused: sent again it is done once, and a third time
    it is a replay, so a 503 cannot be turned into two executions."""
    with served_in_process(create_app(hub)) as url:
        signed = signed_request(school, url)
        with full_gate(url, hub, school), httpx.Client(timeout=10) as raw:
            assert raw.send(signed).status_code == 503
        before = table_counts(hub)
        with httpx.Client(timeout=10) as raw:
            assert raw.send(signed).status_code == 201
            again = raw.send(signed)
        assert again.status_code == 401 and again.json()["type"].endswith("/nonce_replayed")
        assert table_counts(hub)["hub_directory"] - before["hub_directory"] == 1


def test_a_head_over_16_kib_split_over_packets_is_a_431_and_a_straddling_terminator_is_fine(hub: Hub) -> None:
    with served_in_process(create_app(hub)) as url:
        port = port_of(url)
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
            try:
                for _ in range(20):  # 20 packets of 1 KiB header lines
                    s.sendall(b"X-Pad: " + b"a" * 1017 + b"\r\n")
                    time.sleep(0.01)
                s.sendall(b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the rest was sent
            reply, _ = read_until_close(s, 5)
        assert statuses(reply) == [431], reply[:120]
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r")
            time.sleep(0.1)
            s.sendall(b"\n")
            reply, _ = read_until_close(s, 5)
        assert statuses(reply) == [200], reply[:120]
        with socket.create_connection(("127.0.0.1", port)) as s:  # an Upgrade does not switch the bound off
            s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
            time.sleep(0.2)
            s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n")
            reply, _ = read_until_close(s, 5)
        assert statuses(reply) == [200, 431], reply[:200]


def test_a_door_503_holds_no_socket_past_the_head_deadline(hub: Hub, school: Credentials) -> None:
    """Shed at the door with keep-alive: the connection closes at the head deadline if nothing more comes."""
    with (
        served_in_process(create_app(hub)) as url,
        full_gate(url, hub, school),
        socket.create_connection(("127.0.0.1", port_of(url))) as s,
    ):
        started = time.monotonic()
        s.sendall(b"GET /v1/ik HTTP/1.1\r\nHost: x\r\n\r\n")
        reply, closed = read_until_close(s, DEADLINE + SLACK + 1)
        seconds = time.monotonic() - started
    assert statuses(reply) == [503] and closed, reply[:120]
    assert seconds < DEADLINE + SLACK, f"held {seconds:.2f} s"


def test_metrics_hold_no_path_id_key_id_or_bsn(hub: Hub, school: Credentials) -> None:
    client = TestClient(create_app(hub), raise_server_exceptions=False)
    bsn = new_bsn()
    marker = "c0ffee" + os.urandom(4).hex()
    with httpx.Client(transport=client._transport, base_url="http://testserver", auth=school.auth()) as signed:
        signed.get(f"/v1/verzuimmeldingen/{marker}")
        signed.post(f"/v1/verzuimmeldingen/{marker}/correcties", json={"bsn": bsn})
        signed.get(f"/v1/leerplicht/{bsn}/meldingen", params={"na": marker})
    client.get(f"/{bsn}/{marker}")
    client.request("PROPFIND", f"/v1/{marker}")
    text = exposition(lambda: (0, None)).decode()
    for secret in (bsn, marker, school.key_id, school.key_id.split("#")[0]):
        assert secret not in text, f"{secret} is in /metrics"


def test_metrics_ignore_forwarded_headers_from_an_untrusted_peer(hub: Hub) -> None:
    """127.0.0.2 is loopback but not uvicorn's trusted proxy: its X-Forwarded-For naming an allowed
    address is ignored, and 127.0.0.2 is not in HUB_METRICS_NETWORKS' default 127.0.0.1/32."""
    with served_in_process(create_app(hub)) as url:
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(transport=transport, base_url=url, timeout=10) as outsider:
            for spoof in (
                {"X-Forwarded-For": "127.0.0.1"},
                {"Forwarded": "for=127.0.0.1"},
                {"X-Real-IP": "127.0.0.1"},
                {"X-Forwarded-For": "127.0.0.1, 127.0.0.1"},
            ):
                r = outsider.get("/metrics", headers=spoof)
                assert r.status_code == 403, (spoof, r.status_code)
        assert httpx.get(f"{url}/metrics", timeout=10).status_code == 200  # the baseline: loopback reads it


def test_the_request_id_is_never_the_clients(hub: Hub) -> None:
    client = TestClient(create_app(hub), raise_server_exceptions=False)
    r = client.get("/v1/ik", headers={"X-Request-Id": "attacker-chosen", "traceparent": "00-x-y-01"})
    assert r.status_code == 401
    assert r.headers["x-request-id"] != "attacker-chosen" and "attacker-chosen" not in r.text
    assert r.json()["instance"] == f"urn:uuid:{uuid.UUID(hex=r.headers['x-request-id'])}"


@pytest.mark.parametrize(
    "component",
    ['"@authority"', '"@query-param";name="x"', '"x-missing"', '"@status"', '"x-a";sf', '"x-a";key="k"', '"@foo"'],
)
def test_odd_covered_components_are_a_401_not_a_500(hub: Hub, school: Credentials, component: str) -> None:
    client = TestClient(create_app(hub), raise_server_exceptions=False)
    r = client.get(
        "/v1/ik?y=1",
        headers={
            "Host": "[",
            "x-a": "a=(b",
            "Signature-Input": f'hub=("@method" "@target-uri" {component});keyid="{school.key_id}";'
            f'created={int(time.time())};nonce="n{os.urandom(6).hex()}"',
            "Signature": "hub=:" + "A" * 86 + "==:",
        },
    )
    assert r.status_code == 401, r.text[:200]
