"""The fixed periods of the SWV's monitoring: a calendar month, a calendar quarter, a school year.

The SWV reports per quarter to the inspectie (002 steps 4 and 18: "kwartaalreportages naar de
inspectie") and monitors "vier keer per schooljaar" (000); a school year runs from 1 August to
31 July (WPO/WVO, `domain.verzuim.SCHOOL_YEAR_FIRST_MONTH`). Only these periods may be asked:
two free windows that differ by one day tell what happened on that day (issue 16).
Every fixed period is a union of whole calendar months, the unit the suppression builds on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain.errors import InvalidPeriod
from domain.verzuim import SCHOOL_YEAR_FIRST_MONTH

ALLOWED_FORMS = "a month (2026-11), a quarter (2026-Q4) or a school year (2026/2027, 1 Aug - 31 Jul)"
_MONTHS_PER_QUARTER = 3
# re.ASCII: \d must not take full-width or other scripts' digits for a year.
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$", re.ASCII)
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.ASCII)
# The seeds write school years as "2015-2016" (004) or "2024 - 2025" (001); the API's own form is 2026/2027.
_SCHOOL_YEAR = re.compile(r"^(\d{4})\s*[/-]\s*(\d{4})$", re.ASCII)
_FIRST_YEAR, _LAST_YEAR = 2000, 2999


class PeriodeSoort(StrEnum):
    """The kinds of fixed period."""

    MAAND = "maand"
    KWARTAAL = "kwartaal"
    SCHOOLJAAR = "schooljaar"


@dataclass(frozen=True)
class Periode:
    """A fixed period: its kind, its canonical name and its first and last day."""

    soort: PeriodeSoort
    naam: str
    van: date
    tot: date

    def months(self) -> tuple[str, ...]:
        """The calendar months it covers, as `YYYY-MM`."""
        result: list[str] = []
        day = self.van
        while day <= self.tot:
            result.append(f"{day.year:04d}-{day.month:02d}")
            day = _next_month(day)
        return tuple(result)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _month_span(year: int, first_month: int, count: int) -> tuple[date, date]:
    start = date(year, first_month, 1)
    end = start
    for _ in range(count):
        end = _next_month(end)
    return start, end - timedelta(days=1)


def maand(year: int, month: int) -> Periode:
    van, tot = _month_span(year, month, 1)
    return Periode(PeriodeSoort.MAAND, f"{year:04d}-{month:02d}", van, tot)


def kwartaal(year: int, quarter: int) -> Periode:
    van, tot = _month_span(year, (quarter - 1) * _MONTHS_PER_QUARTER + 1, _MONTHS_PER_QUARTER)
    return Periode(PeriodeSoort.KWARTAAL, f"{year:04d}-Q{quarter}", van, tot)


def schooljaar(first_year: int) -> Periode:
    van, tot = _month_span(first_year, SCHOOL_YEAR_FIRST_MONTH, 12)
    return Periode(PeriodeSoort.SCHOOLJAAR, f"{first_year:04d}/{first_year + 1:04d}", van, tot)


def schooljaar_of(day: date) -> Periode:
    """The school year `day` lies in."""
    return schooljaar(day.year if day.month >= SCHOOL_YEAR_FIRST_MONTH else day.year - 1)


def vorig_kwartaal(day: date) -> Periode:
    """The last quarter that ended before `day`: the one an SWV reports on (002 step 18)."""
    first_of_quarter = date(day.year, (day.month - 1) // _MONTHS_PER_QUARTER * _MONTHS_PER_QUARTER + 1, 1)
    last = first_of_quarter - timedelta(days=1)
    return kwartaal(last.year, (last.month - 1) // _MONTHS_PER_QUARTER + 1)


def kwartaal_van(day: date) -> str:
    """The name of the quarter `day` lies in (`2026-Q4`); names sort as the quarters do."""
    return f"{day.year:04d}-Q{(day.month - 1) // _MONTHS_PER_QUARTER + 1}"


def kwartalen(first: str, last: str) -> tuple[str, ...]:
    """The quarters from `first` to `last`, both named like `2026-Q4`, in order."""
    return tuple(_kwartaalnaam(i) for i in range(_kwartaalindex(first), _kwartaalindex(last) + 1))


def kwartaal_terug(naam: str, aantal: int) -> str:
    """The quarter `aantal` quarters before `naam`."""
    return _kwartaalnaam(_kwartaalindex(naam) - aantal)


def _kwartaalindex(naam: str) -> int:
    return int(naam[:4]) * 4 + int(naam[-1]) - 1


def _kwartaalnaam(index: int) -> str:
    return f"{index // 4:04d}-Q{index % 4 + 1}"


def parse_kwartaal(text: str, field: str = "kwartaal") -> Periode:
    """`2026-Q4` as a Periode; a month or a school year is no quarter."""
    periode = parse_periode(text, field)
    if periode.soort is not PeriodeSoort.KWARTAAL:
        raise InvalidPeriod(field, f"{text!r} is not a quarter; give a quarter such as 2026-Q4")
    return periode


def parse_periode(text: str, field: str = "periode") -> Periode:
    """`2026-11`, `2026-Q4` or `2026/2027` as a Periode; anything else names the allowed forms."""
    value = text.strip().upper()
    if m := _MONTH.match(value):
        return maand(_year(m[1], field), int(m[2]))
    if m := _QUARTER.match(value):
        return kwartaal(_year(m[1], field), int(m[2]))
    if (m := _SCHOOL_YEAR.match(value)) and int(m[2]) == int(m[1]) + 1:
        return schooljaar(_year(m[1], field))
    raise InvalidPeriod(field, f"{text!r} is not a fixed period; give {ALLOWED_FORMS}")


def periode_of_range(van: date, tot: date, field: str = "van/tot") -> Periode:
    """The fixed period that is exactly [van, tot]; any other window names the allowed forms."""
    _year(van.year, field)
    candidates = (
        maand(van.year, van.month),
        kwartaal(van.year, (van.month - 1) // _MONTHS_PER_QUARTER + 1),
        schooljaar_of(van),
    )
    for candidate in candidates:
        if (candidate.van, candidate.tot) == (van, tot):
            return candidate
    raise InvalidPeriod(
        field, f"{van.isoformat()} to {tot.isoformat()} is not exactly a fixed period; give {ALLOWED_FORMS}"
    )


def _year(digits: str | int, field: str) -> int:
    year = int(digits)
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise InvalidPeriod(field, f"year {year} lies outside {_FIRST_YEAR}-{_LAST_YEAR}")
    return year
