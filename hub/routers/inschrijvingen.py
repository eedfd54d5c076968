"""/v1/inschrijvingen: a school registers a pupil with itself (involvement) and ends it."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from adapters.school import inschrijving
from hub.routers.common import CallerDep, Responses, answer, persistence

router = APIRouter(prefix="/inschrijvingen", tags=["inschrijvingen"])

REFUSALS: Responses = {
    403: {"description": "Not a school, or not the signing school"},
    404: {"description": "No such inschrijving of this school"},
    409: {"description": "The inschrijving already ended"},
    422: {"description": "Invalid input; `fouten` names each field"},
}


@router.post(
    "",
    status_code=201,
    summary="Register a pupil at the signing school (200 with the open inschrijving if there is one)",
    responses={**REFUSALS, 200: {"description": "The pupil was already registered here"}},
)
async def register(body: inschrijving.InschrijvingIn, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, inschrijving.register, persistence(request), caller, body)


@router.get("/{inschrijving_id}", summary="An inschrijving of this school", responses=REFUSALS)
async def status(inschrijving_id: UUID, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, inschrijving.status, persistence(request), caller, inschrijving_id)


@router.post("/{inschrijving_id}/beeindiging", summary="End the inschrijving from now on", responses=REFUSALS)
async def end(inschrijving_id: UUID, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, inschrijving.end, persistence(request), caller, inschrijving_id)
