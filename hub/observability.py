"""Every request gets an id, one log line and its metrics; the id goes back as X-Request-Id.

Outermost of the hub's middleware, so it sees every answer, the refusals of the others included.
The log line names the route template, never the path: paths carry case and record ids.
"""

from __future__ import annotations

import time

import structlog
from fastapi.routing import iter_route_contexts
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub import metrics
from hub.requestid import new_request_id

log = structlog.get_logger("hub.request")
_QUIET = ("/health", "/metrics")  # probes and scrapes every few seconds: debug, not info


class Observability:
    """ASGI middleware: request id, log line, metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._templates: dict[int, str] | None = None

    def template(self, scope: Scope) -> str:
        """The full path template of the route that answered (routers keep only their part)."""
        if self._templates is None:  # the routes are all included by the first request
            contexts = iter_route_contexts(scope["app"].routes)
            self._templates = {id(rc.original_route): rc.path_format or "" for rc in contexts}
        route = scope.get("route")
        return self._templates.get(id(route), "(geen route)") if route is not None else "(geen route)"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        start = time.perf_counter()
        status = 500  # what the server answers when the app raises before it answered

        async def identified_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, identified_send)
        finally:
            _record(scope, self.template(scope), status, time.perf_counter() - start)


def _record(scope: Scope, template: str, status: int, seconds: float) -> None:
    caller = scope.get("state", {}).get("caller")
    role = caller.org.role.value if caller is not None else "-"
    method = scope["method"]
    metrics.REQUESTS.labels(template, method, str(status), role).inc()
    metrics.LATENCY.labels(template).observe(seconds)
    if caller is not None and 200 <= status < 300:
        (metrics.PULLS if method == "GET" else metrics.PUSHES).labels(template, role).inc()
    elif caller is not None and 400 <= status < 500:
        metrics.REFUSALS.labels(template, str(status), role).inc()
    level = log.debug if scope["path"].startswith(_QUIET) else log.info
    level("request", method=method, route=template, status=status, duration_ms=round(seconds * 1000, 1), role=role)
