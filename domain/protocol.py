"""The verzuimprotocol as data: every threshold of the verzuim rules, with its source.

A school's or region's protocol may differ from the legal rule (domain.md: "Where two
regions differ, the hub makes the rule a setting of the school's or region's
verzuimprotocol, with the legal rule as the default"). `WETTELIJK` holds the defaults;
the presets below are the regional protocols the source documents describe. The rules in
`domain.verzuim` read every number from here.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from types import MappingProxyType

from domain.errors import InvalidValue

MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class Termijn:
    """A legal time limit of months, weeks and days, counted in calendar time."""

    months: int = 0
    weeks: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        if min(self.months, self.weeks, self.days) < 0:
            raise InvalidValue("termijn", "months, weeks and days must not be negative")

    def after(self, start: date) -> date:
        """The day the limit runs out when it starts on `start`."""
        # Months first, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb),
        # as a "drie maanden" limit is read in calendar months.
        month_index = start.month - 1 + self.months
        year = start.year + month_index // MONTHS_PER_YEAR
        month = month_index % MONTHS_PER_YEAR + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return date(year, month, day) + timedelta(weeks=self.weeks, days=self.days)


@dataclass(frozen=True)
class Verzuimprotocol:
    """The thresholds of one verzuimprotocol; the defaults are the legal rule.

    Sources: 002_9975c357e8165dd2.txt §1.3 and processchema; 003_4d76ddd5121ac97c.txt §2.4,
    §3.2; 004_45b01860e536524f.txt ch. 2 and 16; Leerplichtwet 1969 art. 3, 4, 4a, 21.
    """

    name: str = "wettelijk"

    # 16-uursmelding: 16 (les)uren unauthorised absence within 4 weeks must be reported
    # (002 §1.3 "Ongeoorloofd verzuim van 16 uur in vier weken"; 003 §3.2).
    melding_hours: float = 16
    melding_weeks: int = 4

    # Te laat komen: 16 times within 4 weeks (003 §3.2); regions lower it (002: 9, 004: 12).
    te_laat_count: int = 16
    te_laat_weeks: int = 4

    # Langdurig relatief verzuim: absent without interruption for 4 weeks or more (002 §1.3).
    langdurig_relatief_weeks: int = 4

    # Thuiszitter: absent more than 3 days a week for longer than 4 weeks (002 §1.3).
    thuiszitter_days_per_week: float = 3
    thuiszitter_weeks: int = 4

    # Problematisch verzuim (002 §1.3): 25% of school time missed in 2 weeks; or at least
    # 10 days absent in 15 weeks; or at least 2 weeks of great difficulty going to school.
    problematisch_fraction: float = 0.25
    problematisch_fraction_weeks: int = 2
    problematisch_days: int = 10
    problematisch_days_weeks: int = 15
    problematisch_difficulty_weeks: int = 2

    # Ziekteverzuim is authorised (Leerplichtwet art. 11 sub d); a school's protocol may still
    # escalate: Sprengeloo involves the ondersteuningscoördinator at 60 hours, "al of niet
    # aaneengesloten" (004 ch. 16). The law sets no number, so the legal default has none.
    ziekte_escalation_hours: float | None = None

    # Every thuiszitter has a passend aanbod within three months (003 §2.4, 002 §3.3): the
    # law's twelve weeks (004 ch. 2), "opgeteld: twaalf weken = drie maanden" (002 §3.4 advice 8).
    passend_aanbod_termijn: Termijn = Termijn(months=3)

    # The escalation clock of a thuiszitter case, in weeks since the pupil sat at home:
    # casusregie "na de eerste vier weken" (002 §3.4 advice 7), a doorbraakteam when "na acht
    # weken dreigt dat er ... geen passend aanbod is" (advice 8).
    casusregie_weeks: int = 4
    doorbraak_weeks: int = 8

    # Drechtsteden appoints two regisseurs, one from the SWV and one from the schoolbestuur
    # (002 processchema steps 3-6); elsewhere one regisseur by the rule of 003 §2.3, §4.3.
    twee_regisseurs: bool = False

    # Leerplichtwet art. 21: the school reports "onverwijld". DUO counts the period up to
    # "de dag waarop de 16 uur is bereikt"; regional guidance reads onverwijld as within
    # 5 working days after the threshold is passed. Counted in school days.
    melding_deadline_school_days: int = 5

    # Leerplicht from 5 to 16, kwalificatieplicht to 18 (002 §1.9; Leerplichtwet art. 3,
    # 4, 4a).
    leerplicht_from_age: int = 5
    leerplicht_until_age: int = 16
    kwalificatieplicht_until_age: int = 18

    # A school week has 5 days; a school day at most 8 lesson hours (004 ch. 16: "16 uur,
    # dus twee dagen"). Reported hours above what the period can hold are a typing error.
    school_days_per_week: int = 5
    max_lesson_hours_per_day: float = 8

    def __post_init__(self) -> None:
        _check_positive(self, "melding_hours", "melding_weeks", "te_laat_count", "te_laat_weeks")
        _check_positive(self, "langdurig_relatief_weeks", "thuiszitter_weeks")
        _check_positive(self, "problematisch_fraction_weeks", "problematisch_days")
        _check_positive(self, "problematisch_days_weeks", "problematisch_difficulty_weeks")
        _check_positive(self, "school_days_per_week", "max_lesson_hours_per_day")
        _check_positive(self, "leerplicht_from_age", "melding_deadline_school_days")
        _check_positive(self, "casusregie_weeks", "doorbraak_weeks")
        if self.doorbraak_weeks <= self.casusregie_weeks:
            raise InvalidValue("doorbraak_weeks", "must come after casusregie_weeks")
        if not 0 < self.problematisch_fraction <= 1:
            raise InvalidValue("problematisch_fraction", "must lie in (0, 1]")
        if not 0 <= self.thuiszitter_days_per_week < self.school_days_per_week:
            raise InvalidValue("thuiszitter_days_per_week", "must be below the days of a week")
        if self.ziekte_escalation_hours is not None and self.ziekte_escalation_hours <= 0:
            raise InvalidValue("ziekte_escalation_hours", "must be positive or None")
        ages = (self.leerplicht_from_age, self.leerplicht_until_age, self.kwalificatieplicht_until_age)
        if not ages[0] < ages[1] < ages[2]:
            raise InvalidValue("leerplicht_until_age", "ages must rise: leerplicht < kwalificatieplicht")

    @property
    def max_lesson_hours_per_week(self) -> float:
        """The most lesson hours a school week can hold (5 days x 8 hours by default)."""
        return self.school_days_per_week * self.max_lesson_hours_per_day

    @property
    def langdurig_relatief_school_days(self) -> int:
        """The langdurig-relatief threshold in school days (4 weeks x 5 days)."""
        return self.langdurig_relatief_weeks * self.school_days_per_week


def _check_positive(protocol: Verzuimprotocol, *names: str) -> None:
    for name in names:
        if getattr(protocol, name) <= 0:
            raise InvalidValue(name, "must be positive")


WETTELIJK = Verzuimprotocol()
"""The legal defaults (Leerplichtwet; 002 §1.3; 003 §3.2)."""

ZAANSTREEK = replace(WETTELIJK, name="zaanstreek")
"""Zaanse Aanpak Schoolaanwezigheid: the legal thresholds, aanbod within three months
(003 §2.4, §3.2)."""

DRECHTSTEDEN_PO = replace(WETTELIJK, name="drechtsteden-po", te_laat_count=9, twee_regisseurs=True)
"""SWV Drechtsteden PO: melding at "negen keer te laat komen" (002 processchema step 9); a
regisseur from the SWV and one from the schoolbestuur (steps 3-6)."""

APELDOORN_SPRENGELOO = replace(WETTELIJK, name="apeldoorn-sprengeloo", te_laat_count=12, ziekte_escalation_hours=60)
"""Sprengeloo, Apeldoorn: leerplicht "na 12 keer te laat komen", ziekteverzuim escalated
at 60 hours (004 ch. 16)."""

ROTTERDAM_KOERS_VO = replace(WETTELIJK, name="rotterdam-koers-vo", passend_aanbod_termijn=Termijn(weeks=10))
"""Koers VO, Rotterdam: the law says twelve weeks, "de gemeente Rotterdam streeft naar een
termijn van tien weken" (004 ch. 2)."""

PRESETS: MappingProxyType[str, Verzuimprotocol] = MappingProxyType(
    {p.name: p for p in (WETTELIJK, ZAANSTREEK, DRECHTSTEDEN_PO, APELDOORN_SPRENGELOO, ROTTERDAM_KOERS_VO)}
)


def protocol_by_name(name: str) -> Verzuimprotocol:
    """The preset called `name`, or `InvalidValue` naming the known presets."""
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(sorted(PRESETS))
        raise InvalidValue("protocol", f"unknown protocol {name!r}; known: {known}") from None
