"""Admission: a bounded queue per worker, a body read in bounded time, and only UTF-8 JSON bodies.

Under overload a hub that queues without bound only answers later, until every caller has given
up and the work it still does is for nobody. So each worker holds at most `capacity` signed
requests whose body has arrived: the next one is answered 503 at once. A body is read whole within
`body_timeout` (a slow sender gets 408 and the connection closes) before its request takes a
place, and from then on a watcher notes on the request's `Ticket` when the client goes away; `StoreThreads`
looks at it before it starts the request's work, so a request whose caller left is never committed.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

import structlog
from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub import metrics
from hub.problems import problem_response

OVERLOAD_RETRY_AFTER = 1  # seconds: a queue drains in well under that at any sustainable rate
GATE = "ketenhub.admission"  # the gate's key in the lifespan state, where the server protocol finds it
log = structlog.get_logger("hub.admission")
_TICKET: ContextVar[Ticket | None] = ContextVar("ketenhub_admission_ticket", default=None)
_JSON_TYPES = ("application/json",)


class Overloaded(Exception):
    """The request waited too long for a store thread; it is answered 503, not started."""


class ClientGone(Exception):
    """The caller closed the connection before its request was started; nobody waits for it."""


class Ticket:
    """An admitted request, as its store-thread work sees it: whether its client has gone, and
    whether its work has started (after which it is not turned away for waiting)."""

    def __init__(self) -> None:
        self.gone = threading.Event()
        self.started = False


def ticket() -> Ticket | None:
    """The admission ticket of the request being handled in this context (None outside a request)."""
    return _TICKET.get()


@contextmanager
def holding(admitted: Ticket) -> Iterator[Ticket]:
    """Handle a request under `admitted`: its store-thread work sees it (hub/threads.py)."""
    token = _TICKET.set(admitted)
    try:
        yield admitted
    finally:
        _TICKET.reset(token)


def overloaded_response(detail: str) -> Response:
    return problem_response(503, "overbelast", detail, retry_after=OVERLOAD_RETRY_AFTER)


def install(app: FastAPI) -> None:
    """Answer work that was not started: 503 when it waited too long, 499 when its caller left."""

    @app.exception_handler(Overloaded)
    async def _overloaded(_: Request, exc: Overloaded) -> Response:
        metrics.SHED.labels("wachttijd").inc()
        return overloaded_response(f"the hub is overloaded ({exc}); nothing was done")

    @app.exception_handler(ClientGone)
    async def _gone(_: Request, exc: ClientGone) -> Response:
        metrics.SHED.labels("client-weg").inc()
        # Never delivered (the connection is closed); the status is for the log and the metrics.
        return problem_response(499, "client-weg", "the client closed the connection; nothing was done")


class Gate:
    """How many signed requests a worker holds; shared by the middleware and the server protocol
    (hub/server.py), which turns requests away at the door while the gate is full."""

    def __init__(self, capacity: int, prefix: str = "/v1/") -> None:
        self.capacity = capacity
        self.prefix = prefix
        self.in_flight = 0
        self._shed_since_warning = 0
        self._warned_at = 0.0

    def full(self) -> bool:
        return self.in_flight >= self.capacity

    def enter(self) -> None:
        self.in_flight += 1
        metrics.QUEUE.inc()

    def leave(self) -> None:
        self.in_flight -= 1
        metrics.QUEUE.dec()

    def shed(self) -> None:
        """Count a request turned away at capacity; warn at most once a second, not per request."""
        metrics.SHED.labels("vol").inc()
        self._shed_since_warning += 1
        now = time.monotonic()
        if now - self._warned_at >= 1:
            log.warning("shedding", turned_away=self._shed_since_warning, capacity=self.capacity)
            self._warned_at, self._shed_since_warning = now, 0


class Admission:
    """ASGI middleware over the signed routes: bounded in-flight count, whole body, JSON only."""

    def __init__(self, app: ASGIApp, *, gate: Gate, body_timeout: float) -> None:
        self.app = app
        self.gate = gate
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gate = self.gate
        if scope["type"] != "http" or not scope["path"].startswith(gate.prefix):
            await self.app(scope, receive, send)
            return
        if await self._turned_away(scope, receive, send):
            return
        # The body is read before the request takes a place: a client that sends it slowly
        # (or never) holds a socket until the deadline, never a place other parties need.
        try:
            body = await asyncio.wait_for(_read_body(receive), self.body_timeout)
        except TimeoutError:
            answer = problem_response(
                408, "te-traag", f"the body did not arrive within {self.body_timeout:g} s", close=True
            )
            await answer(scope, receive, send)
            return
        if body is None:  # the client left while sending: there is nobody to answer
            return
        refusal = body_refusal(scope, body)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if await self._turned_away(scope, receive, send):
            return
        gate.enter()
        try:
            await self._admitted(scope, receive, send, body)
        finally:
            gate.leave()

    async def _turned_away(self, scope: Scope, receive: Receive, send: Send) -> bool:
        # What the server protocol did not turn away at the door (a test client, a pipelined
        # request, a target it does not recognise as signed, or a gate that filled meanwhile).
        if not self.gate.full():
            return False
        self.gate.shed()
        await overloaded_response(f"the hub is at capacity ({self.gate.capacity} requests waiting)")(
            scope, receive, send
        )
        return True

    async def _admitted(self, scope: Scope, receive: Receive, send: Send, body: bytes) -> None:
        with holding(Ticket()) as admitted:
            watcher = asyncio.ensure_future(_watch(receive, admitted.gone))
            try:
                await self.app(scope, _replay(body, watcher), send)
            finally:
                watcher.cancel()
                with suppress(asyncio.CancelledError):
                    await watcher


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _watch(receive: Receive, gone: threading.Event) -> Message:
    # After the whole body, the server's next message is the disconnect: of the client, or the
    # one it sends once the response is complete (which no work waits for any more).
    message = await receive()
    if message["type"] == "http.disconnect":
        gone.set()
    return message


def _replay(body: bytes, watcher: asyncio.Future[Message]) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await asyncio.shield(watcher)

    return receive


def body_refusal(scope: Scope, body: bytes) -> Response | None:
    """415 for a body that is not JSON, 400 for one that is not UTF-8 (RFC 8259 §8.1)."""
    if not body:
        return None
    headers = dict(scope.get("headers", []))
    media_type, _, params = headers.get(b"content-type", b"").decode("latin-1").partition(";")
    charset = next(
        (v for k, _, v in (p.strip().partition("=") for p in params.split(";")) if k.lower() == "charset"), ""
    )
    if media_type.strip().lower() not in _JSON_TYPES or charset.strip('"').lower() not in ("", "utf-8"):
        return problem_response(415, "geen-json", "send the body as application/json in UTF-8")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return problem_response(400, "geen-utf8", "the body is not UTF-8; JSON between systems is UTF-8 (RFC 8259)")
    return None
