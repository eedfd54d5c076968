"""The FastAPI application: routers per party, signature auth on every /v1 route."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI

from hub import admission, problems
from hub.admission import GATE, Admission, Gate
from hub.auth import authenticated
from hub.container import Hub, build_hub
from hub.faults import DependencyFaults
from hub.limits import BodyLimit
from hub.observability import Observability
from hub.routers import audit as audit_routes
from hub.routers import health, identity, inschrijvingen, metrics, overdrachten, pulls, toestemmingen, verzuim
from hub.routers import thuiszittercasussen as casus_routes

API_VERSION = "1.0.0"


# Refusals every signed route can give before its handler runs; documented so clients expect them.
COMMON_REFUSALS: dict[int | str, dict[str, str]] = {
    400: {"description": "The body is not valid JSON, or not UTF-8"},
    401: {"description": "Missing or invalid request signature"},
    408: {"description": "The body did not arrive in time"},
    413: {"description": "The body is larger than the hub accepts"},
    415: {"description": "The body is not application/json"},
    429: {"description": "This key sent more requests than its role's limit; see RateLimit and Retry-After"},
    503: {"description": "The hub is overloaded or its database unavailable; see Retry-After"},
}


def create_app(hub: Hub) -> FastAPI:
    gate = Gate(hub.threads.count + hub.settings.queue_limit)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[dict[str, Gate]]:
        yield {GATE: gate}  # the server protocol's view of the gate (hub/server.py)

    app = FastAPI(
        lifespan=lifespan,
        title="Ketenhub",
        version=API_VERSION,
        summary="Privacy-first exchange of verzuim, overdracht and consent in the education and youth-care chain",
        description=(
            "Every /v1 request carries an HTTP Message Signature (RFC 9421, Ed25519) over "
            "@method, @target-uri, content-digest (with a body), created and nonce. "
            "Errors are application/problem+json (RFC 9457)."
        ),
    )
    app.state.hub = hub
    problems.install(app)
    admission.install(app)
    settings = hub.settings
    app.add_middleware(Admission, gate=gate, body_timeout=settings.body_timeout_seconds)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # Around the others: a fault anywhere inside, the signature check's nonce write too, is a 503/507.
    app.add_middleware(DependencyFaults, retry_after_seconds=settings.retry_after_seconds)
    app.add_middleware(Observability)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(toestemmingen.keys_router)  # public: anyone verifies a receipt
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(authenticated)], responses=COMMON_REFUSALS)
    v1.include_router(identity.router)
    v1.include_router(verzuim.router)
    v1.include_router(inschrijvingen.router)
    v1.include_router(overdrachten.router)
    v1.include_router(casus_routes.router)
    v1.include_router(toestemmingen.router)
    v1.include_router(pulls.router)
    v1.include_router(audit_routes.router)
    app.include_router(v1)
    return app


def app_from_environment() -> FastAPI:
    """Factory for uvicorn (`hub serve`): settings from HUB_* variables."""
    return create_app(build_hub(serving=True))
