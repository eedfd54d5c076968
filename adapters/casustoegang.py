"""Who may act on a thuiszitter case: its parties, while they are involved with the pupil.

The directory row of a case names its parties the way `hub audit replay` reads them
(adapters/audit.py `context_of`): `owner_org` keeps the registration (the SWV of the school
of registration, 002 step 4; else that school; else leerplicht, which opens a case when there
is no registration, 003 §4.3), `receiver_org` the school of registration when the SWV keeps
it, and `gemeente` the woongemeente. Anyone else is answered 404, existence does not leak; a
party no longer involved with the pupil (the register, adapters/disclosure.py) is refused 403.
"""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from adapters.audit import context_of
from adapters.common import load_listed
from adapters.errors import Forbidden, NotFound
from adapters.guard import logs_refusals
from adapters.ports import DirectoryEntry, Persistence, Requester
from audit.refusals import Refused
from consent.request import SubjectContext
from domain.parties import Role
from domain.thuiszittercasus import Thuiszittercasus

KIND = "thuiszittercasus"
PURPOSE = Thuiszittercasus.PURPOSE
CASE_ROLES = frozenset({Role.SCHOOL, Role.SWV, Role.LEERPLICHT})


def require_case_role(who: Requester, subject: str | None = None) -> None:
    """Only a school, an SWV or leerplicht acts on a case; the jeugdteam hears of it at the table."""
    if who.org.role not in CASE_ROLES:
        raise Forbidden(
            f"only a school, an SWV or leerplicht acts on a thuiszittercasus; you are {who.org.role.value}",
            subject=subject,
        )


def is_party(who: Requester, entry: DirectoryEntry) -> bool:
    """Whether the caller is one of the case's parties by its directory row."""
    if who.org.role is Role.LEERPLICHT:
        return entry.gemeente == who.org.code
    return who.org.org_id in (entry.owner_org, entry.receiver_org)


def is_involved(who: Requester, entry: DirectoryEntry, involved: frozenset[str]) -> bool:
    """In the register now; leerplicht of the woongemeente is involved by law (003 §2.3, §4.3)."""
    serves = who.org.role is Role.LEERPLICHT and entry.gemeente == who.org.code
    return serves or who.org.org_id in involved


def context(entry: DirectoryEntry, involved: frozenset[str]) -> SubjectContext:
    """The policy's view of the case: exactly what replay rebuilds from the directory and the register."""
    return replace(context_of(entry, entry.subject), involved=involved)


@logs_refusals(PURPOSE)
def find_case(p: Persistence, who: Requester, record_id: UUID) -> DirectoryEntry:
    """The case's directory row, for one of its parties; 403 for another role, 404 for anyone else."""
    entry = p.directory_entry(record_id)
    subject = entry.subject if entry is not None and entry.kind == KIND else None
    require_case_role(who, subject)
    if entry is None or subject is None or not is_party(who, entry):
        raise NotFound(f"no thuiszittercasus {record_id} for you", subject=subject, record_id=str(record_id))
    return entry


@logs_refusals(PURPOSE)
def load_involved(p: Persistence, who: Requester, entry: DirectoryEntry, involved: frozenset[str]) -> Thuiszittercasus:
    """The case, for a party involved with the pupil now (403 otherwise; 410 once erased)."""
    if not is_involved(who, entry, involved):
        raise Forbidden(
            f"{who.org.org_id} is not involved with this pupil now",
            refused=Refused.NOT_INVOLVED,
            subject=entry.subject,
            record_id=str(entry.record_id),
        )
    return load_listed(p, Thuiszittercasus, entry)


def require_keeper(who: Requester, entry: DirectoryEntry) -> None:
    """Closing and reopening are the registration's keeper's: "door de regisseur van het SWV" (002 step 18)."""
    if who.org.org_id != entry.owner_org:
        raise Forbidden(
            f"only {entry.owner_org}, which keeps this registration, closes or reopens it",
            subject=entry.subject,
            record_id=str(entry.record_id),
        )
