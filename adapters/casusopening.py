"""Who opens a thuiszitter case for which pupil, and who keeps it: the checks before a case exists.

The school of registration signs its own pupil up; its SWV one of its schools' pupils; leerplicht
a pupil of its own gemeente, with or without a school (003 §4.3). Each must already be involved
(the register): a case documents an involvement, it does not create one. The registration is
kept by the SWV of the school (002 step 4), else by the school, else by leerplicht.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from adapters.casusmodellen import CasusIn
from adapters.casustoegang import PURPOSE, require_case_role
from adapters.common import require_signing_school
from adapters.disclosure import involved_with, now
from adapters.errors import Forbidden, Invalid
from adapters.guard import logs_refusals
from adapters.ports import Persistence, Requester
from audit.refusals import Refused
from domain.casuslijsten import Regierol
from domain.parties import Role, organisation_id
from domain.protocol import WETTELIJK, Verzuimprotocol, protocol_by_name

MELDING_KIND = "verzuimmelding"


@dataclass(frozen=True)
class Opening:
    """What the hub worked out for a new case: its school and woongemeente, keeper and addressee."""

    school: str | None  # BRIN + vestiging
    woongemeente: str
    keeper: str  # the directory's owner_org
    addressee: str | None  # the directory's receiver_org: the school, when the SWV keeps the case
    organisaties: Mapping[Regierol, str] = field(default_factory=dict)


@logs_refusals(PURPOSE)
def opening_of(p: Persistence, who: Requester, body: CasusIn, subject: str) -> Opening:
    """The opening, or the refusal: wrong role 403, not involved 403, inconsistent input 422."""
    require_case_role(who, subject)
    school, woongemeente = _school_and_gemeente(p, body, subject)
    school_org = organisation_id(Role.SCHOOL, school) if school else None
    swv = p.swv_of(school_org) if school_org else None
    involved = involved_with(p, subject, now())
    if who.org.role is Role.SCHOOL:
        if body.school is None:
            raise Invalid("school", "a school opens a case for its own pupil: name the school")
        require_signing_school(who, body.school, subject)
    elif who.org.role is Role.SWV:
        if school_org is None or swv != who.org.org_id:
            raise Forbidden(
                "school: name a school of this samenwerkingsverband where the pupil is registered",
                refused=Refused.WRONG_SCHOOL,
                subject=subject,
            )
    elif woongemeente != who.org.code:
        raise Forbidden(
            f"woongemeente: you are leerplicht of {who.org.code}, not of {woongemeente}",
            refused=Refused.WRONG_GEMEENTE,
            subject=subject,
        )
    if school_org is not None and school_org not in involved:
        raise Forbidden(
            "school: the pupil is not registered there (inschrijving or melding)",
            refused=Refused.NOT_INVOLVED,
            subject=subject,
        )
    keeper = swv or school_org or who.org.org_id
    organisaties = {Regierol.LEERPLICHT: organisation_id(Role.LEERPLICHT, woongemeente)}
    organisaties |= {Regierol.SCHOOL: school_org} if school_org else {}
    organisaties |= {Regierol.SWV: swv} if swv else {}
    return Opening(school, woongemeente, keeper, school_org if keeper != school_org else None, organisaties)


def _school_and_gemeente(p: Persistence, body: CasusIn, subject: str) -> tuple[str | None, str]:
    school = body.school.code if body.school else None
    if body.melding is None:
        if body.woongemeente is None:
            raise Invalid("woongemeente", "give the woongemeente, or the melding the case comes from")
        return school, body.woongemeente
    entry = p.directory_entry(body.melding)
    if entry is None or entry.kind != MELDING_KIND or entry.subject != subject or entry.gemeente is None:
        raise Invalid("melding", "is no verzuimmelding of this pupil")
    if body.woongemeente is not None and body.woongemeente != entry.gemeente:
        raise Invalid("woongemeente", "differs from the woongemeente of the melding")
    return school or entry.owner_org.removeprefix("school:"), entry.gemeente


def protocol_for(p: Persistence, opening: Opening) -> Verzuimprotocol:
    """The region's protocol: the keeper's, else the school's, else the legal rule."""
    for org_id in (opening.keeper, opening.addressee):
        party = p.party(org_id) if org_id else None
        if party is not None and party.protocol:
            return protocol_by_name(party.protocol)
    return WETTELIJK
