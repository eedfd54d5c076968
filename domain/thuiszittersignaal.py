"""Seed 002's thuiszitter definition applied to a verzuimmelding: does its pupil sit at home?

"Thuiszitter: Verzuim van meer dan 3 dagen per week dat langer dan 4 weken duurt (ook als dit
onderdeel van een aanpak is)" (002 §1.3). The definition asks neither whether the absence is
authorised nor why, so sick, part-time and unauthorised pupils count alike. A melding holds totals
over its period, not a day-by-day record, so its absence is spread evenly over the period's whole
school weeks; absoluut verzuim (a pupil at no school) is absence on every school day.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from domain.protocol import Verzuimprotocol, protocol_by_name
from domain.verzuim import Measure, VerzuimKind, is_thuiszitter, measure_of, school_days_between
from domain.verzuimmelding import MeldingDetails, Verzuimmelding

RULE = "002 §1.3: meer dan 3 dagen per week verzuim, langer dan 4 weken (ook als onderdeel van een aanpak)"


def absent_days_per_week(
    details: MeldingDetails, protocol: Verzuimprotocol, free_days: Collection[date] = ()
) -> list[float]:
    """The days absent in each whole school week of the melding's period, spread evenly."""
    days = school_days_between(details.period_start, details.period_end, protocol, free_days)
    weeks = days // protocol.school_days_per_week
    if weeks == 0:
        return []
    per_week = protocol.school_days_per_week * _absent_days(details, days, protocol) / days
    return [min(per_week, float(protocol.school_days_per_week))] * weeks


def _absent_days(details: MeldingDetails, school_days: int, protocol: Verzuimprotocol) -> float:
    if details.kind is VerzuimKind.ABSOLUUT:
        return float(school_days)
    if measure_of(details.kind) is not Measure.HOURS or details.hours is None:
        return 0.0  # late arrivals are no absent days
    return details.hours / protocol.max_lesson_hours_per_day


def meldt_thuiszitter(melding: Verzuimmelding, free_days: Collection[date] = ()) -> bool:
    """Whether the melding's own figures make its pupil a thuiszitter under its school's protocol."""
    if melding.is_withdrawn:
        return False
    protocol = protocol_by_name(melding.protocol_name)
    return is_thuiszitter(absent_days_per_week(melding.details, protocol, free_days), protocol)
