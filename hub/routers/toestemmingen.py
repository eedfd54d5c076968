"""/v1/toestemmingen: schools and SWVs record consent and withdraw it; /v1/sleutels publishes the receipt key."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from adapters import toestemming
from consent.receipts import jwks
from hub.routers.common import CallerDep, IdempotencyDep, Responses, answer, persistence

router = APIRouter(prefix="/toestemmingen", tags=["toestemmingen"])
keys_router = APIRouter(tags=["toestemmingen"])

REFUSALS: Responses = {
    403: {"description": "Only a school or SWV records consent"},
    404: {"description": "No such consent recorded by this organisation"},
    409: {"description": "Conflict: already withdrawn or expired, idempotency key reused"},
    410: {"description": "The consent was erased"},
    422: {"description": "Invalid input; `fouten` names each field"},
}


def _notary(request: Request) -> Any:
    return request.app.state.hub.notary


@router.post("", status_code=201, summary="Record a consent; answers with its signed receipt", responses=REFUSALS)
async def give(
    body: toestemming.ToestemmingIn, request: Request, caller: CallerDep, idem: IdempotencyDep
) -> JSONResponse:
    return await answer(request, toestemming.give, persistence(request), _notary(request), caller, body, idem)


@router.get("/{toestemming_id}", summary="A consent you recorded, with a fresh receipt while valid", responses=REFUSALS)
async def status(toestemming_id: UUID, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, toestemming.status, persistence(request), _notary(request), caller, toestemming_id)


@router.post("/{toestemming_id}/intrekking", summary="Withdraw a consent, for every later pull", responses=REFUSALS)
async def withdraw(
    toestemming_id: UUID, body: toestemming.IntrekkingIn, request: Request, caller: CallerDep
) -> JSONResponse:
    return await answer(
        request, toestemming.withdraw, persistence(request), _notary(request), caller, toestemming_id, body
    )


@keys_router.get("/v1/sleutels", summary="The hub's public keys (JWKS) for verifying consent receipts")
async def keys(request: Request) -> JSONResponse:
    return JSONResponse(jwks(_notary(request).keys()), headers={"Cache-Control": "public, max-age=300"})
