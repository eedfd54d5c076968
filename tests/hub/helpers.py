"""Request bodies for the end-to-end tests; pupil numbers are generated test numbers."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from domain.identifiers import generate_test_bsn

_rng = random.Random(20261123)


def new_bsn() -> str:
    return generate_test_bsn(_rng)


def last_school_week() -> tuple[date, date]:
    """Monday to Friday of the last full school week before today."""
    today = date.today()
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=4)


def melding_body(bsn: str | None = None, *, school: str = "12AB00", gemeente: str = "GM0479",
                 naam: str = "Noor Testkind", **overrides: Any) -> dict[str, Any]:
    begin, eind = last_school_week()
    body: dict[str, Any] = {
        "leerling": {"bsn": bsn or new_bsn(), "naam": naam, "geboortedatum": "2013-05-01",
                     "woongemeente": gemeente},
        "school": {"brin": school[:4], "vestiging": school[4:]},
        "soort": "ongeoorloofd_16_uur",
        "periode": {"begin": begin.isoformat(), "eind": eind.isoformat()},
        "uren": 16,
        "acties": ["gesprek_ouders", "verzuimcoordinator"],
        "toelichting": "Ouders gebeld; afspraak gemaakt.",
    }
    body.update(overrides)
    return body
