"""The HTTP benchmark's peer: a FastAPI app that parses a push's JSON body and answers 201.

It verifies no signature and stores nothing, so what it costs is the framework, the
server and the JSON parse: the floor under any FastAPI service on this machine.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse


def create_noop_app() -> FastAPI:
    """Factory for uvicorn (`--factory hub.bench.noop:create_noop_app`)."""
    app = FastAPI(title="no-op peer")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/verzuimmeldingen", status_code=201)
    async def push(body: dict[str, Any]) -> JSONResponse:
        return JSONResponse({"id": str(uuid.uuid4()), "status": "gemeld"}, status_code=201)

    return app
