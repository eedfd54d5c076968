"""Idempotency leaves no trace outside the keys: a keyed request hash, and a shred that takes the answer."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from domain.parties import Role
from hub.container import Hub
from infra.idempotency import hash_key, keyed_request_hash
from infra.keystore import derive_key
from infra.retention import RetentionSweep, shred_logged
from tests.hub.helpers import melding_body, new_bsn, overdracht_body

PATH = "/v1/verzuimmeldingen"
LONG_AGO = "2019-01-07T09:00:00.000Z"  # verzuimmelding keeps 5 years after the last change


@pytest.fixture
def school(register: Any) -> TestClient:
    register(Role.LEERPLICHT, "GM0479")
    register(Role.SCHOOL, "34CD01")
    client: TestClient = register(Role.SCHOOL, "12AB00").client
    return client


def _push(school: TestClient, body: bytes, key: str) -> httpx.Response:
    r: httpx.Response = school.post(
        PATH, content=body, headers={"Idempotency-Key": key, "Content-Type": "application/json"}
    )
    return r


def _row(hub: Hub, key: str) -> tuple[Any, ...]:
    with hub.store.db.transaction(write=False) as tx:
        row = tx.execute(
            "SELECT request_hash, status, response, subject, purpose FROM hub_idempotency WHERE idem_key = ?", (key,)
        ).one()
    assert row is not None
    return row


def _melding_count(hub: Hub) -> int:
    with hub.store.db.transaction(write=False) as tx:
        row = tx.execute("SELECT COUNT(*) FROM hub_directory WHERE kind = 'verzuimmelding'").one()
    assert row is not None
    return int(row[0])


def _assert_gone(r: httpx.Response, answered: dict[str, Any]) -> None:
    """410 problem+json that names nothing the first answer did (no id, period or kind)."""
    assert r.status_code == 410, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("/gewist")
    for value in (answered["id"], answered["soort"], answered["periode"]["begin"], answered["periode"]["eind"]):
        assert value not in r.text


def _assert_tombstone(hub: Hub, key: str) -> None:
    request_hash, status, response, _subject, purpose = _row(hub, key)
    assert (request_hash, status, bytes(response), purpose) == ("", 410, b"", "verzuimmelding")


def test_the_stored_request_hash_is_keyed_by_the_hub(hub: Hub, school: TestClient) -> None:
    body = json.dumps(melding_body()).encode()
    assert _push(school, body, "hash-0001-abcdef").status_code == 201
    stored = _row(hub, "hash-0001-abcdef")[0]
    message = b"\n".join((b"POST", PATH.encode(), body))
    assert stored != hashlib.sha256(message).hexdigest()
    # It is the HMAC under the hub's own secret, and under any other key it comes out otherwise.
    secret = hash_key(hub.store.keys.sub_key("idempotency"))
    assert stored == keyed_request_hash(secret, "POST", PATH, body)
    guessed = hash_key(derive_key(os.urandom(32), b"idempotency"))
    assert stored != keyed_request_hash(guessed, "POST", PATH, body)
    # ... and the retry still matches it.
    again = _push(school, body, "hash-0001-abcdef")
    assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"


def test_a_retry_after_the_pupils_shred_is_410_and_files_nothing(hub: Hub, school: TestClient) -> None:
    bsn, other = new_bsn(), new_bsn()
    body, other_body = json.dumps(melding_body(bsn)).encode(), json.dumps(melding_body(other)).encode()
    first = _push(school, body, "shred-0001-abcdef")
    assert first.status_code == 201 and _push(school, other_body, "shred-0002-abcdef").status_code == 201
    subject = hub.store.pseudonyms.of("bsn", bsn)
    assert _row(hub, "shred-0001-abcdef")[3] == subject

    assert shred_logged(hub.store.keys, hub.persistence.access_log, "verzuimmelding", subject, "verzoek") == 1

    before = hub.persistence.access_log.size()
    _assert_gone(_push(school, body, "shred-0001-abcdef"), first.json())
    [refused] = [json.loads(e.body) for e in hub.persistence.access_log.entries(before)]  # the attempt, on the record
    assert (refused["action"], refused["subject"], refused["afweging"]) == ("refuse", subject, {"weigering": "gewist"})
    _assert_gone(_push(school, other_body, "shred-0001-abcdef"), first.json())  # no hash left to tell bodies apart
    assert _melding_count(hub) == 2  # the push did not run again
    _assert_tombstone(hub, "shred-0001-abcdef")
    # The other pupil's answer is untouched.
    again = _push(school, other_body, "shred-0002-abcdef")
    assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"


def test_a_purpose_shred_takes_every_answer_of_the_purpose_and_no_other(hub: Hub, school: TestClient) -> None:
    bodies = {f"purpose-000{i}-abcdef": json.dumps(melding_body()).encode() for i in (1, 2)}
    answered = {key: _push(school, body, key).json() for key, body in bodies.items()}
    handover = school.post("/v1/overdrachten", json=overdracht_body(), headers={"Idempotency-Key": "handover-0001"})
    assert handover.status_code == 201, handover.text

    shred_logged(hub.store.keys, hub.persistence.access_log, "verzuimmelding", None, "verzoek")

    for key, body in bodies.items():
        _assert_gone(_push(school, body, key), answered[key])
        _assert_tombstone(hub, key)
    assert _melding_count(hub) == 2
    assert _row(hub, "handover-0001")[1] == 201  # another purpose's answer stays


def test_a_retry_after_retention_erased_the_pupil_is_410(hub: Hub, school: TestClient) -> None:
    body = json.dumps(melding_body()).encode()
    first = _push(school, body, "retention-0001-abc")
    assert first.status_code == 201
    with hub.store.db.transaction() as tx:
        tx.execute(
            "UPDATE hub_directory SET changed_at = ? WHERE record_id = ?",
            (LONG_AGO, first.json()["id"].replace("-", "")),
        )
    assert len(RetentionSweep(hub.store.db).run(datetime.now(UTC))) == 1

    _assert_gone(_push(school, body, "retention-0001-abc"), first.json())
    assert _melding_count(hub) == 1
    _assert_tombstone(hub, "retention-0001-abc")
