"""Header smuggling against the real server (uvicorn), which a TestClient cannot express.

Each request is a correctly signed push with one framing or header defect: duplicate or
malformed Content-Length, Content-Length together with Transfer-Encoding, bare CR or LF,
NUL, obs-fold, oversized headers, a second request hidden in the body. Each must be refused
(4xx), at most one answer may come back on the connection, and nothing may be written.
uvicorn refuses broken framing itself, before the app, with a plain-text 400: those
answers cannot be problem+json, every answer from the app must be.
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.hub.helpers import melding_body
from tests.reliability.helpers import (
    PROBLEM_JSON,
    Credentials,
    events_table,
    live_hub,
    settings_for,
    table_counts,
)


def signed_push(creds: Credentials, base_url: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """The request line target, headers and body of a valid signed push (as the client would send it)."""
    body = json.dumps(melding_body()).encode()
    request = httpx.Request(
        "POST", f"{base_url}/v1/verzuimmeldingen", content=body, headers={"content-type": "application/json"}
    )
    signed = next(creds.auth().auth_flow(request))
    headers = [(k, v) for k, v in signed.headers.items() if k.lower() not in ("content-length", "host")]
    return "/v1/verzuimmeldingen", headers, body


def frame(target: str, headers: list[tuple[str, str]], body: bytes, host: str, extra: str = "") -> bytes:
    lines = [f"POST {target} HTTP/1.1", f"Host: {host}", *[f"{k}: {v}" for k, v in headers]]
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode("latin-1") + body


SECOND = b"GET /v1/ik HTTP/1.1\r\nHost: x\r\n\r\n"


def chunked(body: bytes) -> bytes:
    return f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"


CASES: dict[str, Callable[[str, list[tuple[str, str]], bytes, str], bytes]] = {
    "duplicate content-length": lambda t, h, b, host: frame(
        t, h, b, host, f"Content-Length: {len(b)}\r\nContent-Length: {len(b) + 30}\r\n"
    ),
    "negative content-length": lambda t, h, b, host: frame(t, h, b, host, "Content-Length: -1\r\n"),
    "content-length 1e3": lambda t, h, b, host: frame(t, h, b, host, "Content-Length: 1e3\r\n"),
    "content-length plus": lambda t, h, b, host: frame(t, h, b, host, f"Content-Length: +{len(b)}\r\n"),
    "CL.TE with hidden request": lambda t, h, b, host: frame(
        t, h, chunked(b) + SECOND, host, f"Content-Length: {len(b) + 10}\r\nTransfer-Encoding: chunked\r\n"
    ),
    "TE.CL with hidden request": lambda t, h, b, host: frame(
        t, h, chunked(b) + SECOND, host, f"Transfer-Encoding: chunked\r\nContent-Length: {len(b)}\r\n"
    ),
    "transfer-encoding xchunked": lambda t, h, b, host: frame(
        t, h, chunked(b), host, "Transfer-Encoding: xchunked\r\n"
    ),
    "transfer-encoding chunked, identity": lambda t, h, b, host: frame(
        t, h, chunked(b), host, "Transfer-Encoding: chunked, identity\r\n"
    ),
    "space before colon": lambda t, h, b, host: frame(t, h, b, host, f"Content-Length : {len(b)}\r\n"),
    "bare CR in a header value": lambda t, h, b, host: frame(
        t, h, b, host, f"Content-Length: {len(b)}\r\nX-Injected: a\rContent-Length: 0\r\n"
    ),
    "bare LF in a header value": lambda t, h, b, host: frame(
        t, h, b, host, f"Content-Length: {len(b)}\r\nX-Injected: a\nContent-Length: 0\r\n"
    ),
    "NUL in a header value": lambda t, h, b, host: frame(
        t, h, b, host, f"Content-Length: {len(b)}\r\nX-Injected: a\0b\r\n"
    ),
    "huge header": lambda t, h, b, host: frame(
        t, h, b, host, f"Content-Length: {len(b)}\r\nX-Big: {'a' * 200_000}\r\n"
    ),
    "body longer than declared, hidden request": lambda t, h, b, host: frame(
        t, h, b + SECOND, host, f"Content-Length: {len(b)}\r\nContent-Length: {len(b) + len(SECOND)}\r\n"
    ),
}


# Framings RFC 9110/9112 let a server accept, as long as it reads them one way: identical
# Content-Length values in a list (§8.6), obs-fold replaced by a space (RFC 9112 §5.2).
LENIENT: dict[str, Callable[[str, list[tuple[str, str]], bytes, str], bytes]] = {
    "content-length list": lambda t, h, b, host: frame(t, h, b, host, f"Content-Length: {len(b)}, {len(b)}\r\n"),
    "obs-fold": lambda t, h, b, host: frame(t, h, b, host, f"Content-Length: {len(b)}\r\nX-Folded: a\r\n b\r\n"),
}


def exchange(port: int, raw: bytes, timeout: float = 2.0) -> bytes:
    """Send raw bytes, read until the server closes or goes quiet."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        with contextlib.suppress(OSError):  # the server may close before it has read everything
            s.sendall(raw)
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)


def statuses(reply: bytes) -> list[tuple[int, str]]:
    """(status, content-type) of each response in the reply."""
    found = []
    for part in reply.split(b"HTTP/1.1 ")[1:]:
        head = part.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        ctype = next(
            (ln.split(":", 1)[1].strip() for ln in head.split("\r\n")[1:] if ln.lower().startswith("content-type:")), ""
        )
        found.append((int(head[:3]), ctype))
    return found


@pytest.fixture
def database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/hub.sqlite"  # framing is the server's, whatever the backend


@pytest.fixture
def live(database_url: str, tmp_path: Path):
    with live_hub(settings_for(database_url, tmp_path / "var"), tmp_path) as running:
        yield running


def test_a_correct_raw_push_is_accepted(live) -> None:
    """The baseline: the same framing without a defect writes, so a refusal below is the defect's."""
    server, _hub, creds = live
    target, headers, body = signed_push(creds, server.base_url)
    reply = exchange(
        server.port,
        frame(
            target, headers, body, f"127.0.0.1:{server.port}", f"Content-Length: {len(body)}\r\nConnection: close\r\n"
        ),
    )
    assert [s for s, _ in statuses(reply)] == [201], reply[:300]


def test_smuggling_is_refused_and_writes_nothing(live, figures) -> None:
    server, hub, creds = live
    failures = []
    for name, make in CASES.items():
        target, headers, body = signed_push(creds, server.base_url)
        before = table_counts(hub)
        reply = exchange(server.port, make(target, headers, body, f"127.0.0.1:{server.port}"))
        after = table_counts(hub)
        answers = statuses(reply)
        refused = len(answers) == 1 and 400 <= answers[0][0] < 500
        from_app = answers and answers[0][1] != "text/plain; charset=utf-8"
        if not refused or before != after or (from_app and not answers[0][1].startswith(PROBLEM_JSON)):
            failures.append(f"{name}: answers={answers} written={before != after} {reply[:200]!r}")
    assert server.proc is not None and server.proc.poll() is None, "the server died"
    figures.record("hostile.smuggling", "header-smuggling requests tried on the real server (uvicorn)", len(CASES))
    assert not failures, "\n".join(failures)


def test_lenient_framings_are_read_one_way(live) -> None:
    server, hub, creds = live
    for name, make in LENIENT.items():
        target, headers, body = signed_push(creds, server.base_url)
        before = table_counts(hub)[events_table(hub)]
        answers = statuses(exchange(server.port, make(target, headers, body, f"127.0.0.1:{server.port}")))
        written = table_counts(hub)[events_table(hub)] - before
        assert len(answers) == 1, f"{name}: {answers}"
        assert written == (1 if answers[0][0] == 201 else 0), f"{name}: {answers} but {written} written"
