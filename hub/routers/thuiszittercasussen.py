"""/v1/thuiszittercasussen: the thuiszitter case of the school, its SWV and leerplicht."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from adapters import casus, casuslijst
from adapters.casusmodellen import CasusIn, CasusSluitingIn, HeropeningIn, LogboekIn, RegieIn
from hub.routers.common import CallerDep, Responses, answer, persistence
from hub.routers.overdrachten import ReceiptHeader

router = APIRouter(prefix="/thuiszittercasussen", tags=["thuiszittercasussen"])

REFUSALS: Responses = {
    403: {"description": "Not a party or not involved with the pupil; not the keeper; a jeugdteam without consent"},
    404: {"description": "No such case for this organisation"},
    409: {"description": "The pupil has an open case already, or the case is closed (read-only)"},
    410: {"description": "The case was erased"},
    422: {"description": "Invalid input; `fouten` names each field"},
}


@router.post("", status_code=201, summary="Open a case for a pupil who sits at home", responses=REFUSALS)
async def open_(body: CasusIn, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, casus.open_, persistence(request), caller, body)


@router.get("", summary="Your cases with stage and flag (cursor feed); `open=true`: open ones", responses=REFUSALS)
async def listing(
    request: Request,
    caller: CallerDep,
    na: Annotated[int, Query(ge=0, le=2**62, description="Cursor: items after this")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    open_only: Annotated[bool, Query(alias="open", description="Only open cases")] = False,
) -> JSONResponse:
    return await answer(request, casuslijst.listing, persistence(request), caller, na, limit, open_only)


@router.get(
    "/{casus_id}",
    summary="The case: regie, logbook, clock and result, as released (the jeugdteam with a consent receipt)",
    responses=REFUSALS,
)
async def read(
    casus_id: UUID,
    request: Request,
    caller: CallerDep,
    receipt: ReceiptHeader = None,
    peildatum: Annotated[
        date | None, Query(description="The clock as it will stand on this day if nothing changes (default: today)")
    ] = None,
) -> JSONResponse:
    keys = request.app.state.hub.notary.keys()
    return await answer(request, casus.read, persistence(request), keys, caller, casus_id, receipt, peildatum)


@router.post("/{casus_id}/logboek", status_code=201, summary="Log one action", responses=REFUSALS)
async def log_action(casus_id: UUID, body: LogboekIn, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, casus.log_action, persistence(request), caller, casus_id, body)


@router.post("/{casus_id}/regie", summary="Change the regisseur(s), with a reason", responses=REFUSALS)
async def change_regie(casus_id: UUID, body: RegieIn, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, casus.change_regie, persistence(request), caller, casus_id, body)


@router.post("/{casus_id}/sluiting", summary="Close with a result and a note (the keeper)", responses=REFUSALS)
async def close(casus_id: UUID, body: CasusSluitingIn, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, casus.close, persistence(request), caller, casus_id, body)


@router.post(
    "/{casus_id}/heropening", status_code=201, summary="Reopen as a new, linked case (the keeper)", responses=REFUSALS
)
async def reopen(casus_id: UUID, body: HeropeningIn, request: Request, caller: CallerDep) -> JSONResponse:
    return await answer(request, casus.reopen, persistence(request), caller, casus_id, body)
