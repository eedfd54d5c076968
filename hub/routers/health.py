"""Liveness and readiness: the only routes without a signature."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

router = APIRouter(tags=["beheer"])


@router.get("/health", summary="Liveness and database readiness")
async def health(request: Request) -> dict[str, str]:
    hub = request.app.state.hub

    def ping() -> None:
        with hub.store.db.transaction(write=False) as tx:
            tx.execute("SELECT 1").one()

    await run_in_threadpool(ping)
    return {"status": "ok"}
