"""/v1/thuiszittercasussen over signed HTTP, on both backends: who may open, read, log and close,
every refusal in the access log, the list with its flags, and erasure (issue 17)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from adapters.disclosure import RECEIPT_HEADER
from domain.parties import Role
from hub.container import Hub
from tests.hub.helpers import consent_body, enrol, melding_body, new_bsn

SCHOOL, STRANGER = "12AB00", "56EF00"
SWV, OTHER_SWV = "PO2801", "PO2802"
GM, OTHER_GM = "GM0479", "GM0363"
PURPOSE = "thuiszittersregistratie"
URL = "/v1/thuiszittercasussen"


@pytest.fixture
def parties(hub: Hub, register: Any) -> dict[str, Any]:
    found = {
        "school": register(Role.SCHOOL, SCHOOL),
        "stranger": register(Role.SCHOOL, STRANGER),
        "swv": register(Role.SWV, SWV),
        "other_swv": register(Role.SWV, OTHER_SWV),
        "leerplicht": register(Role.LEERPLICHT, GM),
        "other_leerplicht": register(Role.LEERPLICHT, OTHER_GM),
        "jeugdteam": register(Role.JEUGDTEAM, "JT0479", gemeente=GM),
        "other_jeugdteam": register(Role.JEUGDTEAM, "JT0363", gemeente=OTHER_GM),
    }
    hub.orgs.join_swv(f"school:{SCHOOL}", f"swv:{SWV}")
    hub.orgs.join_swv(f"school:{STRANGER}", f"swv:{OTHER_SWV}")
    return {name: party.client for name, party in found.items()}


def body(bsn: str, *, school: str | None = SCHOOL, weeks: int = 5, **more: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "leerling": {"bsn": bsn},
        "woongemeente": GM,
        "thuis_sinds": (date.today() - timedelta(weeks=weeks)).isoformat(),
        "reden": "wachtlijst_zorg",
    }
    if school:
        values["school"] = {"brin": school[:4], "vestiging": school[4:]}
    return values | more


def entries(hub: Hub, start: int) -> list[dict[str, Any]]:
    return [json.loads(e.body) for e in hub.persistence.access_log.entries(start)]


def refused(hub: Hub, start: int, r: httpx.Response, status: int, code: str, bsn: str) -> dict[str, Any]:
    """The answer is a problem+json of `status` without the pupil's number; its refusal is on the record."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert bsn not in r.text and "Notitie" not in r.text
    [entry] = [e for e in entries(hub, start) if e["action"] == "refuse"]
    assert entry["afweging"]["weigering"] == code
    assert entry["subject"] == hub.persistence.pseudonym("bsn", bsn)
    return entry


def opened(hub: Hub, parties: dict[str, Any], bsn: str, **more: Any) -> str:
    enrol(parties["school"], bsn)
    r = parties["school"].post(URL, json=body(bsn, **more))
    assert r.status_code == 201, r.text
    case_id: str = r.json()["id"]
    return case_id


def test_the_school_opens_the_swv_keeps_the_registration_and_leerplicht_reads_it(
    hub: Hub, parties: dict[str, Any]
) -> None:
    bsn = new_bsn()
    start = hub.persistence.access_log.size()
    case_id = opened(hub, parties, bsn)
    [write] = [e for e in entries(hub, start) if e["action"] == "write"][-1:]
    assert (write["org_id"], write["purpose"], write["legal_basis"]) == (f"school:{SCHOOL}", PURPOSE, "publieke_taak")
    log = parties["swv"].post(
        f"{URL}/{case_id}/logboek", json={"datum": date.today().isoformat(), "actie": "mdo", "notitie": "Notitie 1"}
    )
    assert log.status_code == 201 and log.json()["nummer"] == 1, log.text
    for reader in ("swv", "leerplicht", "school"):
        before = hub.persistence.access_log.size()
        r = parties[reader].get(f"{URL}/{case_id}")
        assert r.status_code == 200, r.text
        data = r.json()["gegevens"]
        assert data["leerling.referentie"] == hub.persistence.pseudonym("bsn", bsn)
        assert "leerling.id" not in data and bsn not in r.text
        assert data["casus.logboek"][0]["actie"] == "mdo" and data["casus.notities"]["logboek"]["1"] == "Notitie 1"
        assert data["casus.klok"] == data["casus.klok"] | {"weken_thuis": 5, "stadium": "casusregie", "vlag": True}
        [disclosed] = entries(hub, before)
        assert disclosed["action"] == "disclose" and disclosed["afweging"] == r.json()["afweging"]
    regie = parties["school"].get(f"{URL}/{case_id}").json()["gegevens"]["casus.regie"]
    assert regie["regisseurs"] == [{"rol": "school", "organisatie": f"school:{SCHOOL}"}]


def test_the_lists_show_each_party_its_open_cases_with_stage_and_flag(hub: Hub, parties: dict[str, Any]) -> None:
    early, late = new_bsn(), new_bsn()
    early_id = opened(hub, parties, early, weeks=1)
    late_id = opened(hub, parties, late, weeks=9)
    for who in ("swv", "leerplicht", "school"):
        items = parties[who].get(URL, params={"open": "true"}).json()["items"]
        flags = {i["id"]: (i["vlag"], i["gegevens"]["casus.klok"]["stadium"]) for i in items}
        assert flags == {early_id: (False, "voorfase"), late_id: (True, "doorbraak")}, who
    for outsider in ("other_swv", "other_leerplicht", "stranger"):
        assert parties[outsider].get(URL).json()["items"] == []
    closed = parties["swv"].post(f"{URL}/{early_id}/sluiting", json={"resultaat": "terug_naar_school", "notitie": "x"})
    assert closed.status_code == 200, closed.text
    assert [i["id"] for i in parties["swv"].get(URL, params={"open": "true"}).json()["items"]] == [late_id]
    assert len(parties["swv"].get(URL).json()["items"]) == 2


@pytest.mark.parametrize(
    ("opener", "changes", "status", "code"),
    [
        ("jeugdteam", {}, 403, "verkeerde_rol"),
        ("stranger", {"school": {"brin": STRANGER[:4], "vestiging": STRANGER[4:]}}, 403, "niet_betrokken"),
        ("stranger", {}, 403, "verkeerde_school"),
        ("other_swv", {}, 403, "verkeerde_school"),
        ("other_leerplicht", {}, 403, "verkeerde_gemeente"),
    ],
)
def test_who_may_not_open(
    hub: Hub, parties: dict[str, Any], opener: str, changes: dict[str, Any], status: int, code: str
) -> None:
    bsn = new_bsn()
    enrol(parties["school"], bsn)
    start = hub.persistence.access_log.size()
    r = parties[opener].post(URL, json=body(bsn) | changes)
    refused(hub, start, r, status, code, bsn)
    assert parties["swv"].get(URL).json()["items"] == []


def test_the_swv_and_leerplicht_open_for_their_own(hub: Hub, parties: dict[str, Any]) -> None:
    registered, unregistered = new_bsn(), new_bsn()
    enrol(parties["school"], registered)
    assert parties["swv"].post(URL, json=body(registered)).status_code == 201
    again = parties["leerplicht"].post(URL, json=body(registered))
    assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
    # Without a registration leerplicht opens, keeps and closes the case itself (003 §4.3).
    r = parties["leerplicht"].post(URL, json=body(unregistered, school=None, reden="geen_inschrijving"))
    assert r.status_code == 201, r.text
    assert r.json()["regisseurs"] == [{"rol": "leerplicht", "organisatie": f"leerplicht:{GM}"}]
    closed = parties["leerplicht"].post(
        f"{URL}/{r.json()['id']}/sluiting", json={"resultaat": "andere_school", "notitie": "Ingeschreven."}
    )
    assert closed.status_code == 200, closed.text


def test_a_case_from_a_melding_takes_its_woongemeente(hub: Hub, parties: dict[str, Any]) -> None:
    bsn = new_bsn()
    melding = parties["school"].post("/v1/verzuimmeldingen", json=melding_body(bsn)).json()["id"]
    r = parties["swv"].post(URL, json=body(bsn, melding=melding) | {"woongemeente": None})
    assert r.status_code == 201, r.text
    read = parties["leerplicht"].get(f"{URL}/{r.json()['id']}").json()["gegevens"]
    assert read["casus.herkomst"]["melding"] == melding
    wrong = parties["swv"].post(URL, json=body(new_bsn(), melding=melding))
    assert wrong.status_code == 422 and wrong.json()["fouten"][0]["veld"] == "melding"


def test_strangers_get_404_and_only_the_keeper_closes(hub: Hub, parties: dict[str, Any]) -> None:
    bsn = new_bsn()
    case_id = opened(hub, parties, bsn)
    for outsider in ("stranger", "other_swv", "other_leerplicht"):
        start = hub.persistence.access_log.size()
        refused(hub, start, parties[outsider].get(f"{URL}/{case_id}"), 404, "niet_gevonden", bsn)
        start = hub.persistence.access_log.size()
        r = parties[outsider].post(f"{URL}/{case_id}/logboek", json={"datum": "2026-01-05", "actie": "mdo"})
        refused(hub, start, r, 404, "niet_gevonden", bsn)
    sluiting = {"resultaat": "passend_aanbod", "notitie": "Plaats op het VSO."}
    start = hub.persistence.access_log.size()
    refused(hub, start, parties["school"].post(f"{URL}/{case_id}/sluiting", json=sluiting), 403, "verkeerde_rol", bsn)
    assert parties["swv"].post(f"{URL}/{case_id}/sluiting", json=sluiting).status_code == 200
    late = parties["school"].post(f"{URL}/{case_id}/logboek", json={"datum": "2026-01-05", "actie": "mdo"})
    assert late.status_code == 409, late.text
    reopened = parties["swv"].post(f"{URL}/{case_id}/heropening", json={"thuis_sinds": date.today().isoformat()})
    assert reopened.status_code == 201 and reopened.json()["vorige"] == case_id, reopened.text
    old = parties["swv"].get(f"{URL}/{case_id}").json()["gegevens"]
    assert old["casus.herkomst"]["opvolger"] == reopened.json()["id"]
    assert old["casus.resultaat"] == old["casus.resultaat"] | {"status": "gesloten", "resultaat": "passend_aanbod"}


def test_regie_changes_with_a_reason_and_keeps_its_history(hub: Hub, parties: dict[str, Any]) -> None:
    case_id = opened(hub, parties, new_bsn())
    change = {"regisseurs": [{"rol": "jeugdteam"}], "reden": "zorg_voorliggend", "toelichting": "Zorg eerst."}
    assert parties["swv"].post(f"{URL}/{case_id}/regie", json=change).status_code == 200
    regie = parties["swv"].get(f"{URL}/{case_id}").json()["gegevens"]["casus.regie"]
    assert [h["reden"] for h in regie["geschiedenis"]] == [None, "zorg_voorliggend"]
    no_reason = parties["swv"].post(f"{URL}/{case_id}/regie", json={"regisseurs": [{"rol": "school"}]})
    assert no_reason.status_code == 422


def test_a_party_no_longer_involved_is_refused(hub: Hub, parties: dict[str, Any]) -> None:
    bsn = new_bsn()
    inschrijving = enrol(parties["school"], bsn)
    case_id = parties["school"].post(URL, json=body(bsn)).json()["id"]
    assert parties["school"].post(f"/v1/inschrijvingen/{inschrijving['id']}/beeindiging").status_code == 200
    for party in ("school", "swv"):
        start = hub.persistence.access_log.size()
        refused(hub, start, parties[party].get(f"{URL}/{case_id}"), 403, "niet_betrokken", bsn)
    assert parties["swv"].get(URL).json()["items"] == []
    assert parties["leerplicht"].get(f"{URL}/{case_id}").status_code == 200  # by law, of the woongemeente


def test_an_erased_case_answers_410(hub: Hub, parties: dict[str, Any]) -> None:
    bsn = new_bsn()
    case_id = opened(hub, parties, bsn)
    hub.store.keys.shred(PURPOSE, hub.persistence.pseudonym("bsn", bsn), "test")
    start = hub.persistence.access_log.size()
    refused(hub, start, parties["swv"].get(f"{URL}/{case_id}"), 410, "gewist", bsn)
    [item] = parties["swv"].get(URL).json()["items"]
    assert (item["id"], item["gewist"]) == (case_id, True) and "gegevens" not in item


def test_replay_agrees_with_every_disclosure_of_a_case(hub: Hub, parties: dict[str, Any]) -> None:
    """hub audit replay rebuilds each case read from the directory row and the register, as the read did."""
    from adapters import audit

    case_id = opened(hub, parties, new_bsn())
    for reader in ("swv", "leerplicht", "school"):
        assert parties[reader].get(f"{URL}/{case_id}").status_code == 200
    assert parties["swv"].get(URL).status_code == 200
    log = hub.persistence.access_log
    report = audit.replay(hub.persistence, log, hub.orgs.get, hub.signing_key_id)
    assert report.ok and report.disclosures >= 4, report.to_dict()


def _table_consent(parties: dict[str, Any], bsn: str, recipient: str = "jeugdteam:JT0479") -> str:
    """The parents' signed consent for the thuiszitterstafel, recorded by the SWV: its receipt."""
    categories = ["identiteit", "school", "casus", "signaal"]
    r = parties["swv"].post(
        "/v1/toestemmingen", json=consent_body(bsn, "thuiszitterstafel", [recipient], categories, [])
    )
    assert r.status_code == 201, r.text
    receipt: str = r.json()["bewijs"]
    return receipt


def test_the_jeugdteam_reads_a_case_only_with_the_parents_consent(hub: Hub, parties: dict[str, Any]) -> None:
    """The jeugdteam sits at the table (003 §4.2), whose discussion rests on the parents' signed
    consent (003_4d76ddd5121ac97c.txt §4.3: "ondertekenen ouders een toestemmingsformulier");
    issue 17: "the jeugdteam only with consent". It reads, it never writes."""
    bsn, other = new_bsn(), new_bsn()
    case_id = opened(hub, parties, bsn)
    opened(hub, parties, other)
    url = f"{URL}/{case_id}"
    start = hub.persistence.access_log.size()
    entry = refused(hub, start, parties["jeugdteam"].get(url), 403, "bewijs_ontbreekt", bsn)
    assert entry["purpose"] == "thuiszitterstafel"
    start = hub.persistence.access_log.size()
    refused(hub, start, parties["other_jeugdteam"].get(url), 404, "niet_gevonden", bsn)
    wrong_pupil = _table_consent(parties, other)
    start = hub.persistence.access_log.size()
    refused(
        hub, start, parties["jeugdteam"].get(url, headers={RECEIPT_HEADER: wrong_pupil}), 403, "bewijs_geweigerd", bsn
    )
    not_named = _table_consent(parties, bsn, recipient=f"leerplicht:{GM}")
    start = hub.persistence.access_log.size()
    r = parties["jeugdteam"].get(url, headers={RECEIPT_HEADER: not_named})
    refused(hub, start, r, 403, "bewijs_geweigerd", bsn)

    receipt = _table_consent(parties, bsn)
    before = hub.persistence.access_log.size()
    r = parties["jeugdteam"].get(url, headers={RECEIPT_HEADER: receipt})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["doel"] == "thuiszitterstafel" and body["gegevens"]["casus.reden"] == "wachtlijst_zorg"
    assert "casus.klok" in body["gegevens"] and bsn not in r.text
    [disclosed] = entries(hub, before)
    assert (disclosed["action"], disclosed["purpose"], disclosed["org_id"]) == (
        "disclose",
        "thuiszitterstafel",
        "jeugdteam:JT0479",
    )
    assert disclosed["consent_id"] == body["toestemming"]
    start = hub.persistence.access_log.size()
    write = parties["jeugdteam"].post(f"{url}/logboek", json={"datum": date.today().isoformat(), "actie": "mdo"})
    refused(hub, start, write, 403, "verkeerde_rol", bsn)
    assert parties["jeugdteam"].get(URL).status_code == 403


def test_replay_agrees_with_the_jeugdteams_read_under_consent(hub: Hub, parties: dict[str, Any]) -> None:
    """hub audit replay rebuilds the jeugdteam's read from the consent as it stood (003 §4.3)."""
    from adapters import audit

    bsn = new_bsn()
    case_id = opened(hub, parties, bsn)
    r = parties["jeugdteam"].get(f"{URL}/{case_id}", headers={RECEIPT_HEADER: _table_consent(parties, bsn)})
    assert r.status_code == 200, r.text
    report = audit.replay(hub.persistence, hub.persistence.access_log, hub.orgs.get, hub.signing_key_id)
    assert report.ok and report.disclosures >= 1, report.to_dict()


def test_the_clock_looks_ahead_to_a_peildatum(hub: Hub, parties: dict[str, Any]) -> None:
    """Three weeks at home is the voorfase; two weeks on, if nothing changes, the case is in
    casusregie and flagged (002_9975c357e8165dd2.txt §3.4 advice 7: casusregie after four weeks)."""
    case_id = opened(hub, parties, new_bsn(), weeks=3)
    now = parties["swv"].get(f"{URL}/{case_id}").json()
    assert now["gegevens"]["casus.klok"]["stadium"] == "voorfase" and now["peildatum"] == date.today().isoformat()
    ahead = date.today() + timedelta(weeks=2)
    later = parties["swv"].get(f"{URL}/{case_id}", params={"peildatum": ahead.isoformat()}).json()
    assert later["peildatum"] == ahead.isoformat()
    assert (
        later["gegevens"]["casus.klok"] | {"weken_thuis": 5, "stadium": "casusregie", "vlag": True}
        == later["gegevens"]["casus.klok"]
    )
    bad = parties["swv"].get(f"{URL}/{case_id}", params={"peildatum": "volgende week"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert "peildatum" in bad.text


def test_a_withdrawn_consent_or_an_erased_case_ends_the_jeugdteams_read(hub: Hub, parties: dict[str, Any]) -> None:
    """Consent withdrawn: the receipt no longer opens the case (AVG art. 7(3); 003 §4.3); the case
    erased: 410, receipt or not. Each refusal names the pupil in the access log."""
    bsn = new_bsn()
    case_id = opened(hub, parties, bsn)
    url = f"{URL}/{case_id}"
    receipt = _table_consent(parties, bsn)
    assert parties["jeugdteam"].get(url, headers={RECEIPT_HEADER: receipt}).status_code == 200
    [consent] = [
        e for e in hub.persistence.of_subject(hub.persistence.pseudonym("bsn", bsn)) if e.kind == "toestemming"
    ]
    withdrawn = parties["swv"].post(f"/v1/toestemmingen/{consent.record_id}/intrekking", json={"reden": "ouders"})
    assert withdrawn.status_code == 200, withdrawn.text
    start = hub.persistence.access_log.size()
    refused(hub, start, parties["jeugdteam"].get(url, headers={RECEIPT_HEADER: receipt}), 403, "bewijs_geweigerd", bsn)
    again = _table_consent(parties, bsn)
    hub.store.keys.shred(PURPOSE, hub.persistence.pseudonym("bsn", bsn), "test")
    start = hub.persistence.access_log.size()
    refused(hub, start, parties["jeugdteam"].get(url, headers={RECEIPT_HEADER: again}), 410, "gewist", bsn)
