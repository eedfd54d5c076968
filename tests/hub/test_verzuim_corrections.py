"""The corrections of issue 18 that a school's push meets: who a melding may be about, which kinds
a school reports, and a changed kind that says why. Each test cites the seed and the old behaviour."""

from __future__ import annotations

from typing import Any

import pytest

from domain.parties import Role
from tests.hub.helpers import melding_body

MELDINGEN = "/v1/verzuimmeldingen"


@pytest.fixture
def school(register: Any) -> Any:
    register(Role.LEERPLICHT, "GM0479", gemeente="GM0479")
    return register(Role.SCHOOL, "12AB00").client


def test_a_pupil_outside_leer_and_kwalificatieplicht_is_refused(school: Any) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.2, "Het gaat hier om leer- of kwalificatieplichtige
    leerlingen". Before: a pupil born in 1996 was accepted on the legal-duty basis."""
    body = melding_body()
    body["leerling"]["geboortedatum"] = "1996-03-01"
    r = school.post(MELDINGEN, json=body)
    assert r.status_code == 422, r.text
    assert "leerling.geboortedatum" in r.text and "kwalificatieplichtig" in r.json()["detail"]
    assert school.get(MELDINGEN).json()["items"] == []


def test_a_pupil_of_seventeen_is_kwalificatieplichtig_and_reported(school: Any) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.9 (kwalificatieplicht to 18)."""
    body = melding_body()
    body["leerling"]["geboortedatum"] = "2009-06-01"
    assert school.post(MELDINGEN, json=body).status_code == 201


def test_a_school_does_not_report_absoluut_verzuim(school: Any) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3, absoluut verzuim: "Leer- of kwalificatie plichtige
    jongere die niet is ingeschreven op een school". Before: a school could push it."""
    r = school.post(MELDINGEN, json=melding_body(soort="absoluut", uren=None))
    assert r.status_code == 422, r.text
    assert "soort" in r.text and "leerplicht records it" in r.json()["detail"]


def test_a_changed_kind_names_its_rule(school: Any) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 ("Overig verzuim van minder dan 16 uur in 4 weken").
    Before: 3 hours sent as ongeoorloofd_16_uur answered 201 `geregistreerd_als: overig` and nothing
    said why."""
    r = school.post(MELDINGEN, json=melding_body(uren=3))
    assert r.status_code == 201, r.text
    answer = r.json()
    assert (answer["soort"], answer["geregistreerd_als"]) == ("ongeoorloofd_16_uur", "overig")
    assert [t["regel"] for t in answer["registratie_toelichting"]] == ["onder_drempel"]
    assert "002 §1.3" in answer["registratie_toelichting"][0]["uitleg"]
    kept = school.post(MELDINGEN, json=melding_body(uren=16)).json()
    assert kept["geregistreerd_als"] == "ongeoorloofd_16_uur" and kept["registratie_toelichting"] == []
