"""`/metrics` for Prometheus: unsigned like the probes, so readable only from the configured networks."""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST

from hub.container import Hub
from hub.metrics import exposition
from hub.problems import Problem

router = APIRouter(tags=["beheer"])


@router.get(
    "/metrics",
    summary="Metrics in the Prometheus text format (HUB_METRICS_NETWORKS only)",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}, "description": "The metrics"},
        403: {"description": "The client is not in HUB_METRICS_NETWORKS"},
    },
)
async def metrics(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    client = request.client.host if request.client else ""
    if not _allowed(client, hub.settings.metrics_networks):
        raise Problem(403, "metrics-afgeschermd", "/metrics is read only from the networks in HUB_METRICS_NETWORKS")
    log = hub.persistence.access_log
    # The framework's pool, as readiness does: under overload the store threads are full (and
    # turn waiting work away), which is when an operator most needs the figures.
    body = await run_in_threadpool(exposition, lambda: (log.size(), log.verified_size()))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _allowed(client: str, networks: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(client)
    except ValueError:  # a test client or a Unix socket names no address
        return False
    return any(address in ipaddress.ip_network(n) for n in networks)
