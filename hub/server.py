"""The HTTP/1.1 server under the app: uvicorn's httptools protocol (llhttp, in C), with a deadline
for the request head, a bound on its size, problem+json for what the parser refuses, and load
shed before any Python of the app runs.

uvicorn closes an idle keep-alive connection but not one that sends its head a byte at a time, nor
a new connection that sends nothing; a few hundred such clients would hold every socket. Here the
head of each request must be complete within HUB_HEADER_TIMEOUT_SECONDS of the connection opening
or of the previous response; the body's deadline is admission's (hub/admission.py).

At ten times its sustainable rate a worker spends its one core on the requests it turns away: the
app's middleware, a log line and a JSON body cost several times what a refusal here costs, which
at 3,000 refusals a second leaves little for the pushes it accepts (docs/benchmarks.md, overload). So when admission's
gate is full, a signed request is answered here, as soon as its head is parsed, with bytes made
once: no scope, no task, no log line (a count in the metrics, and one warning a second).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import structlog
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from hub.admission import GATE, OVERLOAD_RETRY_AFTER, Gate
from hub.problems import PROBLEM_JSON, TITLES, problem_document
from infra.logging import configure
from infra.settings import Settings

MAX_HEAD_BYTES = 16 * 1024  # a request head larger than this is refused (431)
log = structlog.get_logger("hub.server")


@cache
def header_timeout() -> float:
    """Read once per process: uvicorn builds the protocol, not the app, for each connection."""
    return float(Settings().header_timeout_seconds)


def _raw_problem(status: int, type_: str, detail: str, *headers: str) -> bytes:
    body = json.dumps(problem_document(status, type_, detail)).encode()
    head = [f"HTTP/1.1 {status} {TITLES[status]}", f"content-type: {PROBLEM_JSON}", f"content-length: {len(body)}"]
    return ("\r\n".join([*head, *headers]) + "\r\n\r\n").encode("ascii") + body


_SHED = _raw_problem(
    503,
    "overbelast",
    "the hub is at capacity; nothing was done, retry after Retry-After seconds",
    f"retry-after: {OVERLOAD_RETRY_AFTER}",
)
_SHED_HEAD = _SHED[: _SHED.index(b"\r\n\r\n") + 4]  # a HEAD request is answered without the body
_SHED_CLOSING = _SHED_HEAD[:-2] + b"connection: close\r\n\r\n" + _SHED[len(_SHED_HEAD) :]


class HeadTooLarge(Exception):
    """Raised from a parser callback to stop parsing a head over MAX_HEAD_BYTES."""


class _Answered:
    """Stands in for the request/response cycle of a request answered by the protocol itself, so
    that uvicorn's callbacks drop the rest of its body and the next request starts as usual."""

    response_complete = True

    class message_event:
        @staticmethod
        def set() -> None:
            return None


_ANSWERED: Any = _Answered()


class HubProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, plus the head's deadline and size, problem+json refusals,
    and load shed at the door."""

    _head_timer: asyncio.TimerHandle | None = None
    _in_head = False  # between the first byte of a request and the end of its head
    _in_body = False  # between the end of a head and the end of its body
    _head_bytes = 0
    _parsed_head_bytes = 0
    _head_over_limit = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self._in_body and self._head_too_large(data):
            self._refuse(
                431, "kop-te-groot", f"the request head is larger than the hub accepts ({MAX_HEAD_BYTES} bytes)"
            )
            return
        super().data_received(data)

    def on_message_begin(self) -> None:
        self._in_head, self._parsed_head_bytes = True, 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _count_head(self, size: int) -> None:
        # A second head in the same packet as the first escapes the count of raw bytes below;
        # the parser's own count of this head does not.
        self._parsed_head_bytes += size
        if self._parsed_head_bytes > MAX_HEAD_BYTES:
            self._head_over_limit = True
            raise HeadTooLarge

    def on_headers_complete(self) -> None:
        self._in_head, self._in_body, self._head_bytes = False, True, 0
        if self._shed():
            return
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_body = False
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()

    def send_400_response(self, msg: str) -> None:
        if self._head_over_limit:  # raised from a parser callback, which the parser reports as an error
            self._refuse(
                431, "kop-te-groot", f"the request head is larger than the hub accepts ({MAX_HEAD_BYTES} bytes)"
            )
        else:
            self._refuse(400, "ongeldig-http", "the request is not valid HTTP (RFC 9112 framing)")

    def _head_too_large(self, data: bytes) -> bool:
        end = data.find(b"\r\n\r\n")
        self._head_bytes += len(data) if end == -1 else end
        too_large = self._head_bytes > MAX_HEAD_BYTES
        if end != -1:
            self._head_bytes = 0
        return too_large

    def _shed(self) -> bool:
        gate: Gate | None = self.app_state.get(GATE)
        if gate is None or not gate.full() or not self.url.startswith(gate.prefix.encode()):
            return False
        if self.cycle is not None and not self.cycle.response_complete:
            return False  # pipelined behind a request still running: uvicorn queues it, admission answers
        gate.shed()
        self.cycle = _ANSWERED
        if self.expect_100_continue or not self.parser.should_keep_alive():
            # The client waits for a 100 before it sends the body: what it sends next could be
            # read as that body, so this connection carries nothing more.
            self.transport.write(_SHED_CLOSING)
            self.transport.close()
            return True
        self.transport.write(_SHED_HEAD if self.parser.get_method() == b"HEAD" else _SHED)
        self._arm_head_timer()
        return True

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(header_timeout(), self._head_late)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_late(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._in_head:
            self._refuse(408, "te-traag", f"the request head did not arrive within {header_timeout():g} s")
        elif self._in_body and self.cycle is not None and self.cycle.response_complete:
            self.transport.close()  # a body that still trickles in after its answer: not worth waiting for
        elif not self._in_body and (self.cycle is None or self.cycle.response_complete):
            self.transport.close()  # a connection that asked nothing more: nobody to tell
        # otherwise a request is being served; its body has admission's deadline

    def _refuse(self, status: int, type_: str, detail: str) -> None:
        if self._in_head and self.cycle is not None and not self.cycle.response_complete:
            # This is the head of a later request, pipelined behind one still being answered: a
            # refusal now would arrive in its place. Read no more, and close once its answer is out.
            self.cycle.keep_alive = False
            self.flow.pause_reading()
            return
        # Written raw: the parser will not frame a response to a request it could not parse.
        self.transport.write(_raw_problem(status, type_, detail, "connection: close"))
        self.transport.close()


def run_server(settings: Settings, host: str, port: int, workers: int) -> None:
    """uvicorn with this protocol, its logging through ours (infra/logging.py), metrics summed over workers."""
    import uvicorn

    configure(settings.log_format, settings.log_level)
    if workers > 1:
        _metrics_dir(settings.var_dir / "metrics")
    uvicorn.run(
        "hub.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=HubProtocol,
        lifespan="on",
        log_config=None,
        access_log=False,
        log_level=settings.log_level.lower(),
    )


def _metrics_dir(path: Path) -> None:
    # prometheus-client's multiprocess files: emptied at each start (the old workers' counts are
    # gone with them), private like the rest of HUB_VAR_DIR.
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(mode=0o700, parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
