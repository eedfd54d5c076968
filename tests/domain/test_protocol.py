"""The verzuimprotocol: legal defaults, regional presets, and refusal of nonsense."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from domain.errors import InvalidValue
from domain.protocol import (
    APELDOORN_SPRENGELOO,
    DRECHTSTEDEN_PO,
    PRESETS,
    ROTTERDAM_KOERS_VO,
    WETTELIJK,
    ZAANSTREEK,
    Termijn,
    Verzuimprotocol,
    protocol_by_name,
)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("melding_hours", 16),
        ("melding_weeks", 4),
        ("langdurig_relatief_weeks", 4),
        ("thuiszitter_days_per_week", 3),
        ("thuiszitter_weeks", 4),
        ("problematisch_fraction", 0.25),
        ("problematisch_fraction_weeks", 2),
        ("problematisch_days", 10),
        ("problematisch_days_weeks", 15),
        ("problematisch_difficulty_weeks", 2),
    ],
)
def test_legal_defaults_of_002(field: str, value: float) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 (formal definitions; problematisch verzuim)."""
    assert getattr(WETTELIJK, field) == value


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("te_laat_count", 16),
        ("te_laat_weeks", 4),
        ("passend_aanbod_termijn", Termijn(months=3)),
        ("leerplicht_from_age", 5),
        ("leerplicht_until_age", 16),
        ("kwalificatieplicht_until_age", 18),
        ("ziekte_escalation_hours", None),
        ("melding_deadline_school_days", 5),
    ],
)
def test_other_defaults(field: str, value: Any) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.2 (16 keer te laat), §2.4 (aanbod binnen drie
    maanden); 002_9975c357e8165dd2.txt §1.9 (5 tot 16); domain.md (kwalificatieplicht to
    18); ziekte escalation: none, the law sets no number (004 ch. 16 is one school's 60 uur,
    kept in its preset); Leerplichtwet art. 21
    ("onverwijld", read as 5 school days)."""
    assert getattr(WETTELIJK, field) == value


@pytest.mark.parametrize(
    ("preset", "field", "value"),
    [
        (DRECHTSTEDEN_PO, "te_laat_count", 9),
        (APELDOORN_SPRENGELOO, "te_laat_count", 12),
        (APELDOORN_SPRENGELOO, "ziekte_escalation_hours", 60),
        (ROTTERDAM_KOERS_VO, "passend_aanbod_termijn", Termijn(weeks=10)),
        (ZAANSTREEK, "te_laat_count", 16),
        (ZAANSTREEK, "passend_aanbod_termijn", Termijn(months=3)),
    ],
)
def test_regional_presets(preset: Verzuimprotocol, field: str, value: Any) -> None:
    """Source: 002_9975c357e8165dd2.txt processchema step 9 ("negen keer te laat komen");
    004_45b01860e536524f.txt ch. 16 (Sprengeloo: "na 12 keer te laat", 60 uur) and ch. 2
    (Rotterdam "streeft naar een termijn van tien weken"); 003_4d76ddd5121ac97c.txt §2.4,
    §3.2 (Zaanstreek)."""
    assert getattr(preset, field) == value
    # Every other threshold stays the legal one.
    assert preset.melding_hours == WETTELIJK.melding_hours


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_by_name(name: str) -> None:
    """Source: domain.md (a region's rule is a setting of its verzuimprotocol, by name)."""
    assert protocol_by_name(name).name == name


def test_unknown_preset() -> None:
    """Source: domain.md (protocols are named settings; an unknown name is an error)."""
    with pytest.raises(InvalidValue) as err:
        protocol_by_name("atlantis")
    assert err.value.field == "protocol"


def test_week_limit_of_lesson_hours() -> None:
    """Source: 004_45b01860e536524f.txt ch. 16 ("16 uur, dus twee dagen": 8 hours a day)."""
    assert WETTELIJK.max_lesson_hours_per_week == 40
    assert WETTELIJK.langdurig_relatief_school_days == 20


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"melding_hours": 0}, "melding_hours"),
        ({"te_laat_count": -1}, "te_laat_count"),
        ({"problematisch_fraction": 1.5}, "problematisch_fraction"),
        ({"thuiszitter_days_per_week": 5}, "thuiszitter_days_per_week"),
        ({"ziekte_escalation_hours": 0}, "ziekte_escalation_hours"),
        ({"leerplicht_until_age": 19}, "leerplicht_until_age"),
        ({"melding_deadline_school_days": 0}, "melding_deadline_school_days"),
    ],
)
def test_protocol_refuses_nonsense(changes: dict[str, Any], field: str) -> None:
    """Source: domain.md ("Every number ... belongs in code as a named, tested rule"): a
    protocol setting outside its meaning is refused when configured."""
    with pytest.raises(InvalidValue) as err:
        replace(WETTELIJK, **changes)
    assert err.value.field == field


def test_ziekte_escalation_can_be_switched_off() -> None:
    """Source: domain.md (ziekteverzuim escalation: configurable); 004 ch. 16."""
    assert replace(WETTELIJK, ziekte_escalation_hours=None).ziekte_escalation_hours is None


@pytest.mark.parametrize(
    ("termijn", "start", "end"),
    [
        (Termijn(months=3), date(2024, 1, 15), date(2024, 4, 15)),
        (Termijn(months=3), date(2024, 11, 30), date(2025, 2, 28)),
        (Termijn(months=3), date(2023, 11, 30), date(2024, 2, 29)),
        (Termijn(weeks=10), date(2024, 1, 15), date(2024, 3, 25)),
        (Termijn(weeks=12), date(2024, 1, 15), date(2024, 4, 8)),
        (Termijn(days=1), date(2024, 12, 31), date(2025, 1, 1)),
    ],
)
def test_termijn(termijn: Termijn, start: date, end: date) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §2.4 ("binnen drie maanden"); 004_45b01860e536524f.txt
    ch. 2 (twaalf weken by law, tien in Rotterdam)."""
    assert termijn.after(start) == end


def test_termijn_refuses_negative() -> None:
    """Source: domain.md (a time limit runs forward from the start of the case)."""
    with pytest.raises(InvalidValue):
        Termijn(weeks=-1)
