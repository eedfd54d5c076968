"""Shed load instead of collapsing (issue 20, part 2): a bounded queue per worker, work that waited
too long not started, and nothing done for a client that has gone.

Real clients over TCP against uvicorn with the hub's protocol, in this process so that the test
can hold the store threads busy (the state of a hub at its limit) and then let them go. Each test
asserts the status and its bound, and that the refused work wrote nothing while the admitted work
was all stored.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from domain.parties import Role
from hub.admission import OVERLOAD_RETRY_AFTER
from hub.app import create_app
from hub.container import Hub, build_hub
from hub.server import header_timeout
from tests.hub.helpers import melding_body, new_bsn
from tests.reliability.helpers import (
    Credentials,
    assert_problem,
    busy,
    register_org,
    served_in_process,
    settings_for,
    table_counts,
)

QUEUE = 2
AT_ONCE = 0.5  # seconds: "at once", with room for a loaded machine


@contextmanager
def one_thread_hub(database_url: str, var: Path, queue_wait_ms: int) -> Iterator[Hub]:
    h = build_hub(settings_for(database_url, var, store_threads=1, queue_limit=QUEUE, queue_wait_ms=queue_wait_ms))
    try:
        yield h
    finally:
        h.close()


@pytest.fixture
def hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    """A store thread, QUEUE places, and 300 ms of patience."""
    with one_thread_hub(database_url, tmp_path / "var", 300) as h:
        yield h


@pytest.fixture
def patient_hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    """As `hub`, but waiting 30 s: for tests of the queue's bound and of a client leaving."""
    with one_thread_hub(database_url, tmp_path / "var", 30_000) as h:
        yield h


@pytest.fixture
def school(hub: Hub) -> Credentials:
    return register_org(hub, Role.SCHOOL, "12AB00")


@pytest.fixture
def patient_school(patient_hub: Hub) -> Credentials:
    return register_org(patient_hub, Role.SCHOOL, "12AB00")


def push(base_url: str, school: Credentials, timeout: float = 30) -> tuple[httpx.Response, float]:
    with httpx.Client(base_url=base_url, auth=school.auth(), timeout=timeout) as client:
        started = time.perf_counter()
        r = client.post("/v1/verzuimmeldingen", json=melding_body(new_bsn()))
        return r, time.perf_counter() - started


def wait_until_full(capacity: int = QUEUE + 1) -> None:
    """Until the admitted requests fill the gate (a loaded machine may take a while to send them)."""
    deadline = time.monotonic() + 15
    while (REGISTRY.get_sample_value("ketenhub_queue_depth") or 0) < capacity:
        assert time.monotonic() < deadline, "the queued requests never filled the gate"
        time.sleep(0.05)


def shed(reden: str) -> float:
    return REGISTRY.get_sample_value("ketenhub_shed_total", {"reden": reden}) or 0.0


def test_a_full_queue_is_a_503_at_once_and_the_queued_work_is_done(
    patient_hub: Hub, patient_school: Credentials, figures: Any
) -> None:
    """Capacity is the store thread and QUEUE waiting; the next request is refused before its body is read."""
    hub, school = patient_hub, patient_school
    with served_in_process(create_app(hub)) as url:
        before = table_counts(hub)
        shed_before = shed("vol")
        with busy(hub) as release, ThreadPoolExecutor(QUEUE + 1) as pool:
            queued = [pool.submit(push, url, school) for _ in range(QUEUE + 1)]
            wait_until_full()  # all admitted and waiting for the store thread
            refused, seconds = push(url, school)
            assert_problem(refused, 503)
            assert refused.json()["type"].endswith("/overbelast")
            assert int(refused.headers["retry-after"]) == OVERLOAD_RETRY_AFTER
            assert "x-request-id" not in refused.headers  # turned away by the server protocol, before the app
            assert seconds < AT_ONCE, f"refused after {seconds:.2f} s"
            release.set()
            answers = [q.result(timeout=60)[0] for q in queued]
    assert sorted(r.status_code for r in answers) == [201] * (QUEUE + 1), [r.text[:200] for r in answers]
    after = table_counts(hub)
    assert after["hub_directory"] - before["hub_directory"] == QUEUE + 1  # the refused one wrote nothing
    assert shed("vol") - shed_before == 1
    backend = hub.store.db.dialect
    figures.record(f"load.{backend}.admitted", f"{backend}: requests admitted at capacity, all stored", QUEUE + 1)
    figures.record(f"load.{backend}.bound", f"{backend}: bound on the 503 beyond capacity (s)", AT_ONCE)
    figures.record(f"load.{backend}.slowest", f"{backend}: that 503's latency (s)", round(seconds, 3))


def test_work_that_waited_past_the_bound_is_a_503_and_never_started(hub: Hub, school: Credentials) -> None:
    """HUB_QUEUE_WAIT_MS (300 here): the caller hears within it, not after the thread is free."""
    with served_in_process(create_app(hub)) as url:
        before = table_counts(hub)
        with busy(hub):
            refused, seconds = push(url, school)
            time.sleep(0.3)
        time.sleep(0.3)  # the thread is free again: had the work been queued still, it would run now
        assert_problem(refused, 503)
        assert refused.json()["type"].endswith("/overbelast") and "retry-after" in refused.headers
        assert 0.3 <= seconds < 0.3 + AT_ONCE, f"answered after {seconds:.2f} s"
        assert table_counts(hub) == before
        r, _ = push(url, school)
        assert r.status_code == 201, r.text


def test_a_request_whose_client_left_is_not_started(patient_hub: Hub, patient_school: Credentials) -> None:
    """The client gives up while its push waits; when the thread frees, the push is dropped, not committed."""
    hub, school = patient_hub, patient_school
    with served_in_process(create_app(hub)) as url:
        before = table_counts(hub)
        gone_before = shed("client-weg")
        with busy(hub):
            with pytest.raises(httpx.ReadTimeout):
                push(url, school, timeout=0.5)
            time.sleep(0.2)  # the server sees the connection close
        deadline = time.monotonic() + 10
        while shed("client-weg") == gone_before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert shed("client-weg") - gone_before == 1
        assert table_counts(hub) == before, "a push whose client had left was committed"
        r, _ = push(url, school)
        assert r.status_code == 201, r.text


def test_a_request_turned_away_at_the_door_cannot_hold_its_connection_with_a_slow_body(
    patient_hub: Hub, patient_school: Credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The door answers 503 from the head alone; a body that then trickles in is not waited for
    past the head's deadline (1 s here), so a flood of slow bodies cannot hold the sockets."""
    hub, school = patient_hub, patient_school
    monkeypatch.setenv("HUB_HEADER_TIMEOUT_SECONDS", "1")
    header_timeout.cache_clear()
    try:
        with served_in_process(create_app(hub)) as url, busy(hub), ThreadPoolExecutor(QUEUE + 1) as pool:
            queued = [pool.submit(push, url, school) for _ in range(QUEUE + 1)]
            wait_until_full()
            port = int(url.rsplit(":", 1)[1])
            head = b"POST /v1/verzuimmeldingen HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                started = time.monotonic()
                s.sendall(head + b"Content-Length: 100\r\n\r\n{")
                answer = b""
                while chunk := s.recv(65536):
                    answer += chunk
                closed_after = time.monotonic() - started
        assert [q.result(timeout=60)[0].status_code for q in queued] == [201] * (QUEUE + 1)
    finally:
        header_timeout.cache_clear()
    assert answer.startswith(b"HTTP/1.1 503 ") and b"overbelast" in answer
    assert closed_after < 1 + AT_ONCE + 1, f"the connection was held {closed_after:.2f} s"
