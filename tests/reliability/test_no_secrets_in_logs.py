"""Secrets never in logs: every route for every role, refusals and errors, under log capture.

What is captured: the process's stdout and stderr at file-descriptor level (structlog's
output, any stdlib handler), every stdlib log record at DEBUG (uvicorn, httpx, eventsourcing,
...), the metrics /metrics answers, and the access log's entry bodies. What must not appear:
any BSN or pupil name sent in a request body (collected from the requests as they go out), the
master key, the pepper, the hub's signing seed or a party's signing seed, in hex or base64. The server subprocess's
output is checked the same way in test_crash_safety.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import httpx
import pytest

from hub.metrics import exposition
from infra.accesslog import AccessLogStore
from tests.hub.helpers import melding_body, new_bsn
from tests.reliability.helpers import encodings, settings_for
from tests.reliability.test_authz_matrix import ROLES, ROWS, World, _call


@pytest.fixture
def settings(database_url: str, tmp_path):
    return settings_for(database_url, tmp_path / "var", log_level="DEBUG", log_format="json")


_RECORD_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Sent:
    """Collects the pupil numbers and names of every request body that goes out."""

    def __init__(self) -> None:
        self.identifiers: set[str] = set()
        self.names: set[str] = set()

    def __call__(self, request: httpx.Request) -> None:
        try:
            body = json.loads(request.content or b"null")
        except (ValueError, UnicodeDecodeError):
            return
        self._walk(body)

    def _walk(self, value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                self._walk(v, k)
        elif isinstance(value, list):
            for v in value:
                self._walk(v, key)
        elif isinstance(value, str):
            if re.fullmatch(r"[0-9]{9,10}", value):
                self.identifiers.add(value)
            elif key in ("naam", "name") and len(value) >= 4:
                self.names.add(value)


def test_no_identifier_name_or_key_in_any_log(world: World, hub, capfd, caplog, figures) -> None:
    caplog.set_level(logging.DEBUG)
    sent = Sent()
    for client in world.clients.values():
        client.event_hooks["request"].append(sent)
    school = world.clients["school"]
    operations = 0
    for row in ROWS:  # every route, every role: successes and refusals
        for role in ROLES:
            _call(world, row, role)
            operations += 1
    bsn = new_bsn()
    extra = [
        school.post("/v1/verzuimmeldingen", json=melding_body(bsn, naam="Sanne Geheimnaam")),
        school.post("/v1/verzuimmeldingen", json=melding_body("123456789", naam="Bram Foutnummer")),  # 422
        school.post("/v1/verzuimmeldingen", json=melding_body(new_bsn(), toelichting="x" * 300_000)),  # 413
        school.post(
            "/v1/verzuimmeldingen",
            content=b'{"leerling": {"bsn": "' + bsn.encode() + b'"',
            headers={"content-type": "application/json"},
        ),  # 400
        httpx.Client(transport=school._transport, base_url="http://testserver").post(  # 401: unsigned
            "/v1/verzuimmeldingen", json=melding_body(bsn)
        ),
    ]
    sent(extra[-1].request)
    hub.store.keys.shred("verzuimmelding", hub.store.pseudonyms.of("bsn", bsn), "test")
    extra.append(school.get(f"/v1/verzuimmeldingen/{extra[0].json()['id']}"))  # 410
    assert [r.status_code for r in extra] == [201, 422, 413, 400, 401, 410], [r.text[:100] for r in extra]
    operations += len(extra)

    metrics = exposition(lambda: (0, None)).decode()  # what /metrics answers (tests/reliability/test_observability.py)
    out, err = capfd.readouterr()
    logs = "\n".join([out, err, caplog.text, *(str(r.__dict__) for r in caplog.records), metrics])
    access_log = b"\n".join(e.body for e in AccessLogStore(hub.store.db).entries()).decode()
    secrets = hub.store.secrets
    keys = {
        "master key": secrets.master_key,
        "pepper": secrets.pepper,
        "hub signing seed": secrets.signing_seed,
        **{f"seed of {name}": p.seed for name, p in world.parties.items()},
    }
    assert sent.identifiers and sent.names and logs.strip(), "nothing was sent or logged: the test tests nothing"
    assert "ketenhub_requests_total" in metrics and not _RECORD_ID.search(metrics), "a path with its id in a label"
    leaks = [f"pupil number {v}" for v in sent.identifiers if v in logs or v in access_log]
    leaks += [f"name {v!r}" for v in sent.names if v in logs or v in access_log]
    leaks += [f"{what} ({form[:6]}…)" for what, secret in keys.items() for form in encodings(secret) if form in logs]
    figures.record("logs.operations", "API operations run under capture", operations)
    figures.record("logs.lines", "log lines captured", len(logs.splitlines()))
    figures.record(
        "logs.secrets",
        "distinct secrets looked for (numbers, names, keys × encodings)",
        len(sent.identifiers) + len(sent.names) + sum(len(encodings(s)) for s in keys.values()),
    )
    figures.record("logs.leaks", "found in a log line or the access log", len(leaks))
    assert not leaks, leaks
