"""Inschrijvingen: a school tells the hub that a pupil is registered with it, and when that ends.

A school is also the school of registration once it pushes a melding or starts an overdracht
for the pupil, and the receiving school once it confirms an overdracht; this resource makes it
explicit, and is the only way to end it. The register holds the pupil's pseudonym only, so an
answer never carries the pupil's number back.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from adapters.answers import Answer
from adapters.common import (
    LeerlingId,
    School,
    Strict,
    pseudonym_of,
    require_role,
    require_signing_school,
    written,
)
from adapters.errors import Conflict, NotFound
from adapters.guard import logs_refusals
from adapters.ports import InvolvementChange, Persistence, Requester
from audit.entries import AccessEntry
from domain.betrokkenheid import Betrokkenheid, Bron, Involvement
from domain.parties import Role

CATEGORY = "betrokkenheid"  # the access log's purpose for changes of the register
BASIS = "wettelijke_plicht"  # WPO/WVO: the school keeps its registration of pupils


class InschrijvingIn(Strict):
    """The pupil registered at the signing school."""

    leerling: LeerlingId
    school: School


def view(row: Involvement) -> dict[str, Any]:
    """An inschrijving as the school sees it: no pupil data, only the register's facts."""
    return {
        "id": row.id,
        "school": row.org_id.removeprefix("school:"),
        "bron": row.source.value,
        "sinds": row.since.isoformat(),
        "tot": row.until.isoformat() if row.until else None,
    }


def _entry(who: Requester, row_id: str, subject: str, field: str) -> AccessEntry:
    return written(who, subject, row_id, (field,), CATEGORY, BASIS)


@logs_refusals(CATEGORY)
def register(p: Persistence, who: Requester, body: InschrijvingIn) -> Answer:
    """201 with a new inschrijving, or 200 with the one already open (a retry changes nothing)."""
    subject = pseudonym_of(p, body.leerling.pupil_id())
    require_signing_school(who, body.school, subject)
    row_id = uuid.uuid4().hex
    change = InvolvementChange(
        subject, who.org.org_id, Betrokkenheid.SCHOOL_VAN_INSCHRIJVING, Bron.INSCHRIJVING, id=row_id
    )
    open_before = _open(p, who, subject)
    if open_before is not None:
        return Answer(200, view(open_before))
    p.commit([], log=[_entry(who, row_id, subject, "inschrijving")], involvement=[change])
    found = p.involvement(row_id) or _open(p, who, subject)  # another request may have opened it first
    assert found is not None
    return Answer(201 if found.id == row_id else 200, view(found))


def _open(p: Persistence, who: Requester, subject: str) -> Involvement | None:
    return next(
        (
            r
            for r in p.involvements(subject)
            if r.org_id == who.org.org_id and r.relation is Betrokkenheid.SCHOOL_VAN_INSCHRIJVING and r.until is None
        ),
        None,
    )


def _own(p: Persistence, who: Requester, inschrijving_id: UUID) -> Involvement:
    row = p.involvement(inschrijving_id.hex)
    subject = row.subject if row is not None else None
    require_role(who, Role.SCHOOL, subject)
    if row is None or row.org_id != who.org.org_id or row.relation is not Betrokkenheid.SCHOOL_VAN_INSCHRIJVING:
        raise NotFound(f"no inschrijving {inschrijving_id} of yours", subject=subject, record_id=inschrijving_id.hex)
    return row


@logs_refusals(CATEGORY)
def status(p: Persistence, who: Requester, inschrijving_id: UUID) -> Answer:
    return Answer(200, view(_own(p, who, inschrijving_id)))


@logs_refusals(CATEGORY)
def end(p: Persistence, who: Requester, inschrijving_id: UUID) -> Answer:
    """End the registration from now on: the school no longer acts on the pupil, nor does its SWV
    through it; what it did before stays on the record."""
    row = _own(p, who, inschrijving_id)
    if row.until is not None:
        raise Conflict(f"inschrijving {inschrijving_id} already ended at {row.until.isoformat()}")
    p.end_involvement(row.id, log=[_entry(who, row.id, row.subject, "inschrijving.einde")])
    ended = p.involvement(row.id)
    assert ended is not None
    return Answer(200, view(ended))
