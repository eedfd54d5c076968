"""Who is involved with a pupil (betrokkenheid), and what involvement lets a party do.

A party acts on a pupil only while it is involved: the school of registration, the SWV
of that school, leerplicht of the woongemeente and a jeugdteam a consent names
(domain.md, "The parties"; 003 §2.3, §4.3; 004 ch. 15). The register itself lives in
the hub's store, by pseudonym and with history; these are its terms and rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.parties import Role
from domain.purpose import Purpose


class Betrokkenheid(StrEnum):
    """How a party is involved with a pupil, as the register holds it. The SWV of a school of
    registration and a jeugdteam a consent names are involved too, derived (`involved_at`, the
    policy), not as rows of their own."""

    SCHOOL_VAN_INSCHRIJVING = "school_van_inschrijving"  # by inschrijving, melding, overdracht or its receipt
    LEERPLICHT = "leerplicht"  # leerplicht of the woongemeente a melding names


class Bron(StrEnum):
    """What made a party involved: the source of a register row."""

    INSCHRIJVING = "inschrijving"
    VERZUIMMELDING = "verzuimmelding"
    OVERDRACHT = "overdracht"
    ONTVANGST = "ontvangst"  # the receiving school confirmed an overdracht
    OVERGENOMEN = "overgenomen"  # adopted from records made before the register existed (migration 0002)


@dataclass(frozen=True)
class Involvement:
    """One row of the register: `org_id` involved with the pupil `subject` from `since` until `until`."""

    id: str
    subject: str
    org_id: str
    relation: Betrokkenheid
    source: Bron
    since: datetime
    until: datetime | None = None
    record_id: str | None = None

    def holds_at(self, moment: datetime) -> bool:
        """Whether the involvement held at `moment` (an ended one up to its end)."""
        return self.since <= moment and (self.until is None or moment < self.until)


def involved_at(rows: Iterable[Involvement], moment: datetime, swv_of: Mapping[str, str]) -> frozenset[str]:
    """The organisations involved with the pupil at `moment`: the register's rows that held then,
    and the SWV of every school of registration among them (`swv_of`: school → its SWV)."""
    held = [r for r in rows if r.holds_at(moment)]
    schools = (r.org_id for r in held if r.relation is Betrokkenheid.SCHOOL_VAN_INSCHRIJVING)
    return frozenset(r.org_id for r in held) | frozenset(swv_of[s] for s in schools if s in swv_of)


def may_record_consent(purpose: Purpose, role: Role, involved: bool) -> bool:
    """Consent authority: only a party involved with the pupil, in a role the purpose lets record
    its consent (003 §4.3: the school, or leerplicht when there is no registration)."""
    return involved and role in purpose.consent.recorded_by


def recipient_fits(purpose: Purpose, role: Role) -> bool:
    """A consent may name only recipients of a role the purpose lets receive."""
    return purpose.recipient(role) is not None


__all__ = [
    "Betrokkenheid",
    "Bron",
    "Involvement",
    "involved_at",
    "may_record_consent",
    "recipient_fits",
]
