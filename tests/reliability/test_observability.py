"""What an operator sees (issue 20, part 4): a request id everywhere, /metrics, and JSON log lines.

Every answer carries X-Request-Id; a problem document names the same id as its `instance`, the
access-log entry of the request holds it, and so does each of its log lines. /metrics speaks the
Prometheus text format to the configured networks only, labels by route template (never a path
with its ids) and shows the log's size and the size an auditor last verified. `hub serve` writes
uvicorn's lines and the hub's alike as JSON.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from domain.parties import Role
from hub.app import create_app
from hub.cli import app as cli_app
from hub.container import Hub
from tests.hub.helpers import melding_body, new_bsn
from tests.ops.helpers import env_of, signed_client
from tests.reliability.helpers import assert_problem, live_hub, settings_for, write_entries

PROMETHEUS = ("127.0.0.1", 40000)
MELDINGEN = "/v1/verzuimmeldingen"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def test_every_answer_has_a_request_id_that_the_problem_and_the_access_log_name(hub: Hub) -> None:
    app = create_app(hub)
    school = signed_client(hub, app, Role.SCHOOL, "12AB00")
    pushed = school.post(MELDINGEN, json=melding_body(new_bsn()))
    assert pushed.status_code == 201
    request_id = pushed.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert [e.request_id for e in write_entries(hub)] == [request_id]
    refused = school.post(MELDINGEN, json={"leerling": {}})
    assert_problem(refused, 422)
    assert refused.json()["instance"] == f"urn:uuid:{uuid.UUID(hex=refused.headers['x-request-id'])}"
    assert TestClient(app).get("/health/live").headers["x-request-id"] != request_id


def test_metrics_count_by_route_template_role_and_status(hub: Hub, settings) -> None:
    app = create_app(hub)
    school = signed_client(hub, app, Role.SCHOOL, "12AB00")
    scraper = TestClient(app, client=PROMETHEUS)
    before = samples(scraper.get("/metrics").text)
    pushed = school.post(MELDINGEN, json=melding_body(new_bsn()))
    record = pushed.json()["id"]
    assert school.get(f"{MELDINGEN}/{record}").status_code == 200
    other = signed_client(hub, app, Role.SCHOOL, "13CD00")
    assert other.get(f"{MELDINGEN}/{record}").status_code == 404
    assert CliRunner().invoke(cli_app, ["audit", "verify"], env=env_of(settings)).exit_code == 0

    scraped = scraper.get("/metrics")
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain; version=")
    after = samples(scraped.text)
    pushes = value(after, "ketenhub_pushes_total", route=MELDINGEN, rol="school")
    assert pushes - value(before, "ketenhub_pushes_total", route=MELDINGEN, rol="school") == 1
    by_id = f"{MELDINGEN}/{{melding_id}}"  # the template, whatever the id
    pulled = value(after, "ketenhub_pulls_total", route=by_id, rol="school")
    assert pulled - value(before, "ketenhub_pulls_total", route=by_id, rol="school") == 1
    refused = value(after, "ketenhub_refusals_total", route=by_id, status="404", rol="school")
    assert refused - value(before, "ketenhub_refusals_total", route=by_id, status="404", rol="school") == 1
    assert record not in scraped.text
    size = hub.persistence.access_log.size()
    assert value(after, "ketenhub_accesslog_size") == size >= 2  # the push and the refusal
    assert value(after, "ketenhub_accesslog_verified_size") == size
    assert value(after, "ketenhub_request_duration_seconds_count", route=MELDINGEN) >= 1
    assert ("ketenhub_queue_depth", frozenset()) in after


def test_metrics_are_refused_outside_the_configured_networks(hub: Hub) -> None:
    app = create_app(hub)
    assert_problem(TestClient(app, client=("10.1.2.3", 40000)).get("/metrics"), 403)
    assert_problem(TestClient(app).get("/metrics"), 403)  # no address at all


def test_hub_serve_logs_json_lines_with_the_request_id(database_url: str, tmp_path: Path) -> None:

    with live_hub(settings_for(database_url, tmp_path / "var"), tmp_path) as (server, _hub, creds):
        with httpx.Client(base_url=server.base_url, auth=creds.auth()) as client:
            pushed = client.post(MELDINGEN, json=melding_body(new_bsn()))
            missing = client.get(f"{MELDINGEN}/{uuid.uuid4()}")
        server.stop()
        lines = [line for line in server.log_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line, uvicorn's too, is JSON
    assert any(r.get("logger") == "uvicorn.error" for r in records)
    answered = {r["request_id"]: r for r in records if r.get("event") == "request"}
    assert answered[pushed.headers["x-request-id"]]["status"] == 201
    assert answered[missing.headers["x-request-id"]]["route"] == f"{MELDINGEN}/{{melding_id}}"
    assert all("path" not in r or "/v1/" not in str(r["path"]) for r in records)
