"""What the quarterly report counts of one case (domain/kwartaalrapportage.py), each rule with its seed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.casuslijsten import Reden, Resultaat
from domain.kwartaalrapportage import OPEN, duurklasse, feit
from domain.periods import kwartaal_van, kwartalen
from domain.thuiszittercasus import Thuiszittercasus

SUBJECT = "7e" * 32
TODAY = datetime.now(UTC).date()


def case(weeks_at_home: int) -> Thuiszittercasus:
    return Thuiszittercasus.open(
        SUBJECT,
        geopend_door="swv:PO2801",
        woongemeente="GM0479",
        thuis_sinds=TODAY - timedelta(weeks=weeks_at_home),
        reden=Reden.SCHOOLWEIGERING,
        vandaag=TODAY,
        school="12AB00",
    )


def test_an_open_case_counts_in_the_quarter_it_was_registered() -> None:
    """Source: 002_9975c357e8165dd2.txt step 4 (the registration) and step 18 (the quarterly report)."""
    f = feit(case(2), TODAY)
    assert (f.geopend, f.gesloten, f.reden, f.resultaat, f.stadium) == (
        kwartaal_van(TODAY),
        OPEN,
        "schoolweigering",
        None,
        None,
    )


def test_a_closed_case_counts_its_result_duration_and_stage_at_closing() -> None:
    """Source: 002 step 18 (closing with a short note); 002 §3.4 advice 7-8 (4 and 8 weeks)."""
    c = case(9)
    c.sluit(Resultaat.PASSEND_AANBOD, "Plek gevonden", op=TODAY, door="swv:PO2801")
    f = feit(c, TODAY)
    assert (f.gesloten, f.resultaat, f.duurklasse, f.stadium) == (
        kwartaal_van(TODAY),
        "passend_aanbod",
        "8 tot 12 weken",
        "doorbraak",
    )


def test_a_case_past_its_deadline_counts_in_the_quarter_it_was_registered_at_the_earliest() -> None:
    """Source: 003_4d76ddd5121ac97c.txt §2.4 (a passend aanbod within three months; WETTELIJK: twelve weeks)."""
    late = feit(case(20), TODAY)
    assert late.termijn_verstreken == kwartaal_van(TODAY)
    assert feit(case(2), TODAY).termijn_verstreken is None


def test_duration_bands_follow_the_clock() -> None:
    """Source: 002 §3.4 advice 7-8: four, eight and twelve weeks."""
    assert [duurklasse(w) for w in (0, 3, 4, 7, 8, 11, 12, 40)] == [
        "korter dan 4 weken",
        "korter dan 4 weken",
        "4 tot 8 weken",
        "4 tot 8 weken",
        "8 tot 12 weken",
        "8 tot 12 weken",
        "12 weken of langer",
        "12 weken of langer",
    ]


def test_quarters_are_named_and_counted_in_order() -> None:
    """Source: 002 step 18 (quarterly); domain/periods.py (fixed periods)."""
    assert kwartaal_van(date(2026, 12, 31)) == "2026-Q4" and kwartaal_van(date(2027, 1, 1)) == "2027-Q1"
    assert kwartalen("2026-Q3", "2027-Q2") == ("2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2")
    assert sorted(["2027-Q1", OPEN, "2026-Q4"]) == ["2026-Q4", "2027-Q1", OPEN]
