"""Verzuimmeldingen end to end through signed HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from domain.parties import Role
from tests.hub.helpers import melding_body, new_bsn


@pytest.fixture
def parties(register):
    return {
        "school": register(Role.SCHOOL, "12AB00"),
        "other_school": register(Role.SCHOOL, "34CD01"),
        "leerplicht": register(Role.LEERPLICHT, "GM0479"),
        "other_leerplicht": register(Role.LEERPLICHT, "GM0363"),
    }


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()


def test_push_routes_to_the_woongemeente(parties) -> None:
    r = parties["school"].client.post("/v1/verzuimmeldingen", json=melding_body())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["ontvanger"] == "leerplicht:GM0479"
    assert body["status"] == "gemeld" and body["geregistreerd_als"] == "ongeoorloofd_16_uur"
    assert "leerling" not in body  # the answer carries no pupil data


def test_idempotent_push(parties) -> None:
    school = parties["school"].client
    payload = melding_body()
    headers = {"Idempotency-Key": "push-0001-abcdef"}
    first = school.post("/v1/verzuimmeldingen", json=payload, headers=headers)
    again = school.post("/v1/verzuimmeldingen", json=payload, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    listed = school.get("/v1/verzuimmeldingen").json()["items"]
    assert len(listed) == 1


def test_same_key_other_body_is_409(parties) -> None:
    school = parties["school"].client
    headers = {"Idempotency-Key": "push-0002-abcdef"}
    assert school.post("/v1/verzuimmeldingen", json=melding_body(), headers=headers).status_code == 201
    r = school.post("/v1/verzuimmeldingen", json=melding_body(uren=18), headers=headers)
    assert "different request" in _problem(r, 409)["detail"]
    assert len(school.get("/v1/verzuimmeldingen").json()["items"]) == 1


def test_body_school_must_be_the_signer(parties) -> None:
    r = parties["school"].client.post("/v1/verzuimmeldingen", json=melding_body(school="34CD01"))
    assert "not the signing school" in _problem(r, 403)["detail"]


def test_only_schools_push(parties) -> None:
    r = parties["leerplicht"].client.post("/v1/verzuimmeldingen", json=melding_body())
    _problem(r, 403)


def test_other_school_cannot_see_or_change_it(parties) -> None:
    mid = parties["school"].client.post("/v1/verzuimmeldingen", json=melding_body()).json()["id"]
    other = parties["other_school"].client
    _problem(other.get(f"/v1/verzuimmeldingen/{mid}"), 404)
    _problem(other.post(f"/v1/verzuimmeldingen/{mid}/intrekking", json={"reden": "x"}), 404)
    assert other.get("/v1/verzuimmeldingen").json()["items"] == []


def test_correction_keeps_history(parties, hub) -> None:
    school = parties["school"].client
    mid = school.post("/v1/verzuimmeldingen", json=melding_body()).json()["id"]
    r = school.post(f"/v1/verzuimmeldingen/{mid}/correcties", json={"uren": 20, "reden": "telfout"})
    assert r.status_code == 200, r.text
    assert r.json()["versie"] == 2
    events = list(hub.store.records.events.get(uuid.UUID(mid)))
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["Created", "Corrected"]
    assert events[1].previous == {"hours": 16} and events[1].changes == {"hours": 20}


def test_withdrawn_melding_refuses_changes(parties) -> None:
    school = parties["school"].client
    mid = school.post("/v1/verzuimmeldingen", json=melding_body()).json()["id"]
    assert (
        school.post(f"/v1/verzuimmeldingen/{mid}/intrekking", json={"reden": "verkeerde leerling"}).json()["status"]
        == "ingetrokken"
    )
    r = school.post(f"/v1/verzuimmeldingen/{mid}/correcties", json={"uren": 20})
    _problem(r, 409)


def test_leerplicht_action_visible_to_the_school(parties) -> None:
    school = parties["school"].client
    mid = school.post("/v1/verzuimmeldingen", json=melding_body()).json()["id"]
    r = parties["leerplicht"].client.post(
        f"/v1/verzuimmeldingen/{mid}/acties", json={"route": "halt", "toelichting": "HALT-afdoening"}
    )
    assert r.status_code == 201, r.text
    status = school.get(f"/v1/verzuimmeldingen/{mid}").json()
    assert status["status"] == "actie_vastgelegd"
    assert status["acties_leerplicht"][0]["route"] == "halt"


def test_wrong_gemeente_cannot_act(parties) -> None:
    mid = parties["school"].client.post("/v1/verzuimmeldingen", json=melding_body()).json()["id"]
    r = parties["other_leerplicht"].client.post(f"/v1/verzuimmeldingen/{mid}/acties", json={"route": "halt"})
    _problem(r, 404)


def test_geen_actie_needs_a_reason(parties) -> None:
    mid = parties["school"].client.post("/v1/verzuimmeldingen", json=melding_body()).json()["id"]
    r = parties["leerplicht"].client.post(f"/v1/verzuimmeldingen/{mid}/acties", json={"route": "geen_actie"})
    assert _problem(r, 422)["fouten"][0]["veld"] == "toelichting"


def test_erased_melding_is_410(parties, hub) -> None:
    bsn = new_bsn()
    school = parties["school"].client
    mid = school.post("/v1/verzuimmeldingen", json=melding_body(bsn)).json()["id"]
    hub.store.keys.shred("verzuimmelding", hub.store.pseudonyms.of("bsn", bsn), "test")
    r = school.get(f"/v1/verzuimmeldingen/{mid}")
    assert _problem(r, 410)["type"].endswith("/gewist")


@pytest.mark.parametrize(
    ("mutate", "status", "field"),
    [
        (lambda b: b["leerling"].__setitem__("bsn", "123456789"), 422, "leerling.bsn"),
        (lambda b: b["leerling"].__setitem__("woongemeente", "Zaanstad"), 422, "leerling.woongemeente"),
        (lambda b: b["school"].__setitem__("brin", "12-AB"), 422, "school.brin"),
        (lambda b: b.__setitem__("periode", {"begin": "2999-01-04", "eind": "2999-01-08"}), 422, "periode."),
        (lambda b: b.__setitem__("uren", 200), 422, "uren"),
        (lambda b: b.__setitem__("uren", -1), 422, "uren"),
        (lambda b: b.__setitem__("soort", "spijbelen"), 422, "soort"),
        (lambda b: b.__setitem__("onbekend", 1), 422, "onbekend"),
        (lambda b: b["leerling"].__setitem__("onderwijsnummer", "101234567"), 422, "leerling"),
    ],
)
def test_bad_input_names_the_field(parties, mutate, status: int, field: str) -> None:
    body = melding_body()
    mutate(body)
    r = parties["school"].client.post("/v1/verzuimmeldingen", json=body)
    problem = _problem(r, status)
    assert any(e["veld"].startswith(field) for e in problem["fouten"]), problem
    assert body["leerling"]["bsn"] not in r.text  # never echo a BSN back
    assert parties["school"].client.get("/v1/verzuimmeldingen").json()["items"] == []


def test_malformed_json_is_400(parties) -> None:
    r = parties["school"].client.post(
        "/v1/verzuimmeldingen", content=b'{"leerling": ', headers={"content-type": "application/json"}
    )
    _problem(r, 400)


def test_oversized_body_is_413(parties) -> None:
    r = parties["school"].client.post("/v1/verzuimmeldingen", json=melding_body(toelichting="x" * 300_000))
    _problem(r, 413)


def test_bad_idempotency_key_is_422(parties) -> None:
    r = parties["school"].client.post(
        "/v1/verzuimmeldingen", json=melding_body(), headers={"Idempotency-Key": "bad key with spaces"}
    )
    _problem(r, 422)


def test_an_oversized_chunked_body_is_413_too(parties) -> None:
    """Issue 20: a body without Content-Length, streamed past the limit, was answered 400."""
    body = json.dumps(melding_body(toelichting="x" * 300_000)).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 16_384):
            yield body[start : start + 16_384]

    r = parties["school"].client.post(
        "/v1/verzuimmeldingen", content=chunks(), headers={"content-type": "application/json"}
    )
    _problem(r, 413)
