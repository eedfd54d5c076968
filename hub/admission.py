"""Admission: a bounded queue per worker, a body read in bounded time, and only UTF-8 JSON bodies.

Under overload a hub that queues without bound only answers later, until every caller has given
up and the work it still does is for nobody. So each worker holds at most `capacity` signed
requests: the next one is answered 503 at once, before its body is read. An admitted request's
body is read whole within `body_timeout` (a slow sender gets 408 and the connection closes), and
from then on a watcher notes when the client goes away; `StoreThreads` asks `client_gone()`
before it starts the request's work, so a request whose caller left is never committed.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import suppress
from contextvars import ContextVar

from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub import metrics
from hub.problems import problem_response

OVERLOAD_RETRY_AFTER = 1  # seconds: a queue drains in well under that at any sustainable rate
_GONE: ContextVar[threading.Event | None] = ContextVar("ketenhub_client_gone", default=None)
_JSON_TYPES = ("application/json",)


class Overloaded(Exception):
    """The request waited too long for a store thread; it is answered 503, not started."""


class ClientGone(Exception):
    """The caller closed the connection before its request was started; nobody waits for it."""


def client_gone() -> bool:
    """Whether the client of the request being handled (in this context) has gone away."""
    event = _GONE.get()
    return event is not None and event.is_set()


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


class Admission:
    """ASGI middleware over the signed routes: bounded in-flight count, whole body, JSON only."""

    def __init__(self, app: ASGIApp, *, capacity: int, body_timeout: float, prefix: str = "/v1/") -> None:
        self.app = app
        self.capacity = capacity
        self.body_timeout = body_timeout
        self.prefix = prefix
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.capacity:
            metrics.SHED.labels("vol").inc()
            await overloaded_response(f"the hub is at capacity ({self.capacity} requests waiting)")(
                scope, receive, send
            )
            return
        self.in_flight += 1
        metrics.QUEUE.inc()
        try:
            await self._admitted(scope, receive, send)
        finally:
            self.in_flight -= 1
            metrics.QUEUE.dec()

    async def _admitted(self, scope: Scope, receive: Receive, send: Send) -> None:
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
        gone = threading.Event()
        token = _GONE.set(gone)
        watcher = asyncio.ensure_future(_watch(receive, gone))
        try:
            await self.app(scope, _replay(body, watcher), send)
        finally:
            watcher.cancel()
            with suppress(asyncio.CancelledError):
                await watcher
            _GONE.reset(token)


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
