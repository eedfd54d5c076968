"""A fault of the hub's own dependencies is answered 503 or 507 with Retry-After, never 500.

An ASGI middleware around the whole application: whatever a route or a dependency raised, if
`infra.faults.fault_of` names it a database that cannot be reached (or timed out, or is busy past
its lock timeout) or a full disk, the caller gets a problem document at once and the connection
stays usable; anything else goes on to the 500 handler as before. A fault after the answer has
started cannot be answered again and is left to the server, as any error then would be.
"""

from __future__ import annotations

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub import metrics
from hub.problems import problem_response
from infra.faults import Fault, fault_of

log = structlog.get_logger("hub.faults")

# Status, Retry-After and what the caller is told, per fault.
ANSWERS: dict[Fault, tuple[int, str]] = {
    # Not "nothing was changed": a connection lost after its commit was sent may have committed.
    # A push retried with the same Idempotency-Key gets its first answer, never a second record.
    Fault.UNAVAILABLE: (
        503,
        "the hub's database is unavailable; retry after Retry-After seconds (a push with its same Idempotency-Key)",
    ),
    Fault.DISK_FULL: (
        507,
        "the hub's storage is full; retry after Retry-After seconds (a push with its same Idempotency-Key)",
    ),
}


class DependencyFaults:
    """ASGI middleware: 503/507 problem+json for a dependency fault raised while handling a request."""

    def __init__(self, app: ASGIApp, retry_after_seconds: int) -> None:
        self.app = app
        self.retry_after = {Fault.UNAVAILABLE: retry_after_seconds, Fault.DISK_FULL: retry_after_seconds * 12}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            fault = fault_of(exc)
            if fault is None or started:
                raise
            status, detail = ANSWERS[fault]
            metrics.DATABASE_ERRORS.labels(fault.value).inc()
            log.warning("dependency_fault", fault=fault.value, path=scope.get("path"), error_type=type(exc).__name__)
            response = problem_response(status, fault.value, detail, retry_after=self.retry_after[fault])
            await response(scope, receive, send)
