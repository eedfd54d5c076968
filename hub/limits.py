"""Refuse oversized request bodies before they are read into memory (413), and ambiguous framing (400)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.problems import PROBLEM_JSON, problem_document


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: a declared or streamed body over `max_bytes` gets 413."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        if b"transfer-encoding" in headers and b"content-length" in headers:
            # Two framings: a proxy may have read the other one (request smuggling). RFC 9112 §6.1
            # lets us refuse, and the connection must close so a hidden second request is not read.
            await self._refuse(
                send, 400, "dubbele-framing", "Content-Length and Transfer-Encoding together are refused"
            )
            return
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._too_large(send)
            return
        seen = 0
        started = exceeded = False

        async def counting_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    exceeded = True
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                # The framework turns the error of a cut-off body into its own 400 ("error parsing
                # the body"); the caller is owed the 413 instead, and nothing of that answer.
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._too_large(send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        await self._refuse(send, 413, "te-groot", f"the body is larger than the hub accepts ({self.max_bytes} bytes)")

    async def _refuse(self, send: Send, status: int, type_: str, detail: str) -> None:
        body = json.dumps(problem_document(status, type_, detail)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
