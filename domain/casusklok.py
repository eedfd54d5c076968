"""The clock of a thuiszitter case: weeks at home, and the stage the case has reached.

Casusregie after the first four weeks, a doorbraakteam at eight, a passend aanbod due at twelve
weeks = three months (002 §3.4 advice 7-8; 003 §2.4; 004 ch. 2: the law's twelve weeks,
Rotterdam's ten). Every number is a setting of the region's protocol (domain/protocol.py).
Weeks are calendar weeks: the domain holds no holiday calendar (domain/verzuim.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.errors import InvalidValue
from domain.protocol import WETTELIJK, Verzuimprotocol
from domain.verzuim import aanbod_deadline, past_aanbod_deadline

DAYS_PER_WEEK = 7


class Stadium(StrEnum):
    """How far a case has come on the clock, in order."""

    VOORFASE = "voorfase"  # the four weeks in which the school "alles op alles zet" (002 step 8)
    CASUSREGIE = "casusregie"  # 002 §3.4 advice 7
    DOORBRAAK = "doorbraak"  # 002 §3.4 advice 8
    TERMIJN_VERSTREKEN = "termijn_verstreken"  # past the passend-aanbod deadline (003 §2.4)


@dataclass(frozen=True)
class Klokstand:
    """The clock of one case on one day."""

    weken_thuis: int
    stadium: Stadium
    aanbod_uiterlijk: date

    @property
    def vlag(self) -> bool:
        """Whether the case is past a threshold: every view flags it."""
        return self.stadium is not Stadium.VOORFASE


def weken_thuis(thuis_sinds: date, op: date) -> int:
    """The whole weeks from the day the pupil started sitting at home to `op`."""
    if op < thuis_sinds:
        raise InvalidValue("thuis_sinds", "lies after the day the clock is read")
    return (op - thuis_sinds).days // DAYS_PER_WEEK


def stadium(thuis_sinds: date, op: date, protocol: Verzuimprotocol = WETTELIJK) -> Stadium:
    """The stage on `op`: the deadline first, then doorbraak and casusregie by weeks at home."""
    if past_aanbod_deadline(thuis_sinds, op, protocol):
        return Stadium.TERMIJN_VERSTREKEN
    weeks = weken_thuis(thuis_sinds, op)
    if weeks >= protocol.doorbraak_weeks:
        return Stadium.DOORBRAAK
    if weeks >= protocol.casusregie_weeks:
        return Stadium.CASUSREGIE
    return Stadium.VOORFASE


def klokstand(thuis_sinds: date, op: date, protocol: Verzuimprotocol = WETTELIJK) -> Klokstand:
    """Weeks at home, stage and the day the passend aanbod is due."""
    return Klokstand(
        weken_thuis(thuis_sinds, op), stadium(thuis_sinds, op, protocol), aanbod_deadline(thuis_sinds, protocol)
    )


__all__ = ["Klokstand", "Stadium", "klokstand", "stadium", "weken_thuis"]
