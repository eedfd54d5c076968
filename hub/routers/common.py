"""What every router shares: the caller, idempotency, the persistence, running use cases off the loop."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from adapters.answers import Answer, Idempotency
from domain.protocol import WETTELIJK, Verzuimprotocol, protocol_by_name
from hub.auth import Caller, authenticated

CallerDep = Annotated[Caller, Depends(authenticated)]

# The `responses=` of a route: status code → OpenAPI response object (FastAPI's own type).
Responses = dict[int | str, dict[str, Any]]


async def idempotency(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=8,
            max_length=128,
            pattern=r"^[A-Za-z0-9._:-]+$",
            description="Makes a retried push return the first answer instead of a duplicate",
        ),
    ] = None,
) -> Idempotency | None:
    if idempotency_key is None:
        return None
    body = await request.body()
    # Keyed by the hub (an HMAC): the stored hash must not give the pupil's BSN up to a brute force.
    answers = request.app.state.hub.persistence.answers
    return Idempotency(idempotency_key, answers.request_hash(request.method, request.url.path, body))


IdempotencyDep = Annotated[Idempotency | None, Depends(idempotency)]


def persistence(request: Request) -> Any:
    return request.app.state.hub.persistence


def protocol_of(caller: Caller) -> Verzuimprotocol:
    return protocol_by_name(caller.org.protocol) if caller.org.protocol else WETTELIJK


def _response(result: Answer) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if result.replayed else None
    return JSONResponse(result.body, status_code=result.status, headers=headers)


async def answer(request: Request, fn: Any, *args: Any) -> JSONResponse:
    """Run a (blocking) use case on a store thread and turn its Answer into a response."""
    return _response(await request.app.state.hub.threads.run(fn, *args))


async def answer_long_read(fn: Any, *args: Any) -> JSONResponse:
    """A read-only use case that may take long (an auditor's first proof after a start builds
    the tree from the whole log: tens of seconds at ten million entries), run in the framework's
    own thread pool, so that it never holds a store thread pushes and signature checks wait for."""
    return _response(await run_in_threadpool(fn, *args))
