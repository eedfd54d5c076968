"""The verzuim rules as named pure functions.

Each function states one rule of domain.md and its source; every number comes from a
`Verzuimprotocol` (default: `WETTELIJK`). Dates are plain `datetime.date`s supplied by the
caller (the domain reads no clock). School days are the first `school_days_per_week`
weekdays minus the `free_days` a caller passes (holidays, study days): the domain holds no
holiday calendar.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.errors import InvalidPeriod, InvalidValue
from domain.identifiers import validate_gemeentecode
from domain.protocol import WETTELIJK, Termijn, Verzuimprotocol

# WPO/WVO: "het schooljaar loopt van 1 augustus tot en met 31 juli".
SCHOOL_YEAR_FIRST_MONTH = 8
LEAP_DAY = (2, 29)
# Someone born on 29 February has completed a year once 28 February has passed.
LEAP_BIRTHDAY_IN_COMMON_YEAR = (3, 1)


class VerzuimKind(StrEnum):
    """The kinds of verzuim (002 §1.3; 003 §3.2; 004 ch. 16)."""

    ONGEOORLOOFD_16_UUR = "ongeoorloofd_16_uur"
    TE_LAAT = "te_laat"
    LANGDURIG_RELATIEF = "langdurig_relatief"
    LUXE = "luxe"
    ABSOLUUT = "absoluut"
    OVERIG = "overig"
    ZIEKTE = "ziekte"
    ZORGELIJK = "zorgelijk"

    @property
    def label(self) -> str:
        """The Dutch name."""
        return _VERZUIM_LABELS[self]


_VERZUIM_LABELS = {
    VerzuimKind.ONGEOORLOOFD_16_UUR: "Ongeoorloofd verzuim (16 uur in 4 weken)",
    VerzuimKind.TE_LAAT: "Te laat komen",
    VerzuimKind.LANGDURIG_RELATIEF: "Langdurig relatief verzuim",
    VerzuimKind.LUXE: "Luxe verzuim",
    VerzuimKind.ABSOLUUT: "Absoluut verzuim",
    VerzuimKind.OVERIG: "Overig verzuim",
    VerzuimKind.ZIEKTE: "Ziekteverzuim (geoorloofd)",
    VerzuimKind.ZORGELIJK: "Zorgelijk verzuim",
}


class SchoolActie(StrEnum):
    """What the school already did before reporting (002 §1.3, §1.5, §1.7, §1.8; 003 §3.2)."""

    GESPREK_OUDERS = "gesprek_ouders"
    VERZUIMCOORDINATOR = "verzuimcoordinator"
    SCHOOLMAATSCHAPPELIJK_WERK = "schoolmaatschappelijk_werk"
    JEUGDARTS = "jeugdarts"
    ONDERSTEUNINGSTEAM = "ondersteuningsteam"

    @property
    def label(self) -> str:
        """The Dutch name."""
        return _ACTIE_LABELS[self]


_ACTIE_LABELS = {
    SchoolActie.GESPREK_OUDERS: "Gesprek met leerling en ouders",
    SchoolActie.VERZUIMCOORDINATOR: "Opgeschaald naar de verzuimcoördinator",
    SchoolActie.SCHOOLMAATSCHAPPELIJK_WERK: "Schoolmaatschappelijk werk ingeschakeld",
    SchoolActie.JEUGDARTS: "Aangemeld bij de jeugdarts",
    SchoolActie.ONDERSTEUNINGSTEAM: "Besproken in het ondersteuningsteam",
}


class MasRoute(StrEnum):
    """Leerplicht's route under the Methodische Aanpak Schoolverzuim (003 §3.2)."""

    VRIJWILLIGE_JEUGDHULP = "vrijwillige_jeugdhulp"
    HALT = "halt"
    CIVIELRECHTELIJK = "civielrechtelijk"
    STRAFRECHTELIJK = "strafrechtelijk"
    GEEN_ACTIE = "geen_actie"

    @property
    def label(self) -> str:
        """The Dutch name."""
        return _MAS_LABELS[self]


_MAS_LABELS = {
    MasRoute.VRIJWILLIGE_JEUGDHULP: "Vrijwillige jeugdhulp",
    MasRoute.HALT: "HALT-straf",
    MasRoute.CIVIELRECHTELIJK: "Dwang in civielrechtelijk kader",
    MasRoute.STRAFRECHTELIJK: "Dwang in strafrechtelijk kader",
    MasRoute.GEEN_ACTIE: "Geen actie",
}


class Regisseur(StrEnum):
    """Who holds regie over a case (003 §2.3, §4.3, §6.2)."""

    SCHOOL = "school"
    JEUGDTEAM = "jeugdteam"
    LEERPLICHT = "leerplicht"

    @property
    def label(self) -> str:
        """The Dutch name."""
        return _REGISSEUR_LABELS[self]


_REGISSEUR_LABELS = {
    Regisseur.SCHOOL: "School van inschrijving of aanmelding",
    Regisseur.JEUGDTEAM: "Jeugdteam",
    Regisseur.LEERPLICHT: "Leerplicht",
}


class Measure(StrEnum):
    """What a melding of a kind counts: lesson hours, times (late), or nothing."""

    HOURS = "hours"
    TIMES = "times"
    NONE = "none"


class ProblematischCriterium(StrEnum):
    """The three signs of problematisch verzuim (002 §1.3)."""

    SCHOOLTIJD_GEMIST = "schooltijd_gemist"
    DAGEN_AFWEZIG = "dagen_afwezig"
    GROTE_MOEITE = "grote_moeite"


# ---------------------------------------------------------------- leerplicht by age


def birthday(birth_date: date, years: int) -> date:
    """The day `birth_date` turns `years` old (29 February: 1 March in common years)."""
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:
        # Only 29 February fails to exist in the target year.
        assert (birth_date.month, birth_date.day) == LEAP_DAY
        return date(birth_date.year + years, *LEAP_BIRTHDAY_IN_COMMON_YEAR)


def leerplicht_start(birth_date: date, protocol: Verzuimprotocol = WETTELIJK) -> date:
    """First day of leerplicht: the month after the 5th birthday (Leerplichtwet art. 3)."""
    fifth = birthday(birth_date, protocol.leerplicht_from_age)
    return Termijn(months=1).after(fifth.replace(day=1))


def leerplicht_end(birth_date: date, protocol: Verzuimprotocol = WETTELIJK) -> date:
    """Last day of leerplicht: the end of the school year in which the pupil turns 16.

    Leerplichtwet art. 4; the alternative end after 12 full school years needs the school
    history, which the hub does not hold, so the later end applies.
    """
    sixteenth = birthday(birth_date, protocol.leerplicht_until_age)
    end_year = sixteenth.year + (1 if sixteenth.month >= SCHOOL_YEAR_FIRST_MONTH else 0)
    return date(end_year, SCHOOL_YEAR_FIRST_MONTH, 1) - timedelta(days=1)


def kwalificatieplicht_end(birth_date: date, protocol: Verzuimprotocol = WETTELIJK) -> date:
    """Last day of kwalificatieplicht: the day before the 18th birthday (art. 4a)."""
    return birthday(birth_date, protocol.kwalificatieplicht_until_age) - timedelta(days=1)


def is_leerplichtig(birth_date: date, on: date, protocol: Verzuimprotocol = WETTELIJK) -> bool:
    """Whether the pupil is leerplichtig on `on` (5 to 16: 002 §1.9)."""
    return leerplicht_start(birth_date, protocol) <= on <= leerplicht_end(birth_date, protocol)


def is_kwalificatieplichtig(
    birth_date: date,
    on: date,
    protocol: Verzuimprotocol = WETTELIJK,
    *,
    startkwalificatie: bool = False,
) -> bool:
    """Whether kwalificatieplicht applies on `on`: after leerplicht, until 18, unless a
    startkwalificatie was obtained (domain.md; Leerplichtwet art. 4a)."""
    if startkwalificatie:
        return False
    return leerplicht_end(birth_date, protocol) < on <= kwalificatieplicht_end(birth_date, protocol)


def is_leer_of_kwalificatieplichtig(
    birth_date: date,
    on: date,
    protocol: Verzuimprotocol = WETTELIJK,
    *,
    startkwalificatie: bool = False,
) -> bool:
    """Whether either duty applies: the pupils the meldplicht covers (003 §3.2)."""
    return is_leerplichtig(birth_date, on, protocol) or is_kwalificatieplichtig(
        birth_date, on, protocol, startkwalificatie=startkwalificatie
    )


def valt_onder_meldplicht(
    birth_date: date, period_start: date, period_end: date, protocol: Verzuimprotocol = WETTELIJK
) -> bool:
    """Whether leer- or kwalificatieplicht applies on some day of the period: ongeoorloofd
    verzuim is reported only of "leer- of kwalificatieplichtige leerlingen die op een school
    ingeschreven zijn" (003 §3.2). A startkwalificatie would end kwalificatieplicht earlier;
    the school that reports still teaches the pupil, so none is assumed."""
    return leerplicht_start(birth_date, protocol) <= period_end and period_start <= kwalificatieplicht_end(
        birth_date, protocol
    )


def door_school_te_melden(kind: VerzuimKind) -> bool:
    """Whether a school reports this kind. Absoluut verzuim is a leer- or kwalificatieplichtige
    "die niet is ingeschreven op een school" (002 §1.3): no school has the pupil to report, so
    leerplicht finds it (in DUO's registers), not a school's melding."""
    return kind is not VerzuimKind.ABSOLUUT


def is_absoluut_verzuim(
    birth_date: date,
    on: date,
    *,
    registered: bool,
    exempt: bool = False,
    startkwalificatie: bool = False,
    protocol: Verzuimprotocol = WETTELIJK,
) -> bool:
    """A leer- or kwalificatieplichtige not registered at any school, without an
    exemption (002 §1.3)."""
    if registered or exempt:
        return False
    return is_leer_of_kwalificatieplichtig(birth_date, on, protocol, startkwalificatie=startkwalificatie)


# ---------------------------------------------------------------- calendar and input checks


def is_school_day(day: date, protocol: Verzuimprotocol = WETTELIJK, free_days: Collection[date] = ()) -> bool:
    """Whether `day` is a school day: Monday..Friday (by default) and not a free day."""
    return day.weekday() < protocol.school_days_per_week and day not in free_days


def school_days_between(
    start: date,
    end: date,
    protocol: Verzuimprotocol = WETTELIJK,
    free_days: Collection[date] = (),
) -> int:
    """The school days from `start` to `end`, both included (0 when `end` < `start`)."""
    count = 0
    day = start
    while day <= end:
        count += is_school_day(day, protocol, free_days)
        day += timedelta(days=1)
    return count


def _require_date(value: object, field: str) -> date:
    # datetime is a subclass of date, but mixing the two breaks comparisons and hides
    # time-zone questions: periods are whole days.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidPeriod(field, "must be a date (YYYY-MM-DD)")
    return value


def validate_period(start: date, end: date, today: date) -> None:
    """A reported period is in order and not in the future (start <= end <= today)."""
    _require_date(start, "period_start")
    _require_date(end, "period_end")
    _require_date(today, "today")
    if start > end:
        raise InvalidPeriod("period_start", "lies after period_end")
    if end > today:
        raise InvalidPeriod("period_end", "lies in the future")


def max_lesson_hours(
    start: date,
    end: date,
    protocol: Verzuimprotocol = WETTELIJK,
    free_days: Collection[date] = (),
) -> float:
    """The most lesson hours the period can hold: its school days x hours per day."""
    return school_days_between(start, end, protocol, free_days) * protocol.max_lesson_hours_per_day


def validate_hours(
    hours: float,
    start: date,
    end: date,
    protocol: Verzuimprotocol = WETTELIJK,
    free_days: Collection[date] = (),
) -> float:
    """Reported hours are positive and fit the period (at most 8 per school day, 004 ch. 16)."""
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not math.isfinite(hours):
        raise InvalidValue("hours", "must be a number")
    if hours <= 0:
        raise InvalidValue("hours", "must be positive")
    limit = max_lesson_hours(start, end, protocol, free_days)
    if limit == 0:
        raise InvalidPeriod("period_start", "the period holds no school day")
    if hours > limit:
        raise InvalidValue("hours", f"{hours:g} exceeds the {limit:g} lesson hours of the period")
    return float(hours)


def validate_late_count(
    count: int,
    start: date,
    end: date,
    protocol: Verzuimprotocol = WETTELIJK,
    free_days: Collection[date] = (),
) -> int:
    """A late count is a positive whole number, at most one per lesson of the period."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise InvalidValue("late_count", "must be a whole number")
    if count <= 0:
        raise InvalidValue("late_count", "must be positive")
    # "bij het begin van de schooldag of tijdens de les" (002 processchema): at most once
    # per lesson.
    limit = max_lesson_hours(start, end, protocol, free_days)
    if limit == 0:
        raise InvalidPeriod("period_start", "the period holds no school day")
    if count > limit:
        raise InvalidValue("late_count", f"{count} exceeds the {limit:g} lessons of the period")
    return count


def fits_window(
    start: date,
    end: date,
    weeks: int,
    protocol: Verzuimprotocol = WETTELIJK,
    free_days: Collection[date] = (),
) -> bool:
    """Whether the period lies within `weeks` consecutive school weeks (free days excluded,
    as DUO counts: "Vakantiedagen tellen niet mee")."""
    return school_days_between(start, end, protocol, free_days) <= weeks * protocol.school_days_per_week


# ---------------------------------------------------------------- meldplicht


def measure_of(kind: VerzuimKind) -> Measure:
    """What a melding of `kind` counts: late arrivals in times, absoluut verzuim nothing
    (the pupil has no school), every other kind in lesson hours."""
    if kind is VerzuimKind.TE_LAAT:
        return Measure.TIMES
    if kind is VerzuimKind.ABSOLUUT:
        return Measure.NONE
    return Measure.HOURS


def is_langdurig_relatief(consecutive_school_days: int, protocol: Verzuimprotocol = WETTELIJK) -> bool:
    """Absent without interruption for 4 weeks or more (002 §1.3), counted in school days."""
    return consecutive_school_days >= protocol.langdurig_relatief_school_days


def melding_required(
    kind: VerzuimKind,
    protocol: Verzuimprotocol = WETTELIJK,
    *,
    hours: float = 0,
    late_count: int = 0,
    consecutive_school_days: int = 0,
) -> bool:
    """Whether the school must report (002 §1.3; 003 §3.2).

    16 or more hours within the window (002: "16 uur in vier weken"; 003 calls fewer
    "zorgelijk", so 16 itself must be reported); the protocol's late count; 4 weeks of
    uninterrupted absence; luxe verzuim always (it has no threshold; leerplicht offices
    list it among the kinds a school is "wettelijk verplicht" to report). Absoluut verzuim
    reaches leerplicht through DUO's registers, not a school's melding; overig, ziekte and
    zorgelijk verzuim are signals without a duty.
    """
    if kind is VerzuimKind.ONGEOORLOOFD_16_UUR:
        return hours >= protocol.melding_hours
    if kind is VerzuimKind.TE_LAAT:
        return late_count >= protocol.te_laat_count
    if kind is VerzuimKind.LANGDURIG_RELATIEF:
        return is_langdurig_relatief(consecutive_school_days, protocol)
    return kind is VerzuimKind.LUXE


def melding_deadline(period_end: date, protocol: Verzuimprotocol = WETTELIJK, free_days: Collection[date] = ()) -> date:
    """The last day a melding is on time: `melding_deadline_school_days` school days after
    the period ends (Leerplichtwet art. 21 "onverwijld"; the period ends on the day the
    threshold is reached)."""
    day = period_end
    remaining = protocol.melding_deadline_school_days
    while remaining:
        day += timedelta(days=1)
        if is_school_day(day, protocol, free_days):
            remaining -= 1
    return day


def is_melding_late(
    period_end: date,
    filed_on: date,
    protocol: Verzuimprotocol = WETTELIJK,
    free_days: Collection[date] = (),
) -> bool:
    """Whether a melding filed on `filed_on` missed its deadline."""
    return filed_on > melding_deadline(period_end, protocol, free_days)


class Herregistratie(StrEnum):
    """Why a melding is registered as another kind than the school sent, each a rule of a seed."""

    KORTER_DAN_VIER_WEKEN = "korter_dan_vier_weken"
    ONDER_DREMPEL = "onder_drempel"
    BUITEN_VENSTER = "buiten_venster"
    NA_MELDTERMIJN = "na_meldtermijn"

    @property
    def uitleg(self) -> str:
        """What the rule says, in Dutch, with its source."""
        return _HERREGISTRATIE_UITLEG[self]


_HERREGISTRATIE_UITLEG = {
    Herregistratie.KORTER_DAN_VIER_WEKEN: "langdurig relatief verzuim duurt vier schoolweken of langer (002 §1.3); "
    "een kortere periode telt als 16-uursmelding",
    Herregistratie.ONDER_DREMPEL: "onder de meldgrens van het protocol: overig verzuim, "
    '"minder dan 16 uur in 4 weken" (002 §1.3)',
    Herregistratie.BUITEN_VENSTER: "de periode is langer dan het venster van vier schoolweken (002 §1.3; "
    "vakantiedagen tellen niet mee)",
    Herregistratie.NA_MELDTERMIJN: "na de meldtermijn gemeld: \"alsnog als 'overig verzuim'\" (003 §3.2)",
}


@dataclass(frozen=True)
class Registratie:
    """The kind a melding is registered as, and why it differs from the kind sent (if it does)."""

    kind: VerzuimKind
    redenen: tuple[Herregistratie, ...] = ()


def classify_melding(
    kind: VerzuimKind,
    *,
    period_start: date,
    period_end: date,
    filed_on: date,
    hours: float | None = None,
    late_count: int | None = None,
    protocol: Verzuimprotocol = WETTELIJK,
    free_days: Collection[date] = (),
) -> Registratie:
    """The kind a melding is registered as, with every rule that changed it.

    A 16-uursmelding or te-laat melding below its threshold, outside its window, or filed
    after the deadline is "overig verzuim" (002 §1.3: "Overig verzuim van minder dan 16 uur
    in 4 weken"; 003 §3.2: "Als de meldtermijn wordt overschreden, moet het verzuim alsnog
    als 'overig verzuim' ... worden gemeld"). A langdurig-relatief melding whose period is
    shorter than 4 school weeks is judged as a 16-uursmelding. Other kinds stand as given.
    """
    redenen: list[Herregistratie] = []
    if kind is VerzuimKind.LANGDURIG_RELATIEF:
        if is_langdurig_relatief(school_days_between(period_start, period_end, protocol, free_days), protocol):
            return Registratie(kind)
        kind = VerzuimKind.ONGEOORLOOFD_16_UUR
        redenen.append(Herregistratie.KORTER_DAN_VIER_WEKEN)
    if kind is VerzuimKind.ONGEOORLOOFD_16_UUR:
        reaches = melding_required(kind, protocol, hours=hours or 0)
        window = protocol.melding_weeks
    elif kind is VerzuimKind.TE_LAAT:
        reaches = melding_required(kind, protocol, late_count=late_count or 0)
        window = protocol.te_laat_weeks
    else:
        return Registratie(kind)
    if not reaches:
        redenen.append(Herregistratie.ONDER_DREMPEL)
    if not fits_window(period_start, period_end, window, protocol, free_days):
        redenen.append(Herregistratie.BUITEN_VENSTER)
    if is_melding_late(period_end, filed_on, protocol, free_days):
        redenen.append(Herregistratie.NA_MELDTERMIJN)
    overig = len(redenen) > (redenen[:1] == [Herregistratie.KORTER_DAN_VIER_WEKEN])
    return Registratie(VerzuimKind.OVERIG if overig else kind, tuple(redenen))


def is_zorgelijk(hours: float, late_count: int, protocol: Verzuimprotocol = WETTELIJK) -> bool:
    """Irregular absence below the meldplicht: some hours or late arrivals in the window,
    but fewer than 16 hours and fewer than 16 late arrivals (003 §3.2)."""
    some = hours > 0 or late_count > 0
    below = hours < protocol.melding_hours and late_count < protocol.te_laat_count
    return some and below


def ziekte_escalation_reached(sick_hours: float, protocol: Verzuimprotocol = WETTELIJK) -> bool:
    """Whether authorised sick leave reached the protocol's escalation point (004 ch. 16:
    60 hours, "al of niet aaneengesloten"); never when the protocol sets none."""
    limit = protocol.ziekte_escalation_hours
    return limit is not None and sick_hours >= limit


# ---------------------------------------------------------------- thuiszitters


def thuiszitter_weeks(days_absent_per_week: Sequence[float], protocol: Verzuimprotocol = WETTELIJK) -> int:
    """How many of the latest consecutive weeks (oldest first in the input) the pupil was
    absent more than `thuiszitter_days_per_week` days."""
    run = 0
    for days in days_absent_per_week:
        if not 0 <= days <= protocol.school_days_per_week:
            raise InvalidValue(
                "days_absent_per_week",
                f"each week holds 0..{protocol.school_days_per_week} days, got {days:g}",
            )
        run = run + 1 if days > protocol.thuiszitter_days_per_week else 0
    return run


def is_thuiszitter(days_absent_per_week: Sequence[float], protocol: Verzuimprotocol = WETTELIJK) -> bool:
    """Absent more than 3 days a week for longer than 4 weeks, also when this is part of an
    agreed plan (002 §1.3)."""
    return thuiszitter_weeks(days_absent_per_week, protocol) > protocol.thuiszitter_weeks


def problematisch_criteria(
    *,
    hours_missed: float,
    hours_scheduled: float,
    days_absent: float,
    weeks_of_difficulty: float,
    protocol: Verzuimprotocol = WETTELIJK,
) -> frozenset[ProblematischCriterium]:
    """Which signs of problematisch verzuim (002 §1.3) are present.

    `hours_missed` / `hours_scheduled` cover the last `problematisch_fraction_weeks` (2);
    `days_absent` the last `problematisch_days_weeks` (15); `weeks_of_difficulty` is how
    long the pupil has found it very hard to go to school, as judged by the school.
    """
    found: set[ProblematischCriterium] = set()
    if hours_scheduled > 0 and hours_missed / hours_scheduled >= protocol.problematisch_fraction:
        found.add(ProblematischCriterium.SCHOOLTIJD_GEMIST)
    if days_absent >= protocol.problematisch_days:
        found.add(ProblematischCriterium.DAGEN_AFWEZIG)
    if weeks_of_difficulty >= protocol.problematisch_difficulty_weeks:
        found.add(ProblematischCriterium.GROTE_MOEITE)
    return frozenset(found)


def is_problematisch(
    *,
    hours_missed: float,
    hours_scheduled: float,
    days_absent: float,
    weeks_of_difficulty: float,
    protocol: Verzuimprotocol = WETTELIJK,
) -> bool:
    """Whether any sign of problematisch verzuim is present (002 §1.3)."""
    return bool(
        problematisch_criteria(
            hours_missed=hours_missed,
            hours_scheduled=hours_scheduled,
            days_absent=days_absent,
            weeks_of_difficulty=weeks_of_difficulty,
            protocol=protocol,
        )
    )


def aanbod_deadline(since: date, protocol: Verzuimprotocol = WETTELIJK) -> date:
    """The day a thuiszitter's passend aanbod is due: three months after the case started
    (003 §2.4; 002 §3.3; Rotterdam ten weeks, 004 ch. 2)."""
    return protocol.passend_aanbod_termijn.after(since)


def past_aanbod_deadline(since: date, on: date, protocol: Verzuimprotocol = WETTELIJK) -> bool:
    """Whether on `on` the case is past its aanbod deadline (the due day itself is in time)."""
    return on > aanbod_deadline(since, protocol)


# ---------------------------------------------------------------- regie and routing


def regie(*, has_school: bool, care_is_main_need: bool, exempt: bool = False) -> Regisseur:
    """Who holds regie (003 §2.3, §4.3, §6.2).

    An exempted child (art. 5 sub a) goes to the jeugdteam (§6.2). Without a school of
    registration or application, leerplicht is casusregisseur (§4.3) — that rule is the
    specific one for thuiszitters and wins over the care rule. Otherwise the jeugdteam when
    the weight lies in care, the school when the question is a school place (§2.3).
    """
    if exempt:
        return Regisseur.JEUGDTEAM
    if not has_school:
        return Regisseur.LEERPLICHT
    if care_is_main_need:
        return Regisseur.JEUGDTEAM
    return Regisseur.SCHOOL


def route_melding(woongemeente: str) -> str:
    """The gemeentecode whose leerplicht receives the melding: the pupil's woongemeente,
    not the school's (003 §3.2: "automatisch doorgestuurd naar de afdeling leerplicht van
    de woongemeente van de leerling")."""
    return validate_gemeentecode(woongemeente, "woongemeente")
