"""The fixed periods of the SWV's monitoring: month, quarter, school year, and nothing else."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidPeriod
from domain.periods import (
    ALLOWED_FORMS,
    PeriodeSoort,
    kwartaal,
    parse_periode,
    periode_of_range,
    schooljaar,
    schooljaar_of,
)


@pytest.mark.parametrize(
    ("text", "soort", "naam", "van", "tot"),
    [
        ("2026-11", PeriodeSoort.MAAND, "2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2028-02", PeriodeSoort.MAAND, "2028-02", date(2028, 2, 1), date(2028, 2, 29)),
        ("2026-Q4", PeriodeSoort.KWARTAAL, "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2027-q1", PeriodeSoort.KWARTAAL, "2027-Q1", date(2027, 1, 1), date(2027, 3, 31)),
        ("2026/2027", PeriodeSoort.SCHOOLJAAR, "2026/2027", date(2026, 8, 1), date(2027, 7, 31)),
        # The seeds' own spelling of a school year: "schooljaar 2015-2016" (004), "2024 - 2025" (001).
        ("2015-2016", PeriodeSoort.SCHOOLJAAR, "2015/2016", date(2015, 8, 1), date(2016, 7, 31)),
        ("2024 - 2025", PeriodeSoort.SCHOOLJAAR, "2024/2025", date(2024, 8, 1), date(2025, 7, 31)),
    ],
)
def test_the_fixed_periods(text: str, soort: PeriodeSoort, naam: str, van: date, tot: date) -> None:
    """Months, quarters and school years (1 Aug - 31 Jul) are the periods monitoring answers.

    002_9975c357e8165dd2.txt steps 4 and 18 ("kwartaalreportages naar de inspectie");
    000_6d24de7c161491df.txt ("vier keer per schooljaar"); WPO/WVO school year from 1 August.
    """
    periode = parse_periode(text)
    assert (periode.soort, periode.naam, periode.van, periode.tot) == (soort, naam, van, tot)
    assert periode_of_range(van, tot) == periode


@pytest.mark.parametrize(
    "text",
    ["2026-13", "2026-Q5", "2026/2028", "2026-11-02", "november", "", "1999-01", "Q4", "\uff12\uff10\uff12\uff16-Q4"],
)
def test_anything_else_names_the_allowed_forms(text: str) -> None:
    """Issue 16: free windows (02-22 vs 02-23 Nov) were differenced; only fixed periods are asked."""
    with pytest.raises(InvalidPeriod) as raised:
        parse_periode(text)
    assert raised.value.field == "periode"
    assert "outside" in raised.value.message or ALLOWED_FORMS in raised.value.message


@pytest.mark.parametrize(
    ("van", "tot"),
    [
        (date(2026, 11, 2), date(2026, 11, 23)),  # the window
        (date(2026, 11, 2), date(2026, 11, 22)),
        (date(2026, 11, 1), date(2026, 11, 29)),
        (date(2026, 10, 1), date(2026, 11, 30)),  # two months are no fixed period
        (date(2026, 9, 1), date(2027, 8, 31)),  # a year, but not the school year
        (date(2026, 12, 31), date(2026, 10, 1)),
    ],
)
def test_a_window_must_be_exactly_a_fixed_period(van: date, tot: date) -> None:
    """Issue 16: "The window 02-23 Nov showed both kinds suppressed, total 6. The window 02-22 Nov
    showed `overig: 5`, total 5." 004_45b01860e536524f.txt ch. 15 (counts, never names)."""
    with pytest.raises(InvalidPeriod) as raised:
        periode_of_range(van, tot)
    assert raised.value.field == "van/tot" and ALLOWED_FORMS in raised.value.message


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2998, 12, 31)))
def test_every_period_is_whole_months_and_nests(day: date) -> None:
    """Month within quarter within (calendar) year; a school year holds twelve whole months.

    002_9975c357e8165dd2.txt steps 4 and 18; domain.verzuim.SCHOOL_YEAR_FIRST_MONTH.
    """
    year = schooljaar_of(day)
    assert year.van <= day <= year.tot and len(year.months()) == 12 and year.van.month == 8
    quarter = kwartaal(day.year, (day.month - 1) // 3 + 1)
    assert quarter.van <= day <= quarter.tot and len(quarter.months()) == 3
    assert f"{day.year:04d}-{day.month:02d}" in quarter.months()
    assert (year.tot + timedelta(days=1)) == schooljaar(year.van.year + 1).van
