"""The verzuim rules, one table per rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

import pytest

from domain.errors import InvalidPeriod, InvalidValue
from domain.protocol import (
    APELDOORN_SPRENGELOO,
    DRECHTSTEDEN_PO,
    ROTTERDAM_KOERS_VO,
    WETTELIJK,
    Verzuimprotocol,
)
from domain.verzuim import (
    Herregistratie,
    MasRoute,
    Measure,
    ProblematischCriterium,
    Regisseur,
    SchoolActie,
    VerzuimKind,
    aanbod_deadline,
    classify_melding,
    door_school_te_melden,
    fits_window,
    is_absoluut_verzuim,
    is_kwalificatieplichtig,
    is_langdurig_relatief,
    is_leerplichtig,
    is_melding_late,
    is_problematisch,
    is_thuiszitter,
    is_zorgelijk,
    kwalificatieplicht_end,
    leerplicht_end,
    leerplicht_start,
    measure_of,
    melding_deadline,
    melding_required,
    past_aanbod_deadline,
    problematisch_criteria,
    regie,
    route_melding,
    school_days_between,
    thuiszitter_weeks,
    validate_hours,
    validate_late_count,
    validate_period,
    valt_onder_meldplicht,
    ziekte_escalation_reached,
)

MON = date(2024, 3, 4)  # a Monday
FRI = date(2024, 3, 15)  # the Friday of the next week: 10 school days from MON
K = VerzuimKind

# ---------------------------------------------------------------- leerplicht by age


@pytest.mark.parametrize(
    ("birth", "on", "expected"),
    [
        (date(2019, 3, 10), date(2024, 3, 10), False),  # 5th birthday: not yet
        (date(2019, 3, 10), date(2024, 3, 31), False),
        (date(2019, 3, 10), date(2024, 4, 1), True),  # month after the 5th birthday
        (date(2019, 3, 1), date(2024, 4, 1), True),
        (date(2019, 12, 5), date(2025, 1, 1), True),  # year wraps
        (date(2008, 7, 15), date(2024, 7, 31), True),  # turned 16 this school year
        (date(2008, 7, 15), date(2024, 8, 1), False),
        (date(2008, 9, 1), date(2025, 7, 31), True),  # turned 16 in the next school year
        (date(2008, 9, 1), date(2025, 8, 1), False),
        (date(2008, 8, 1), date(2025, 7, 31), True),  # 16 on the school year's first day
        (date(2016, 2, 29), date(2021, 3, 31), False),  # leap day: 5 on 1 March 2021
        (date(2016, 2, 29), date(2021, 4, 1), True),
    ],
)
def test_is_leerplichtig(birth: date, on: date, expected: bool) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.9 ("Alle kinderen tussen 5 en 16 jaar ... zijn
    leerplichtig"; 4-year-olds are not); Leerplichtwet art. 3 and 4 (from the month after
    the 5th birthday to the end of the school year of the 16th)."""
    assert is_leerplichtig(birth, on) is expected


@pytest.mark.parametrize(
    ("birth", "on", "startkwalificatie", "expected"),
    [
        (date(2008, 7, 15), date(2024, 7, 31), False, False),  # still leerplichtig
        (date(2008, 7, 15), date(2024, 8, 1), False, True),
        (date(2008, 7, 15), date(2026, 7, 14), False, True),  # day before 18th birthday
        (date(2008, 7, 15), date(2026, 7, 15), False, False),  # 18
        (date(2008, 7, 15), date(2025, 1, 1), True, False),  # has a startkwalificatie
    ],
)
def test_is_kwalificatieplichtig(birth: date, on: date, startkwalificatie: bool, expected: bool) -> None:
    """Source: domain.md "Further rules" (kwalificatieplicht to 18, 002 §1.9, 003 §2.1);
    Leerplichtwet art. 4a (after leerplicht, until 18 or a startkwalificatie)."""
    assert is_kwalificatieplichtig(birth, on, startkwalificatie=startkwalificatie) is expected


def test_plicht_boundaries() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.9; Leerplichtwet art. 3, 4, 4a."""
    birth = date(2010, 10, 20)
    assert leerplicht_start(birth) == date(2015, 11, 1)
    assert leerplicht_end(birth) == date(2027, 7, 31)
    assert kwalificatieplicht_end(birth) == date(2028, 10, 19)


@pytest.mark.parametrize(
    ("birth", "on", "registered", "exempt", "expected"),
    [
        (date(2012, 1, 1), date(2024, 1, 1), False, False, True),
        (date(2012, 1, 1), date(2024, 1, 1), True, False, False),
        (date(2012, 1, 1), date(2024, 1, 1), False, True, False),
        (date(2007, 1, 1), date(2024, 6, 1), False, False, True),  # kwalificatieplichtig
        (date(2005, 1, 1), date(2024, 1, 1), False, False, False),  # 19: no duty
        (date(2020, 1, 1), date(2024, 6, 1), False, False, False),  # 4: no duty yet
    ],
)
def test_is_absoluut_verzuim(birth: date, on: date, registered: bool, exempt: bool, expected: bool) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 ("Absoluut verzuim: Leer- of kwalificatie
    plichtige jongere die niet is ingeschreven op een school"); §1.9 (vrijstelling)."""
    assert is_absoluut_verzuim(birth, on, registered=registered, exempt=exempt) is expected


# ---------------------------------------------------------------- calendar and input checks


@pytest.mark.parametrize(
    ("start", "end", "free", "days"),
    [
        (MON, FRI, (), 10),
        (MON, FRI, (date(2024, 3, 6),), 9),
        (MON, MON, (), 1),
        (date(2024, 3, 9), date(2024, 3, 10), (), 0),  # a weekend
        (FRI, MON, (), 0),  # reversed
    ],
)
def test_school_days_between(start: date, end: date, free: tuple[date, ...], days: int) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 (verzuim counted in school weeks); DUO
    "Vakantiedagen tellen niet mee" (free days are passed in)."""
    assert school_days_between(start, end, free_days=free) == days


@pytest.mark.parametrize(
    ("start", "end", "today", "field"),
    [
        (FRI, MON, FRI, "period_start"),
        (MON, FRI, date(2024, 3, 14), "period_end"),
        (datetime(2024, 3, 4, 8), FRI, FRI, "period_start"),
        (MON, FRI, "2024-03-15", "today"),
    ],
)
def test_validate_period_rejects(start: date, end: date, today: date, field: str) -> None:
    """Source: domain.md (a melding names the period; one cannot report absence that has
    not happened); design.md step 2 (the adapter validates dates)."""
    with pytest.raises(InvalidPeriod) as err:
        validate_period(start, end, today)
    assert err.value.field == field


@pytest.mark.parametrize(("start", "end", "today"), [(MON, FRI, FRI), (MON, MON, FRI)])
def test_validate_period_accepts(start: date, end: date, today: date) -> None:
    """Source: domain.md (period of a verzuimmelding: in order, not in the future)."""
    validate_period(start, end, today)


@pytest.mark.parametrize(
    ("hours", "ok"),
    [
        (16, True),
        (0.5, True),
        (80, True),
        (80.5, False),
        (0, False),
        (-1, False),
        (float("nan"), False),
        (float("inf"), False),
        (True, False),
        ("16", False),
    ],
)
def test_validate_hours(hours: float, ok: bool) -> None:
    """Source: 004_45b01860e536524f.txt ch. 16 ("16 uur, dus twee dagen": at most 8 lesson
    hours a school day; 10 school days hold at most 80)."""
    if ok:
        assert validate_hours(hours, MON, FRI) == hours
    else:
        with pytest.raises(InvalidValue) as err:
            validate_hours(hours, MON, FRI)
        assert err.value.field == "hours"


def test_validate_hours_needs_a_school_day() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 (verzuim is missed lesson time)."""
    with pytest.raises(InvalidPeriod):
        validate_hours(4, date(2024, 3, 9), date(2024, 3, 10))


@pytest.mark.parametrize(("count", "ok"), [(9, True), (80, True), (81, False), (0, False), (2.5, False), (True, False)])
def test_validate_late_count(count: int, ok: bool) -> None:
    """Source: 002_9975c357e8165dd2.txt processchema step 9 (te laat "bij het begin van de
    schooldag of tijdens de les": at most once per lesson)."""
    if ok:
        assert validate_late_count(count, MON, FRI) == count
    else:
        with pytest.raises(InvalidValue):
            validate_late_count(count, MON, FRI)


@pytest.mark.parametrize(
    ("start", "end", "weeks", "expected"),
    [
        (MON, FRI, 4, True),
        (date(2024, 2, 19), FRI, 4, True),  # exactly 20 school days
        (date(2024, 2, 16), FRI, 4, False),  # 21
        (date(2024, 2, 5), FRI, 4, False),
    ],
)
def test_fits_window(start: date, end: date, weeks: int, expected: bool) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 ("16 uur in vier weken"); 003 §3.2."""
    assert fits_window(start, end, weeks) is expected


# ---------------------------------------------------------------- meldplicht


@pytest.mark.parametrize(
    ("kind", "protocol", "hours", "late", "days", "expected"),
    [
        (K.ONGEOORLOOFD_16_UUR, WETTELIJK, 15.5, 0, 0, False),
        (K.ONGEOORLOOFD_16_UUR, WETTELIJK, 16, 0, 0, True),
        (K.ONGEOORLOOFD_16_UUR, WETTELIJK, 17, 0, 0, True),
        (K.TE_LAAT, WETTELIJK, 0, 15, 0, False),
        (K.TE_LAAT, WETTELIJK, 0, 16, 0, True),
        (K.TE_LAAT, DRECHTSTEDEN_PO, 0, 8, 0, False),
        (K.TE_LAAT, DRECHTSTEDEN_PO, 0, 9, 0, True),
        (K.TE_LAAT, APELDOORN_SPRENGELOO, 0, 11, 0, False),
        (K.TE_LAAT, APELDOORN_SPRENGELOO, 0, 12, 0, True),
        (K.LANGDURIG_RELATIEF, WETTELIJK, 0, 0, 19, False),
        (K.LANGDURIG_RELATIEF, WETTELIJK, 0, 0, 20, True),
        (K.LUXE, WETTELIJK, 1, 0, 0, True),
        (K.ABSOLUUT, WETTELIJK, 0, 0, 0, False),
        (K.OVERIG, WETTELIJK, 10, 0, 0, False),
        (K.ZIEKTE, WETTELIJK, 100, 0, 0, False),
        (K.ZORGELIJK, WETTELIJK, 10, 0, 0, False),
    ],
)
def test_melding_required(
    kind: VerzuimKind, protocol: Verzuimprotocol, hours: float, late: int, days: int, expected: bool
) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 (definitions) and processchema step 9 (negen
    keer te laat); 003_4d76ddd5121ac97c.txt §3.2 ("wettelijk verplicht ... 16 (les)uren in
    vier weken, of 16 keer te laat"; zorgelijk below); 004_45b01860e536524f.txt ch. 16
    (12 keer te laat)."""
    result = melding_required(kind, protocol, hours=hours, late_count=late, consecutive_school_days=days)
    assert result is expected


@pytest.mark.parametrize(("days", "expected"), [(0, False), (19, False), (20, True), (45, True)])
def test_is_langdurig_relatief(days: int, expected: bool) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 ("Ongeoorloofd aaneengesloten verzuim gedurende
    4 of meer weken"), counted as 4 x 5 school days."""
    assert is_langdurig_relatief(days) is expected


@pytest.mark.parametrize(
    ("kind", "measure"),
    [
        (K.ONGEOORLOOFD_16_UUR, Measure.HOURS),
        (K.TE_LAAT, Measure.TIMES),
        (K.LUXE, Measure.HOURS),
        (K.ABSOLUUT, Measure.NONE),
        (K.LANGDURIG_RELATIEF, Measure.HOURS),
    ],
)
def test_measure_of(kind: VerzuimKind, measure: Measure) -> None:
    """Source: domain.md "Purposes" (minimal data: period, hours/times); 002 §1.3."""
    assert measure_of(kind) is measure


@pytest.mark.parametrize(
    ("end", "free", "deadline"),
    [
        (FRI, (), date(2024, 3, 22)),
        (FRI, (date(2024, 3, 18),), date(2024, 3, 25)),
        (date(2024, 3, 13), (), date(2024, 3, 20)),  # Wednesday → next Wednesday
    ],
)
def test_melding_deadline(end: date, free: tuple[date, ...], deadline: date) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.2 (meldtermijn); Leerplichtwet art. 21
    ("onverwijld"), read as 5 school days after the day the threshold is reached."""
    assert melding_deadline(end, free_days=free) == deadline


@pytest.mark.parametrize(("filed", "late"), [(FRI, False), (date(2024, 3, 22), False), (date(2024, 3, 25), True)])
def test_is_melding_late(filed: date, late: bool) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.2 ("Als de meldtermijn wordt overschreden ...")."""
    assert is_melding_late(FRI, filed) is late


H = Herregistratie


@pytest.mark.parametrize(
    ("kind", "start", "end", "filed", "hours", "late", "protocol", "expected", "because"),
    [
        # 16 hours within 4 weeks, on time
        (K.ONGEOORLOOFD_16_UUR, MON, FRI, date(2024, 3, 18), 16, None, WETTELIJK, K.ONGEOORLOOFD_16_UUR, ()),
        # filed after the deadline: overig verzuim
        (K.ONGEOORLOOFD_16_UUR, MON, FRI, date(2024, 3, 25), 16, None, WETTELIJK, K.OVERIG, (H.NA_MELDTERMIJN,)),
        # below 16 hours: overig verzuim
        (K.ONGEOORLOOFD_16_UUR, MON, FRI, date(2024, 3, 18), 15, None, WETTELIJK, K.OVERIG, (H.ONDER_DREMPEL,)),
        # 16 hours spread over 6 weeks: not "in vier weken"
        (
            K.ONGEOORLOOFD_16_UUR,
            date(2024, 2, 5),
            FRI,
            date(2024, 3, 18),
            16,
            None,
            WETTELIJK,
            K.OVERIG,
            (H.BUITEN_VENSTER,),
        ),
        (K.TE_LAAT, MON, FRI, date(2024, 3, 18), None, 16, WETTELIJK, K.TE_LAAT, ()),
        (K.TE_LAAT, MON, FRI, date(2024, 3, 18), None, 9, WETTELIJK, K.OVERIG, (H.ONDER_DREMPEL,)),
        (K.TE_LAAT, MON, FRI, date(2024, 3, 18), None, 9, DRECHTSTEDEN_PO, K.TE_LAAT, ()),
        (K.TE_LAAT, MON, FRI, date(2024, 4, 1), None, 9, DRECHTSTEDEN_PO, K.OVERIG, (H.NA_MELDTERMIJN,)),
        # langdurig relatief: 4 school weeks; late filing does not change it
        (K.LANGDURIG_RELATIEF, date(2024, 2, 19), FRI, date(2024, 4, 1), 80, None, WETTELIJK, K.LANGDURIG_RELATIEF, ()),
        # shorter than 4 weeks: judged as a 16-uursmelding
        (
            K.LANGDURIG_RELATIEF,
            MON,
            FRI,
            date(2024, 3, 18),
            40,
            None,
            WETTELIJK,
            K.ONGEOORLOOFD_16_UUR,
            (H.KORTER_DAN_VIER_WEKEN,),
        ),
        (
            K.LANGDURIG_RELATIEF,
            MON,
            FRI,
            date(2024, 3, 18),
            10,
            None,
            WETTELIJK,
            K.OVERIG,
            (H.KORTER_DAN_VIER_WEKEN, H.ONDER_DREMPEL),
        ),
        (K.LUXE, MON, FRI, date(2024, 4, 15), 40, None, WETTELIJK, K.LUXE, ()),
        (K.ZIEKTE, MON, FRI, date(2024, 3, 18), 40, None, WETTELIJK, K.ZIEKTE, ()),
        (K.ZORGELIJK, MON, FRI, date(2024, 3, 18), 6, None, WETTELIJK, K.ZORGELIJK, ()),
    ],
)
def test_classify_melding(
    kind: VerzuimKind,
    start: date,
    end: date,
    filed: date,
    hours: float | None,
    late: int | None,
    protocol: Verzuimprotocol,
    expected: VerzuimKind,
    because: tuple[Herregistratie, ...],
) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.2 (a late 16-uursmelding "alsnog als 'overig
    verzuim'"); 002_9975c357e8165dd2.txt §1.3 ("Overig verzuim van minder dan 16 uur in 4
    weken"; langdurig relatief 4 of meer weken) and processchema step 9. Each change of kind
    names the rules that made it, so the school is told why (issue 18: no silent reclassification)."""
    result = classify_melding(
        kind,
        period_start=start,
        period_end=end,
        filed_on=filed,
        hours=hours,
        late_count=late,
        protocol=protocol,
    )
    assert (result.kind, result.redenen) == (expected, because)


def test_every_reason_for_a_change_of_kind_is_explained_in_dutch_with_its_seed() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3; 003_4d76ddd5121ac97c.txt §3.2."""
    for reason in Herregistratie:
        assert reason.uitleg and ("002 §" in reason.uitleg or "003 §" in reason.uitleg)


def test_classify_counts_free_days_out_of_the_deadline() -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.2 (meldtermijn); DUO ("Vakantiedagen tellen niet
    mee")."""
    holiday = tuple(date(2024, 3, d) for d in (18, 19, 20, 21, 22))
    result = classify_melding(
        K.ONGEOORLOOFD_16_UUR,
        period_start=MON,
        period_end=FRI,
        filed_on=date(2024, 3, 29),
        hours=16,
        free_days=holiday,
    )
    assert result.kind is K.ONGEOORLOOFD_16_UUR


@pytest.mark.parametrize(
    ("hours", "late", "protocol", "expected"),
    [
        (0, 0, WETTELIJK, False),
        (8, 0, WETTELIJK, True),
        (15.5, 0, WETTELIJK, True),
        (16, 0, WETTELIJK, False),
        (0, 15, WETTELIJK, True),
        (0, 16, WETTELIJK, False),
        (0, 8, DRECHTSTEDEN_PO, True),
        (0, 9, DRECHTSTEDEN_PO, False),
    ],
)
def test_is_zorgelijk(hours: float, late: int, protocol: Verzuimprotocol, expected: bool) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.2 ("zorgelijk verzuim als een leerling
    onregelmatig op school is, maar minder dan 16 (les)uren in vier weken of 16 keer te laat
    komen")."""
    assert is_zorgelijk(hours, late, protocol) is expected


@pytest.mark.parametrize(
    ("hours", "protocol", "expected"),
    [
        (59, APELDOORN_SPRENGELOO, False),
        (60, APELDOORN_SPRENGELOO, True),
        (1000, WETTELIJK, False),  # the law sets no number (before: Sprengeloo's 60 in the legal default)
        (1000, replace(WETTELIJK, ziekte_escalation_hours=None), False),
        (30, replace(WETTELIJK, ziekte_escalation_hours=30), True),
    ],
)
def test_ziekte_escalation(hours: float, protocol: Verzuimprotocol, expected: bool) -> None:
    """Source: 004_45b01860e536524f.txt ch. 16 ("als een leerling 60 uur – al of niet
    aaneengesloten – heeft verzuimd, wordt de ondersteuningscoördinator ingeschakeld"), one
    school's protocol; the law (Leerplichtwet art. 11 sub d: ziekte is geoorloofd) sets no number."""
    assert ziekte_escalation_reached(hours, protocol) is expected


# ---------------------------------------------------------------- thuiszitters


@pytest.mark.parametrize(
    ("weeks", "run", "expected"),
    [
        ([4, 4, 4, 4], 4, False),  # 4 weeks is not longer than 4
        ([4, 4, 4, 4, 4], 5, True),
        ([3, 3, 3, 3, 3, 3], 0, False),  # 3 days is not more than 3
        ([3.5] * 5, 5, True),
        ([5, 5, 5, 5, 2, 4], 1, False),  # interrupted: only the latest run counts
        ([0, 4, 4, 4, 4, 4], 5, True),
        ([], 0, False),
    ],
)
def test_is_thuiszitter(weeks: Sequence[float], run: int, expected: bool) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 ("Thuiszitter: Verzuim van meer dan 3 dagen per
    week dat langer dan 4 weken duurt (ook als dit onderdeel van een aanpak is)")."""
    assert thuiszitter_weeks(weeks) == run
    assert is_thuiszitter(weeks) is expected


@pytest.mark.parametrize("weeks", [[6], [-1]])
def test_thuiszitter_refuses_impossible_weeks(weeks: list[float]) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 (days per week: a school week has 5 days)."""
    with pytest.raises(InvalidValue):
        is_thuiszitter(weeks)


@pytest.mark.parametrize(
    ("missed", "scheduled", "days", "difficulty", "criteria"),
    [
        (12.5, 50, 0, 0, {ProblematischCriterium.SCHOOLTIJD_GEMIST}),
        (12, 50, 0, 0, set()),
        (5, 0, 0, 0, set()),  # no school time scheduled
        (0, 50, 10, 0, {ProblematischCriterium.DAGEN_AFWEZIG}),
        (0, 50, 9.5, 0, set()),
        (0, 50, 0, 2, {ProblematischCriterium.GROTE_MOEITE}),
        (0, 50, 0, 1.5, set()),
        (25, 50, 12, 3, set(ProblematischCriterium)),
    ],
)
def test_problematisch(
    missed: float, scheduled: float, days: float, difficulty: float, criteria: set[ProblematischCriterium]
) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 ("Verzuim wordt problematisch genoemd":
    25 procent in twee weken; ten minste twee weken heel moeilijk; ten minste tien dagen in
    vijftien weken)."""
    args = {
        "hours_missed": missed,
        "hours_scheduled": scheduled,
        "days_absent": days,
        "weeks_of_difficulty": difficulty,
    }
    assert problematisch_criteria(**args) == criteria
    assert is_problematisch(**args) is bool(criteria)


@pytest.mark.parametrize(
    ("since", "protocol", "deadline"),
    [
        (date(2024, 1, 15), WETTELIJK, date(2024, 4, 15)),
        (date(2024, 11, 30), WETTELIJK, date(2025, 2, 28)),
        (date(2024, 1, 15), ROTTERDAM_KOERS_VO, date(2024, 3, 25)),
    ],
)
def test_aanbod_deadline(since: date, protocol: Verzuimprotocol, deadline: date) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §2.4 ("binnen drie maanden een passend aanbod");
    002_9975c357e8165dd2.txt §3.3; 004_45b01860e536524f.txt ch. 2 (Rotterdam: tien weken)."""
    assert aanbod_deadline(since, protocol) == deadline


@pytest.mark.parametrize(
    ("on", "past"),
    [(date(2024, 4, 14), False), (date(2024, 4, 15), False), (date(2024, 4, 16), True)],
)
def test_past_aanbod_deadline(on: date, past: bool) -> None:
    """Source: domain.md ("The hub tracks that clock per case and shows cases past it");
    003_4d76ddd5121ac97c.txt §2.4."""
    assert past_aanbod_deadline(date(2024, 1, 15), on) is past


# ---------------------------------------------------------------- regie and routing


@pytest.mark.parametrize(
    ("has_school", "care", "exempt", "regisseur"),
    [
        (True, False, False, Regisseur.SCHOOL),
        (True, True, False, Regisseur.JEUGDTEAM),
        (False, False, False, Regisseur.LEERPLICHT),
        (False, True, False, Regisseur.LEERPLICHT),
        (True, False, True, Regisseur.JEUGDTEAM),
        (False, False, True, Regisseur.JEUGDTEAM),
    ],
)
def test_regie(has_school: bool, care: bool, exempt: bool, regisseur: Regisseur) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §2.3 (regie bij school van inschrijving of
    aanmelding; bij het Jeugdteam als het zwaartepunt bij jeugdhulp ligt), §4.3 ("Zonder
    schoolinschrijving vervult de leerplichtambtenaar deze rol"), §6.2 (after a vrijstelling
    "neemt het Jeugdteam de regie")."""
    assert regie(has_school=has_school, care_is_main_need=care, exempt=exempt) is regisseur


@pytest.mark.parametrize(("woongemeente", "code"), [("GM0479", "GM0479"), ("gm0363", "GM0363"), ("0479", "GM0479")])
def test_route_melding(woongemeente: str, code: str) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.2 ("automatisch doorgestuurd naar de afdeling
    leerplicht van de woongemeente van de leerling"); domain.md "The parties"."""
    assert route_melding(woongemeente) == code


@pytest.mark.parametrize("woongemeente", ["", "GM47", "Zaanstad"])
def test_route_melding_refuses(woongemeente: str) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.2 (routing needs the woongemeente's code)."""
    with pytest.raises(InvalidValue) as err:
        route_melding(woongemeente)
    assert err.value.field == "woongemeente"


# ---------------------------------------------------------------- labels


@pytest.mark.parametrize(
    "member",
    [*VerzuimKind, *SchoolActie, *MasRoute, *Regisseur],
)
def test_every_member_has_a_dutch_label(member: VerzuimKind | SchoolActie | MasRoute | Regisseur) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 (verzuim kinds), §1.5-§1.8 (school actions);
    003_4d76ddd5121ac97c.txt §3.2 (MAS routes), §2.3 (regie)."""
    assert member.label.strip()
    assert member.value == member.name.lower()


@pytest.mark.parametrize(
    ("member", "label"),
    [
        (VerzuimKind.LUXE, "Luxe verzuim"),
        (VerzuimKind.OVERIG, "Overig verzuim"),
        (MasRoute.HALT, "HALT-straf"),
        (MasRoute.STRAFRECHTELIJK, "Dwang in strafrechtelijk kader"),
    ],
)
def test_labels(member: VerzuimKind | MasRoute, label: str) -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3; 003_4d76ddd5121ac97c.txt §3.2 ("vrijwillige
    jeugdhulp, HALT-straf, dwang in civielrechtelijk of dwang in strafrechtelijk kader")."""
    assert member.label == label


@pytest.mark.parametrize(
    ("born", "start", "end", "expected"),
    [
        (date(1996, 3, 1), date(2026, 11, 2), date(2026, 11, 27), False),  # 30 years old
        (date(2009, 6, 1), date(2026, 11, 2), date(2026, 11, 27), True),  # 17: kwalificatieplicht
        (date(2008, 11, 15), date(2026, 11, 2), date(2026, 11, 27), True),  # turns 18 in the period
        (date(2008, 11, 1), date(2026, 11, 2), date(2026, 11, 27), False),  # 18 the day before it
        (date(2022, 1, 10), date(2026, 11, 2), date(2026, 11, 27), False),  # 4 years old
        (date(2021, 10, 10), date(2026, 11, 2), date(2026, 11, 27), True),  # 5, from the month after
    ],
)
def test_a_melding_is_of_a_leer_or_kwalificatieplichtige_in_the_period(
    born: date, start: date, end: date, expected: bool
) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.2 ("Het gaat hier om leer- of kwalificatieplichtige
    leerlingen die op een school ingeschreven zijn"); 002_9975c357e8165dd2.txt §1.9 (5 to 16,
    kwalificatieplicht to 18); Leerplichtwet art. 3, 4a."""
    assert valt_onder_meldplicht(born, start, end) is expected


def test_a_school_reports_every_kind_but_absoluut_verzuim() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 (absoluut verzuim: "niet is ingeschreven op een
    school"): leerplicht finds it, no school has the pupil to report."""
    assert [k for k in VerzuimKind if not door_school_te_melden(k)] == [VerzuimKind.ABSOLUUT]
