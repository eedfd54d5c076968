"""The pulls of leerplicht, the SWV and the jeugdteam: every answer carries its `afweging`."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from adapters import jeugdteam, kwartaalrapport, leerplicht, swv
from hub.routers.common import CallerDep, Responses, answer, persistence
from hub.routers.overdrachten import ReceiptHeader

router = APIRouter()

REFUSALS: Responses = {
    403: {"description": "Wrong role or gemeente, or a consent receipt refused (`reden` says why)"},
    404: {"description": "No such record for this organisation"},
    410: {"description": "The record was erased"},
    422: {"description": "Invalid input"},
}

Gemeente = Annotated[str, Path(pattern=r"^GM[0-9]{4}$", description="CBS gemeentecode, e.g. GM0363")]


@router.get(
    "/leerplicht/{gemeentecode}/meldingen",
    tags=["leerplicht"],
    responses=REFUSALS,
    summary="The meldingen routed to this gemeente (cursor feed, minimal fields)",
)
async def feed(
    gemeentecode: Gemeente,
    request: Request,
    caller: CallerDep,
    na: Annotated[int, Query(ge=0, le=2**62, description="Cursor: items after this")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> JSONResponse:
    return await answer(request, leerplicht.feed, persistence(request), caller, gemeentecode, na, limit)


@router.get(
    "/leerplicht/{gemeentecode}/meldingen/{melding_id}/casus",
    tags=["leerplicht"],
    responses=REFUSALS,
    summary="The thuiszitter case of the pupil (with a consent receipt), else a signal",
)
async def case(
    gemeentecode: Gemeente, melding_id: UUID, request: Request, caller: CallerDep, receipt: ReceiptHeader = None
) -> JSONResponse:
    keys = request.app.state.hub.notary.keys()
    return await answer(request, leerplicht.case, persistence(request), keys, caller, gemeentecode, melding_id, receipt)


@router.get(
    "/swv/monitoring",
    tags=["swv"],
    responses=REFUSALS,
    summary="Counts of meldingen and thuiszitters of the SWV's schools over a fixed period; small cells suppressed",
)
async def monitoring(
    request: Request,
    caller: CallerDep,
    periode: Annotated[
        str | None,
        Query(
            description="A month (2026-11), a quarter (2026-Q4) or a school year (2026/2027: 1 Aug - 31 Jul); "
            "default: the current school year",
            examples=["2026-Q4"],
        ),
    ] = None,
    van: Annotated[date | None, Query(description="With tot instead of periode: exactly a fixed period")] = None,
    tot: Annotated[date | None, Query(description="Last day of the fixed period van starts")] = None,
    scholen: Annotated[
        list[str] | None,
        Query(description="Some of the SWV's own schools, BRIN + vestiging (12AB00), repeated or comma-separated"),
    ] = None,
) -> JSONResponse:
    # Empty entries stay in, so `scholen=` or `12AB00,` is refused (422) rather than read as "all".
    codes = tuple(c for value in scholen or () for c in value.split(","))
    vraag = swv.Vraag(periode=periode, van=van, tot=tot, scholen=codes)
    schools = request.app.state.hub.orgs.schools_of_swv(caller.org.org_id)
    return await answer(request, swv.monitoring, persistence(request), caller, schools, vraag)


@router.get(
    "/swv/kwartaalrapportages/{kwartaal}",
    tags=["swv"],
    responses=REFUSALS,
    summary="The quarterly report of the SWV's thuiszitter cases to the inspectie; small cells suppressed",
)
async def quarterly_report(
    request: Request,
    caller: CallerDep,
    kwartaal: Annotated[
        str, Path(max_length=16, description="A quarter that has begun, e.g. 2026-Q4", examples=["2026-Q4"])
    ],
) -> JSONResponse:
    return await answer(request, kwartaalrapport.kwartaalrapport, persistence(request), caller, kwartaal)


@router.get(
    "/jeugdteam/signaal",
    tags=["jeugdteam"],
    responses=REFUSALS,
    summary="With a consent receipt: whether there is an open melding, and the items covered",
)
async def signal(request: Request, caller: CallerDep, receipt: ReceiptHeader = None) -> JSONResponse:
    keys = request.app.state.hub.notary.keys()
    return await answer(request, jeugdteam.signal, persistence(request), keys, caller, receipt)
