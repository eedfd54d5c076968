"""Seed 002's thuiszitter definition on a melding: more than 3 days a week, longer than 4 weeks."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.protocol import WETTELIJK
from domain.thuiszittersignaal import absent_days_per_week, meldt_thuiszitter
from domain.verzuim import VerzuimKind
from domain.verzuimmelding import Verzuimmelding
from tests.domain.test_verzuimmelding import filed

MON = date(2024, 9, 2)  # six school weeks without holidays follow
SIX_WEEKS = MON + timedelta(weeks=6) - timedelta(days=3)  # the Friday of week six


def melding(kind: VerzuimKind, end: date, hours: float | None, **more: object) -> Verzuimmelding:
    return filed(kind=kind, period_start=MON, period_end=end, hours=hours, filed_on=end + timedelta(days=3), **more)


def test_sick_pupil_absent_four_days_a_week_for_six_weeks_is_a_thuiszitter() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 "Thuiszitter: Verzuim van meer dan 3 dagen per
    week dat langer dan 4 weken duurt": authorised (ziekte) absence counts too."""
    m = melding(VerzuimKind.ZIEKTE, SIX_WEEKS, hours=6 * 4 * 8)
    assert absent_days_per_week(m.details, WETTELIJK) == [4.0] * 6
    assert meldt_thuiszitter(m)


def test_part_time_timetable_as_part_of_a_plan_counts_too() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 "(ook als dit onderdeel van een aanpak is)": a pupil
    on an agreed timetable of one school day a week is absent four days a week."""
    m = melding(VerzuimKind.OVERIG, SIX_WEEKS, hours=6 * 4 * 8)
    assert meldt_thuiszitter(m)


def test_three_days_a_week_is_not_more_than_three() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 "meer dan 3 dagen per week": exactly 3 is not."""
    m = melding(VerzuimKind.ZIEKTE, SIX_WEEKS, hours=6 * 3 * 8)
    assert not meldt_thuiszitter(m)


def test_four_weeks_is_not_longer_than_four_weeks() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 "langer dan 4 weken": four whole weeks at home are
    not yet; the fifth makes the pupil a thuiszitter."""
    four = melding(VerzuimKind.LANGDURIG_RELATIEF, MON + timedelta(days=25), hours=160)
    five = melding(VerzuimKind.LANGDURIG_RELATIEF, MON + timedelta(days=32), hours=200)
    assert not meldt_thuiszitter(four)
    assert meldt_thuiszitter(five)


def test_an_hour_spread_over_six_weeks_is_no_thuiszitter() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3: the definition counts days absent per week, not
    the length of the period (the langdurig-relatief count of the old rule counted this pupil)."""
    m = melding(VerzuimKind.LANGDURIG_RELATIEF, SIX_WEEKS, hours=1)
    assert not meldt_thuiszitter(m)


def test_absoluut_verzuim_is_absence_on_every_school_day() -> None:
    """Source: 004_45b01860e536524f.txt ch. 2 and 002 §1.3: a pupil registered at no school goes
    to no school on any day, so absoluut verzuim longer than 4 weeks is sitting at home."""
    m = melding(VerzuimKind.ABSOLUUT, SIX_WEEKS, hours=None)
    assert absent_days_per_week(m.details, WETTELIJK) == [5.0] * 6
    assert meldt_thuiszitter(m)


def test_late_arrivals_are_no_absent_days() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3: te laat komen is its own kind of verzuim; a pupil
    who arrives late is at school, not at home."""
    m = melding(VerzuimKind.TE_LAAT, SIX_WEEKS, hours=None, late_count=20)
    assert not meldt_thuiszitter(m)


def test_a_withdrawn_melding_signals_nothing() -> None:
    """Source: 003_7a86b6feff3ff4ff.txt §3.2 (a melding made in error is withdrawn): what is
    withdrawn no longer says anything about the pupil."""
    m = melding(VerzuimKind.ZIEKTE, SIX_WEEKS, hours=6 * 5 * 8)
    m.withdraw("verkeerde leerling")
    assert not meldt_thuiszitter(m)


@given(st.integers(min_value=1, max_value=8 * 5 * 6))
def test_more_hours_never_unmake_a_thuiszitter(hours: int) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3: the definition is monotone in the days absent."""
    less = melding(VerzuimKind.ZIEKTE, SIX_WEEKS, hours=hours)
    more = melding(VerzuimKind.ZIEKTE, SIX_WEEKS, hours=min(hours + 8, 240))
    assert meldt_thuiszitter(more) >= meldt_thuiszitter(less)
