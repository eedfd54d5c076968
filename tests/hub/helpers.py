"""Request bodies for the end-to-end tests; pupil numbers are generated test numbers."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.identifiers import generate_test_bsn
from hub.bench import workload

_rng = random.Random(20261123)


_drawn: set[str] = set()
# The test block holds about 900 valid numbers: no repeat within this many draws, so that no test
# meets a pupil it enrolled or opened a case for already.
_NO_REPEAT_WITHIN = 600


def new_bsn() -> str:
    if len(_drawn) >= _NO_REPEAT_WITHIN:
        _drawn.clear()
    while (bsn := generate_test_bsn(_rng)) in _drawn:
        pass
    _drawn.add(bsn)
    return bsn


def last_school_week() -> tuple[date, date]:
    """Monday to Friday of the last school week that ended before today."""
    return workload.last_school_week(date.today())


def melding_body(
    bsn: str | None = None,
    *,
    school: str = "12AB00",
    gemeente: str = "GM0479",
    naam: str = "Noor Testkind",
    **overrides: Any,
) -> dict[str, Any]:
    begin, eind = last_school_week()
    body: dict[str, Any] = {
        "leerling": {"bsn": bsn or new_bsn(), "naam": naam, "geboortedatum": "2013-05-01", "woongemeente": gemeente},
        "school": {"brin": school[:4], "vestiging": school[4:]},
        "soort": "ongeoorloofd_16_uur",
        "periode": {"begin": begin.isoformat(), "eind": eind.isoformat()},
        "uren": 16,
        "acties": ["gesprek_ouders", "verzuimcoordinator"],
        "toelichting": "Ouders gebeld; afspraak gemaakt.",
    }
    body.update(overrides)
    return body


def overdracht_body(
    receiver: str = "34CD01", *, bsn: str | None = None, school: str = "12AB00", send: bool = True
) -> dict[str, Any]:
    return {
        "leerling": {"bsn": bsn or new_bsn(), "naam": "Noor Testkind", "geboortedatum": "2013-05-01"},
        "school": {"brin": school[:4], "vestiging": school[4:]},
        "ontvangende_school": {"brin": receiver[:4], "vestiging": receiver[4:]},
        "rapport": {
            "verzuim_samenvatting": "Aanwezigheid 94%; twee keer te laat.",
            "schooladvies": "havo",
            "leerresultaten": "Rekenen boven gemiddeld.",
            "ondersteuningsbehoefte": "Structuur bij taken.",
            "opp_aanwezig": False,
        },
        "warme_items": [
            {"sleutel": "leren", "tekst": "Leest traag; dyslexieonderzoek loopt."},
            {"sleutel": "overig", "tekst": "Ouders gaan scheiden."},
        ],
        "versturen": send,
    }


def consent_body(
    bsn: str | None = None,
    purpose: str = "warme-overdracht",
    recipients: list[str] | None = None,
    categories: list[str] | None = None,
    items: list[str] | None = None,
    start: datetime | None = None,
    days: int = 180,
) -> dict[str, Any]:
    start = start or datetime.now(UTC) - timedelta(minutes=1)
    return {
        "leerling": {"bsn": bsn or new_bsn(), "geboortedatum": "2013-05-01"},
        "doel": purpose,
        "ontvangers": recipients or ["school:34CD01"],
        "categorieen": categories or ["warme_items"],
        "items": ["leren"] if items is None else items,
        "geldig_van": start.isoformat(),
        "geldig_tot": (start + timedelta(days=days)).isoformat(),
        "gegeven_door": "ouder",
        "naam_gever": "J. Testouder",
        "gegeven_op": start.date().isoformat(),
        "wijze": "ondertekend_formulier",
        "formulier_kenmerk": "TF-2026-001",
    }


def inschrijving_body(bsn: str, school: str = "12AB00") -> dict[str, Any]:
    return {"leerling": {"bsn": bsn}, "school": {"brin": school[:4], "vestiging": school[4:]}}


def enrol(client: Any, bsn: str, school: str = "12AB00") -> dict[str, Any]:
    """Register the pupil at the school (the signing one): it becomes involved with the pupil."""
    r = client.post("/v1/inschrijvingen", json=inschrijving_body(bsn, school))
    assert r.status_code in (200, 201), r.text
    body: dict[str, Any] = r.json()
    return body
