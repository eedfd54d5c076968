"""Connection hygiene (issue 20, part 3), against a real `hub serve` over raw sockets.

A head sent a byte at a time, a connection that never asks anything, a body that stalls: each is
closed within its deadline (HUB_HEADER_TIMEOUT_SECONDS, HUB_BODY_TIMEOUT_SECONDS, 1 s here), with
a 408 problem+json where there was a request to answer. What the parser refuses (a raw 0xFF in
the path, a head over 16 KiB) and a body that is not UTF-8 JSON are problem+json too, and none of
it writes a row.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.helpers import Server, live_hub, settings_for, table_counts

DEADLINE = 1  # seconds, both timeouts
SLACK = 1.5  # the answer's bound beyond the deadline on a loaded machine


@pytest.fixture
def live(database_url: str, tmp_path: Path, figures: Any) -> Iterator[tuple[Server, object]]:
    settings = settings_for(database_url, tmp_path / "var")
    timeouts = {"HUB_HEADER_TIMEOUT_SECONDS": str(DEADLINE), "HUB_BODY_TIMEOUT_SECONDS": str(DEADLINE)}
    with live_hub(settings, tmp_path, **timeouts) as (server, hub, _creds):
        before = table_counts(hub)
        yield server, hub
        assert table_counts(hub) == before, "a refused connection wrote a row"
    figures.add("load.hygiene", "hostile connections refused or closed in time, nothing written", 1)


def exchange(server: Server, *parts: bytes, pause: float = 0.0) -> tuple[bytes, float]:
    """Send the parts (pausing between them), then read until the server closes; the answer and
    the seconds from the first byte to the close."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE + 10) as s:
        started = time.monotonic()
        for part in parts:
            try:
                s.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and closed before the rest was sent
            time.sleep(pause)
        answer = b""
        try:
            while chunk := s.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
        return answer, time.monotonic() - started


def problem(answer: bytes, status: int) -> dict[str, object]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status} ".encode()), head[:200]
    assert b"content-type: application/problem+json" in head.lower(), head
    document = json.loads(body)
    assert document["status"] == status
    return document


def test_a_head_sent_a_byte_at_a_time_is_a_408_within_the_deadline(live) -> None:
    server, _ = live
    head = b"GET /health/live HTTP/1.1\r\nHost: hub\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"
    answer, seconds = exchange(server, *(head[i : i + 1] for i in range(len(head))), pause=0.02)
    assert problem(answer, 408)["type"].endswith("/te-traag")  # type: ignore[union-attr]
    assert DEADLINE <= seconds < DEADLINE + SLACK, f"closed after {seconds:.2f} s"


def test_a_connection_that_asks_nothing_is_closed(live) -> None:
    server, _ = live
    answer, seconds = exchange(server)
    assert answer == b""
    assert seconds < DEADLINE + SLACK, f"closed after {seconds:.2f} s"


def test_a_body_that_stalls_is_a_408_and_the_connection_closes(live) -> None:
    server, _ = live
    head = (
        b"POST /v1/verzuimmeldingen HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
        b"Content-Length: 200\r\n\r\n{"
    )
    answer, seconds = exchange(server, head)
    assert problem(answer, 408)["type"].endswith("/te-traag")  # type: ignore[union-attr]
    assert b"connection: close" in answer.lower()
    assert DEADLINE <= seconds < DEADLINE + SLACK, f"closed after {seconds:.2f} s"


@pytest.mark.parametrize("size", [20_000, 1024 * 1024])
def test_a_head_over_16_kib_is_a_431(live, size: int) -> None:
    server, _ = live
    answer, _ = exchange(server, b"GET /health/live HTTP/1.1\r\nHost: hub\r\nX-Big: " + b"a" * size + b"\r\n\r\n")
    assert problem(answer, 431)["type"].endswith("/kop-te-groot")  # type: ignore[union-attr]


def test_a_raw_0xff_in_the_path_is_a_400_problem(live) -> None:
    server, _ = live
    answer, _ = exchange(server, b"GET /v1/\xff HTTP/1.1\r\nHost: hub\r\n\r\n")
    assert problem(answer, 400)["type"].endswith("/ongeldig-http")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("content_type", "body", "status", "code"),
    [
        ("application/json", '{"leerling": {}}'.encode("utf-16"), 400, "geen-utf8"),
        ("application/json", b'{"naam": "caf\xe9"}', 400, "geen-utf8"),
        ("application/json; charset=latin-1", b'{"leerling": {}}', 415, "geen-json"),
        ("text/plain", b'{"leerling": {}}', 415, "geen-json"),
        ("application/x-www-form-urlencoded", b"leerling=1", 415, "geen-json"),
    ],
)
def test_a_body_that_is_not_utf8_json_is_refused(live, content_type: str, body: bytes, status: int, code: str) -> None:
    server, _ = live
    head = (
        f"POST /v1/verzuimmeldingen HTTP/1.1\r\nHost: hub\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    answer, _ = exchange(server, head + body)
    assert problem(answer, status)["type"].endswith(f"/{code}")  # type: ignore[union-attr]
