"""GET /v1/swv/kwartaalrapportages/{kwartaal} over signed HTTP, on both backends: the SWV's quarterly
report of its thuiszitter cases to the inspectie (issue 17 part 6), counts only, small cells hidden.

Source: 002_9975c357e8165dd2.txt step 18 ("Deze registratie wordt gebruikt voor kwartaalreportages
naar de inspectie"); 004_45b01860e536524f.txt ch. 15 (counts instead of names).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from domain.parties import Role
from domain.periods import kwartaal_van
from hub.container import Hub
from tests.hub.helpers import enrol, new_bsn

SCHOOL, OTHER_SCHOOL = "12AB00", "56EF00"
SWV, OTHER_SWV = "PO2801", "PO2802"
GM = "GM0479"
CASES = "/v1/thuiszittercasussen"
REPORTS = "/v1/swv/kwartaalrapportages"


def this_quarter() -> str:
    return kwartaal_van(date.today())


@pytest.fixture
def parties(hub: Hub, register: Any) -> dict[str, Any]:
    found = {
        "school": register(Role.SCHOOL, SCHOOL),
        "other_school": register(Role.SCHOOL, OTHER_SCHOOL),
        "swv": register(Role.SWV, SWV),
        "other_swv": register(Role.SWV, OTHER_SWV),
        "leerplicht": register(Role.LEERPLICHT, GM),
    }
    hub.orgs.join_swv(f"school:{SCHOOL}", f"swv:{SWV}")
    hub.orgs.join_swv(f"school:{OTHER_SCHOOL}", f"swv:{OTHER_SWV}")
    return {name: party.client for name, party in found.items()}


def open_case(parties: dict[str, Any], reden: str, weeks: float, school: str = SCHOOL) -> tuple[str, str]:
    client = parties["school" if school == SCHOOL else "other_school"]
    bsn = new_bsn()
    enrol(client, bsn, school)
    r = client.post(
        CASES,
        json={
            "leerling": {"bsn": bsn},
            "school": {"brin": school[:4], "vestiging": school[4:]},
            "woongemeente": GM,
            "thuis_sinds": (date.today() - timedelta(days=round(weeks * 7))).isoformat(),
            "reden": reden,
        },
    )
    assert r.status_code == 201, r.text
    return bsn, r.json()["id"]


def close(parties: dict[str, Any], case_id: str, resultaat: str = "passend_aanbod") -> None:
    r = parties["swv"].post(f"{CASES}/{case_id}/sluiting", json={"resultaat": resultaat, "notitie": "Plek op De Eik"})
    assert r.status_code == 200, r.text


def problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    return body


def log_entries(hub: Hub, start: int) -> list[dict[str, Any]]:
    return [json.loads(e.body) for e in hub.persistence.access_log.entries(start)]


def test_the_swv_gets_its_own_cases_counted_with_the_small_cells_hidden(hub: Hub, parties: dict[str, Any]) -> None:
    cases = [open_case(parties, "wachtlijst_zorg", weeks=9) for _ in range(5)]
    cases += [open_case(parties, "schoolweigering", weeks=2) for _ in range(3)]
    cases += [open_case(parties, "thuissituatie", weeks=1) for _ in range(2)]
    open_case(parties, "wachtlijst_zorg", weeks=3, school=OTHER_SCHOOL)  # another SWV's: never counted here
    for _, case_id in cases[:5]:
        close(parties, case_id)
    start = hub.persistence.access_log.size()

    r = parties["swv"].get(f"{REPORTS}/{this_quarter()}")

    assert r.status_code == 200, r.text
    report = r.json()
    assert report["samenwerkingsverband"] == SWV and report["kwartaal"]["naam"] == this_quarter()
    assert report["kwartaal"]["voorlopig"] is True
    assert report["nieuw"]["totaal"] == 10
    per_reden = report["nieuw"]["per_reden"]
    assert (per_reden["aantallen"]["wachtlijst_zorg"], per_reden["aantallen"]["overig"]) == (5, 0)
    assert per_reden["onderdrukt"] == ["schoolweigering", "thuissituatie"]
    assert report["beeindigd"]["totaal"] == 5
    assert report["beeindigd"]["per_resultaat"]["aantallen"]["passend_aanbod"] == 5
    assert report["beeindigd"]["per_duurklasse"]["aantallen"]["8 tot 12 weken"] == 5
    assert report["beeindigd"]["per_stadium"]["aantallen"]["doorbraak"] == 5
    stock = report["thuis_aan_het_eind_van"]
    assert len(stock) == 5 and list(stock.values())[:4] == [0, 0, 0, 0] and stock[this_quarter()] == 5
    assert report["termijn_verstreken"] == 0
    text = r.text
    for bsn, _ in cases:
        assert bsn not in text and hub.persistence.pseudonym("bsn", bsn) not in text
    [entry] = log_entries(hub, start)
    assert (entry["action"], entry["org_id"], entry["purpose"], entry["subject"]) == (
        "disclose",
        f"swv:{SWV}",
        "swv-monitoring",
        None,
    )
    assert sorted(entry["fields"]) == ["aggregaat.thuiszitters", "aggregaat.tijdigheid"]
    assert report["afweging"] == entry["afweging"]


def test_a_small_stock_is_hidden_and_so_is_every_flow_that_would_give_it_away(
    hub: Hub, parties: dict[str, Any]
) -> None:
    """Seven new, five closed: showing both would tell that two sit at home (consent/kwartaal.py)."""
    cases = [open_case(parties, "wachtlijst_zorg", weeks=5) for _ in range(7)]
    for _, case_id in cases[:5]:
        close(parties, case_id, "terug_naar_school")
    report = parties["swv"].get(f"{REPORTS}/{this_quarter()}").json()
    assert report["thuis_aan_het_eind_van"][this_quarter()] is None
    assert report["nieuw"]["totaal"] is None and report["nieuw"]["per_reden"]["aantallen"]["wachtlijst_zorg"] is None
    assert report["beeindigd"]["totaal"] is None
    assert set(report["beeindigd"]["per_resultaat"]["aantallen"].values()) == {None}


def test_another_swv_sees_none_of_these_cases(hub: Hub, parties: dict[str, Any]) -> None:
    for _ in range(5):
        open_case(parties, "wachtlijst_zorg", weeks=1)
    report = parties["other_swv"].get(f"{REPORTS}/{this_quarter()}").json()
    assert report["nieuw"]["totaal"] == 0 and report["samenwerkingsverband"] == OTHER_SWV


def test_an_erased_case_is_no_longer_counted(hub: Hub, parties: dict[str, Any]) -> None:
    """Erasure is deleting the key (domain.md): the report forgets the case in every quarter."""
    cases = [open_case(parties, "thuissituatie", weeks=1) for _ in range(6)]
    url = f"{REPORTS}/{this_quarter()}"
    assert parties["swv"].get(url).json()["nieuw"]["per_reden"]["aantallen"]["thuissituatie"] == 6
    hub.store.keys.shred("thuiszittersregistratie", hub.persistence.pseudonym("bsn", cases[0][0]), "test")
    assert parties["swv"].get(url).json()["nieuw"]["per_reden"]["aantallen"]["thuissituatie"] == 5


@pytest.mark.parametrize("who", ["school", "leerplicht"])
def test_only_an_swv_gets_a_report_and_the_refusal_is_on_the_record(
    hub: Hub, parties: dict[str, Any], who: str
) -> None:
    open_case(parties, "wachtlijst_zorg", weeks=1)
    start = hub.persistence.access_log.size()
    body = problem(parties[who].get(f"{REPORTS}/{this_quarter()}"), 403)
    assert "swv" in body["detail"]
    [entry] = log_entries(hub, start)
    assert (entry["action"], entry["purpose"], entry["subject"]) == ("refuse", "swv-monitoring", None)


@pytest.mark.parametrize("asked", ["2026-13", "2026-11", "2026-2027", "Q4-2026", "2999-Q1"])
def test_anything_but_a_quarter_that_has_begun_is_a_422_that_changes_nothing(
    hub: Hub, parties: dict[str, Any], asked: str
) -> None:
    start = hub.persistence.access_log.size()
    body = problem(parties["swv"].get(f"{REPORTS}/{asked}"), 422)
    assert "kwartaal" in json.dumps(body)
    assert hub.persistence.access_log.size() == start
