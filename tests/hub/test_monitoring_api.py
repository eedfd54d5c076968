"""The SWV's monitoring through signed HTTP: fixed periods only, its own schools only, nothing to subtract.

Issue 16: "The window 02-23 Nov showed both kinds suppressed, total 6. The window 02-22 Nov
showed `overig: 5`, total 5. [...] The `scholen` parameter silently ignores schools of other
SWVs." 004_45b01860e536524f.txt ch. 15 (counts, never names); 002_9975c357e8165dd2.txt steps 4
and 18 (the quarterly report).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from consent.monitoring import Atom, release, tables
from domain.parties import Role
from domain.periods import schooljaar_of
from tests.consent.test_differencing import (
    API_SITTING,
    API_SOORTEN,
    Space,
    candidate_groups,
    figures,
    linear_search,
    subtraction_search,
)
from tests.hub.helpers import last_school_week, melding_body

A, B, FOREIGN = "12AB00", "34CD01", "56EF02"
Q4 = ("2026-10", "2026-11", "2026-12")
# School weeks of the autumn of 2026 (Monday - Friday), outside the herfstvakantie.
WEEKS = {
    "2026-10": (date(2026, 10, 5), date(2026, 10, 9)),
    "2026-11": (date(2026, 11, 2), date(2026, 11, 6)),
    "2026-11-23": (date(2026, 11, 23), date(2026, 11, 27)),
}


@pytest.fixture
def swv(register, hub):
    parties = {
        "swv": register(Role.SWV, "PO2801"),
        "other_swv": register(Role.SWV, "PO2802"),
        A: register(Role.SCHOOL, A),
        B: register(Role.SCHOOL, B),
        FOREIGN: register(Role.SCHOOL, FOREIGN),
        "leerplicht": register(Role.LEERPLICHT, "GM0479"),
    }
    hub.orgs.join_swv(f"school:{A}", "swv:PO2801")
    hub.orgs.join_swv(f"school:{B}", "swv:PO2801")
    hub.orgs.join_swv(f"school:{FOREIGN}", "swv:PO2802")
    return parties


def _push(party, week: str, soort: str = "ongeoorloofd_16_uur") -> Atom:
    begin, eind = WEEKS[week]
    extra: dict[str, Any] = {"uren": None, "te_laat_aantal": 16} if soort == "te_laat" else {}
    body = melding_body(school=party.org.code, soort=soort, **extra)
    body["periode"] = {"begin": begin.isoformat(), "eind": eind.isoformat()}
    r = party.client.post("/v1/verzuimmeldingen", json=body)
    assert r.status_code == 201, r.text
    return (party.org.org_id, r.json()["geregistreerd_als"], begin.strftime("%Y-%m"))


def _autumn(swv) -> Counter[Atom]:
    """A's six meldingen in November and five late arrivals in October; B's single pupil of 23 Nov;
    a school of another SWV alongside."""
    atoms: Counter[Atom] = Counter()
    for _ in range(6):
        atoms[_push(swv[A], "2026-11")] += 1
    for _ in range(5):
        atoms[_push(swv[A], "2026-10", "te_laat")] += 1
    atoms[_push(swv[B], "2026-11-23")] += 1
    _push(swv[FOREIGN], "2026-11")
    return atoms


def _get(party, **params: Any):
    return party.client.get("/v1/swv/monitoring", params=params)


def _problem(r, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()


def test_only_fixed_periods_are_answered(swv) -> None:
    """A month, a quarter, a school year; `van`/`tot` only when exactly one. Issue 16 (02-22/02-23 Nov);
    002_9975c357e8165dd2.txt steps 4 and 18 (kwartaalreportages)."""
    _autumn(swv)
    month = _get(swv["swv"], periode="2026-11")
    assert month.status_code == 200, month.text
    assert month.json()["periode"] == {"naam": "2026-11", "soort": "maand", "van": "2026-11-01", "tot": "2026-11-30"}
    spanned = _get(swv["swv"], van="2026-11-01", tot="2026-11-30").json()
    assert {k: v for k, v in spanned.items() if k != "afweging"} == {
        k: v for k, v in month.json().items() if k != "afweging"
    }
    quarter = _get(swv["swv"], periode="2026-Q4").json()
    assert quarter["periode"]["soort"] == "kwartaal" and list(
        quarter["verzuimmeldingen"]["per_maand"]["aantallen"]
    ) == list(Q4)
    year = _get(swv["swv"], periode="2026/2027").json()
    assert (year["periode"]["van"], year["periode"]["tot"]) == ("2026-08-01", "2027-07-31")
    for params in [
        {"van": "2026-11-02", "tot": "2026-11-23"},
        {"van": "2026-11-02", "tot": "2026-11-22"},
        {"van": "2026-11-01"},
        {"periode": "2026-11-02"},
        {"periode": "2026-11", "van": "2026-11-01", "tot": "2026-11-30"},
    ]:
        problem = _problem(_get(swv["swv"], **params), 422)
        assert "2026-Q4" in problem["detail"] and "2026/2027" in problem["detail"], problem
        assert problem["fouten"][0]["veld"] in ("periode", "van/tot")


def test_a_school_of_another_swv_in_scholen_is_refused(swv) -> None:
    """`scholen` names only the SWV's own schools; another's is a 403, never silently dropped (issue 16)."""
    _autumn(swv)
    for scholen in [[FOREIGN], [A, FOREIGN], ["99ZZ00"], [f"school:{FOREIGN}"]]:
        problem = _problem(_get(swv["swv"], periode="2026-11", scholen=scholen), 403)
        assert "scholen" in problem["detail"]
        assert "verzuimmeldingen" not in problem
    assert _problem(_get(swv["swv"], periode="2026-11", scholen="not a school"), 422)["fouten"][0]["veld"] == "scholen"
    for empty in ("", f"{A},"):  # an empty entry is no "all schools"
        assert _problem(_get(swv["swv"], periode="2026-11", scholen=empty), 422)["fouten"][0]["veld"] == "scholen"
    one = _get(swv["swv"], periode="2026-11", scholen=f"{A}").json()
    assert one["scholen"] == 1 and list(one["verzuimmeldingen"]["per_school"]["aantallen"]) == [f"school:{A}"]
    both = _get(swv["swv"], periode="2026-11", scholen=f"{A},{B}").json()
    assert both["scholen"] == 2
    _problem(_get(swv["other_swv"], periode="2026-11", scholen=A), 403)
    _problem(_get(swv[A], periode="2026-11"), 403)
    _problem(_get(swv["leerplicht"], periode="2026-11"), 403)


def test_the_answers_are_the_release_and_nothing_can_be_subtracted(swv) -> None:
    """Every answer over every period and set of schools is read from one release; the differencing
    search over them all finds no count of 1..4 (B's single pupil of 23 Nov stays hidden).

    Issue 16; 004_45b01860e536524f.txt ch. 15.
    """
    atoms = _autumn(swv)
    space, hidden = Space((f"school:{A}", f"school:{B}"), API_SOORTEN, Q4), set[int]()
    model = release(atoms)

    def answer(schools: Sequence[str], months: Sequence[str]) -> dict[str, dict[str, dict[str, object]]]:
        periode = months[0] if len(months) == 1 else "2026-Q4"
        r = _get(swv["swv"], periode=periode, scholen=[s.removeprefix("school:") for s in schools])
        assert r.status_code == 200, r.text
        body = r.json()
        shown = {"verzuimmeldingen": body["verzuimmeldingen"], "thuiszitters": body["thuiszitters"]}
        assert shown == tables(model, sorted(schools), API_SOORTEN, months, API_SITTING)
        assert "Noor" not in r.text and "leerling" not in r.text
        return shown

    found = figures(space, answer, hidden)
    assert (space.mask([f"school:{A}"], space.kinds, ["2026-11"]), 6) in found
    assert subtraction_search(found) == []
    assert linear_search(found, candidate_groups(space), hidden) == []


def test_swv_sees_only_suppressed_aggregates_of_its_schools(swv) -> None:
    """Six meldingen show; the single te-laat beside them is hidden, and with it every figure that
    would give it away (the school's total, the month's). A school or leerplicht gets a 403.

    004_45b01860e536524f.txt ch. 15; domain.md (swv-monitoring: suppressed below a minimum cell size).
    """
    for _ in range(6):
        swv[A].client.post("/v1/verzuimmeldingen", json=melding_body(school=A))
    late = swv[A].client.post(
        "/v1/verzuimmeldingen", json=melding_body(school=A, soort="te_laat", uren=None, te_laat_aantal=16)
    )
    assert late.status_code == 201, late.text
    swv[FOREIGN].client.post("/v1/verzuimmeldingen", json=melding_body(school=FOREIGN))
    r = _get(swv["swv"], periode=schooljaar_of(last_school_week()[0]).naam)
    body = r.json()
    assert r.status_code == 200, r.text
    assert body["periode"]["soort"] == "schooljaar" and body["scholen"] == 2
    per_kind = body["verzuimmeldingen"]["per_soort"]
    assert per_kind["aantallen"]["ongeoorloofd_16_uur"] == 6
    assert per_kind["aantallen"][late.json()["geregistreerd_als"]] is None and per_kind["totaal"] is None
    assert body["verzuimmeldingen"]["per_school"]["aantallen"] == {f"school:{A}": None, f"school:{B}": 0}
    # Without a periode: the current school year.
    assert _get(swv["swv"]).json()["periode"]["naam"] == schooljaar_of(date.today()).naam
    assert "Noor" not in r.text and "leerling" not in r.text
    _problem(_get(swv[A]), 403)


def _six_weeks_at_home(party, soort: str, uren: float) -> dict[str, Any]:
    """A melding of six school weeks (5 Oct - 13 Nov 2026) of `uren` hours missed."""
    body = melding_body(school=party.org.code, soort=soort, uren=uren)
    body["periode"] = {"begin": "2026-10-05", "eind": "2026-11-13"}
    r = party.client.post("/v1/verzuimmeldingen", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_thuiszitters_are_counted_by_seed_002s_definition(swv) -> None:
    """Sick pupils at home four days a week for six weeks are thuiszitters; an hour spread over
    the same six weeks of langdurig relatief verzuim is not (the old rule counted it).

    002_9975c357e8165dd2.txt §1.3 "Thuiszitter: Verzuim van meer dan 3 dagen per week dat langer
    dan 4 weken duurt (ook als dit onderdeel van een aanpak is)"; issue 17.
    """
    sick = [_six_weeks_at_home(swv[A], "ziekte", 6 * 4 * 8) for _ in range(5)]
    hour = _six_weeks_at_home(swv[A], "langdurig_relatief", 1)
    assert [s["signaal"] for s in sick[0]["signalen"]] == ["mogelijke_thuiszitter"]
    assert "002 §1.3" in sick[0]["signalen"][0]["regel"] and sick[0]["id"] in sick[0]["signalen"][0]["advies"]
    assert hour["signalen"] == []
    body = _get(swv["swv"], periode="2026-10").json()
    assert body["thuiszitters"]["per_school"]["aantallen"] == {f"school:{A}": 5, f"school:{B}": 0}
    assert body["thuiszitters"]["per_school"]["totaal"] == 5
    per_soort = body["verzuimmeldingen"]["per_soort"]["aantallen"]
    assert per_soort["ziekte"] == 5 and per_soort["langdurig_relatief"] is None
    # Leerplicht, the addressee, sees the same signal beside the released figures it rests on.
    feed = swv["leerplicht"].client.get("/v1/leerplicht/GM0479/meldingen").json()["items"]
    signalled = {item["id"]: [s["signaal"] for s in item["signalen"]] for item in feed}
    assert signalled[sick[0]["id"]] == ["mogelijke_thuiszitter"] and signalled[hour["id"]] == []
