"""/v1/verzuimmeldingen: schools push and follow their meldingen; leerplicht records actions."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from adapters import leerplicht
from adapters.school import verzuim as school
from hub.routers.common import CallerDep, IdempotencyDep, Responses, answer, persistence, protocol_of

router = APIRouter(prefix="/verzuimmeldingen", tags=["verzuimmeldingen"])

REFUSALS: Responses = {
    403: {"description": "The signing organisation may not do this"},
    404: {"description": "No such melding for this organisation"},
    409: {"description": "Conflict: idempotency key reused, withdrawn melding, concurrent change"},
    410: {"description": "The melding was erased"},
    422: {"description": "Invalid input; `fouten` names each field"},
}


@router.post("", status_code=201, summary="Push a verzuimmelding (school)", responses=REFUSALS)
async def push(
    body: school.VerzuimmeldingIn, request: Request, caller: CallerDep, idem: IdempotencyDep
) -> JSONResponse:
    return await answer(request, school.push, persistence(request), caller, body, idem, protocol_of(caller))


@router.get("", summary="The school's own meldingen (cursor feed)", responses=REFUSALS)
async def list_own(
    request: Request,
    caller: CallerDep,
    na: Annotated[int, Query(ge=0, le=2**62, description="Cursor: items after this")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> JSONResponse:
    return await answer(request, school.listing, persistence(request), caller, na, limit)


@router.get("/{melding_id}", summary="Status of one of the school's own meldingen", responses=REFUSALS)
async def status(melding_id: UUID, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, school.status, persistence(request), caller, melding_id)


@router.post("/{melding_id}/correcties", summary="Correct a melding (history is kept)", responses=REFUSALS)
async def correct(melding_id: UUID, body: school.CorrectieIn, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, school.correct, persistence(request), caller, melding_id, body, protocol_of(caller))


@router.post("/{melding_id}/intrekking", summary="Withdraw a melding", responses=REFUSALS)
async def withdraw(melding_id: UUID, body: school.IntrekkingIn, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, school.withdraw, persistence(request), caller, melding_id, body)


@router.post(
    "/{melding_id}/acties", status_code=201, summary="Record leerplicht's action (MAS route)", responses=REFUSALS
)
async def actie(melding_id: UUID, body: leerplicht.ActieIn, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, leerplicht.record_actie, persistence(request), caller, melding_id, body)
