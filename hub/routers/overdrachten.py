"""/v1/overdrachten: the sending school drafts and sends, the receiving school reads and confirms."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from adapters.disclosure import RECEIPT_HEADER
from adapters.school import overdracht
from hub.routers.common import CallerDep, IdempotencyDep, Responses, answer, persistence

router = APIRouter(prefix="/overdrachten", tags=["overdrachten"])

REFUSALS: Responses = {
    403: {"description": "Not a school, not the signing school, or a consent receipt refused (`reden`)"},
    404: {"description": "No such overdracht for this school (also: a concept, for the receiver)"},
    409: {"description": "Conflict: not allowed in this state, idempotency key reused, concurrent change"},
    410: {"description": "The overdracht was erased"},
    422: {"description": "Invalid input; `fouten` names each field"},
}

ReceiptHeader = Annotated[
    str | None, Header(alias=RECEIPT_HEADER, max_length=8192, description="Consent receipt (JWS) for the warm items")
]


@router.post("", status_code=201, summary="Draft (or send) a warme overdracht (sending school)", responses=REFUSALS)
async def push(
    body: overdracht.OverdrachtIn, request: Request, caller: CallerDep, idem: IdempotencyDep
) -> JSONResponse:
    return await answer(request, overdracht.push, persistence(request), caller, body, idem)


@router.get("", summary="Sent overdrachten, or with `inbox=true` those sent to you (cursor feed)", responses=REFUSALS)
async def listing(
    request: Request,
    caller: CallerDep,
    na: Annotated[int, Query(ge=0, le=2**62, description="Cursor: items after this")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    inbox: Annotated[bool, Query(description="Overdrachten sent to you")] = False,
) -> JSONResponse:
    return await answer(request, overdracht.listing, persistence(request), caller, na, limit, inbox)


@router.get(
    "/{overdracht_id}", summary="Status (sender) or rapport with consented warm items (receiver)", responses=REFUSALS
)
async def read(overdracht_id: UUID, request: Request, caller: CallerDep, receipt: ReceiptHeader = None) -> JSONResponse:
    keys = request.app.state.hub.notary.keys()
    return await answer(request, overdracht.read, persistence(request), keys, caller, overdracht_id, receipt)


@router.post("/{overdracht_id}/verzending", summary="Send a concept (concept → verstuurd)", responses=REFUSALS)
async def send(overdracht_id: UUID, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, overdracht.send, persistence(request), caller, overdracht_id)


@router.post("/{overdracht_id}/ontvangst", summary="Confirm receipt (receiving school)", responses=REFUSALS)
async def acknowledge(overdracht_id: UUID, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, overdracht.acknowledge, persistence(request), caller, overdracht_id)


@router.post("/{overdracht_id}/sluiting", summary="Close (after receipt) or abandon a concept", responses=REFUSALS)
async def close(overdracht_id: UUID, body: overdracht.SluitingIn, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, overdracht.close, persistence(request), caller, overdracht_id, body)
