"""Liveness and readiness: the only routes without a signature.

`/health/live` says the process answers (restart it when not); `/health/ready` that it can serve:
the database reachable and writable, room on the disk, the keys open (infra/readiness.py), within
`HUB_DATABASE_TIMEOUT_SECONDS`, else 503 with what failed. `/health` is readiness, as it was.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from hub.problems import problem_response
from infra.readiness import Readiness, readiness

router = APIRouter(tags=["beheer"])
_GRACE_SECONDS = 1.0  # on top of the database timeout: the probe's own checks


@router.get("/health/live", summary="Liveness: the process answers")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/ready", summary="Readiness: database writable, disk room, keys open")
async def ready(request: Request) -> Any:
    hub = request.app.state.hub
    timeout = hub.settings.database_timeout_seconds + _GRACE_SECONDS
    try:
        result: Readiness = await asyncio.wait_for(run_in_threadpool(readiness, hub.store, hub.settings), timeout)
    except TimeoutError:
        return _not_ready({"database": f"geen antwoord binnen {timeout:g} s"}, hub.settings.retry_after_seconds)
    if not result.ready:
        return _not_ready(result.checks, hub.settings.retry_after_seconds)
    return {"status": "ok", "checks": result.checks}


@router.get("/health", summary="Readiness (as /health/ready)")
async def health(request: Request) -> Any:
    return await ready(request)


def _not_ready(checks: dict[str, str], retry_after: int) -> JSONResponse:
    failed = ", ".join(f"{name}: {result}" for name, result in checks.items() if result != "ok")
    return problem_response(
        503, "niet-gereed", f"the hub cannot serve now ({failed})", retry_after=retry_after, checks=checks
    )
