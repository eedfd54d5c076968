"""/v1/audit: published tree heads (any registered party); proofs and the log itself (auditors only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from adapters import audit
from hub.container import Hub
from hub.routers.common import CallerDep, Responses, answer, answer_long_read

router = APIRouter(prefix="/audit", tags=["audit"])

REFUSALS: Responses = {
    403: {"description": "Only an auditor may do this"},
    422: {"description": "A size or sequence number outside the log; `fouten` names the parameter"},
}
Size = Annotated[int, Query(ge=0, le=2**62)]


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub  # starlette's State holds untyped attributes
    return hub


@router.get("/boomkoppen", summary="Signed tree heads of the access log (published)", responses=REFUSALS)
async def heads(request: Request, caller: CallerDep) -> JSONResponse:
    hub = _hub(request)
    return await answer(request, audit.published_heads, hub.persistence.access_log, hub.signing_key, hub.signing_key_id)


@router.post(
    "/boomkoppen", status_code=201, summary="Sign a tree head over the log as it is now (auditor)", responses=REFUSALS
)
async def sign(request: Request, caller: CallerDep) -> JSONResponse:
    hub = _hub(request)
    return await answer(
        request, audit.sign_now, hub.persistence.access_log, caller, hub.signing_key, hub.signing_key_id
    )


@router.get("/bewijs/inclusie", summary="RFC 9162 inclusion proof of one entry (auditor)", responses=REFUSALS)
async def inclusion(
    request: Request,
    caller: CallerDep,
    seq: Size,
    grootte: Annotated[int, Query(ge=1, le=2**62, description="Tree size")],
) -> JSONResponse:
    return await answer_long_read(audit.inclusion, _hub(request).persistence.access_log, caller, seq, grootte)


@router.get(
    "/bewijs/consistentie", summary="RFC 9162 consistency proof between two sizes (auditor)", responses=REFUSALS
)
async def consistency(request: Request, caller: CallerDep, van: Size, naar: Size) -> JSONResponse:
    return await answer_long_read(audit.consistency, _hub(request).persistence.access_log, caller, van, naar)


@router.get("/log", summary="Access-log entries van..tot-1 (auditor)", responses=REFUSALS)
async def log(
    request: Request,
    caller: CallerDep,
    van: Size = 0,
    tot: Annotated[int | None, Query(ge=0, le=2**62, description="Exclusive; default van + 500")] = None,
) -> JSONResponse:
    return await answer_long_read(audit.log_page, _hub(request).persistence.access_log, caller, van, tot)
