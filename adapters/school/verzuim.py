"""Verzuimmeldingen as the school pushes, corrects, withdraws and follows them.

A school only ever sees its own meldingen, and of them only the status and what
leerplicht did: the pupil data went to leerplicht and does not come back.
A melding of another school answers 404, so that existence does not leak.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from pydantic import Field

from adapters.answers import Answer, AnswerFor, Idempotency, id_page, once
from adapters.common import (
    LeerlingId,
    School,
    Strict,
    domain_refusal,
    load_listed,
    pseudonym_of,
    require_role,
    require_signing_school,
    today,
    write_entry,
)
from adapters.errors import Invalid, NotFound
from adapters.guard import logs_refusals
from adapters.ports import DirectoryEntry, InvolvementChange, Persistence, Requester
from adapters.signalen import signalen
from domain.betrokkenheid import Betrokkenheid, Bron
from domain.errors import DomainError, InvalidValue
from domain.parties import Role
from domain.protocol import Verzuimprotocol
from domain.verzuim import SchoolActie, VerzuimKind, door_school_te_melden
from domain.verzuimmelding import Verzuimmelding

KIND = "verzuimmelding"
BASIS = "wettelijke_plicht"

# Domain field names → the API's field paths, so every error names what the client sent.
PATHS = {
    "pupil_id": "leerling",
    "pupil_name": "leerling.naam",
    "birth_date": "leerling.geboortedatum",
    "woongemeente": "leerling.woongemeente",
    "school": "school",
    "school_brin": "school.brin",
    "school_vestiging": "school.vestiging",
    "kind": "soort",
    "period_start": "periode.begin",
    "period_end": "periode.eind",
    "hours": "uren",
    "late_count": "te_laat_aantal",
    "school_actions": "acties",
    "note": "toelichting",
    "reason": "reden",
    "route": "route",
    "filed_on": "periode",
}


class Leerling(LeerlingId):
    """The pupil of a melding: identity, date of birth and woongemeente (which routes the melding)."""

    naam: str = Field(min_length=1, max_length=200)
    geboortedatum: date
    woongemeente: str = Field(pattern=r"^GM[0-9]{4}$", description="CBS gemeentecode, e.g. GM0479")


class Periode(Strict):
    """The period of the verzuim (inclusive)."""

    begin: date
    eind: date


class VerzuimmeldingIn(Strict):
    """A school's melding of verzuim to leerplicht of the pupil's woongemeente."""

    leerling: Leerling
    school: School
    soort: VerzuimKind
    periode: Periode
    uren: float | None = Field(None, ge=0, le=1000, description="Missed (lesson) hours, for kinds counted in hours")
    te_laat_aantal: int | None = Field(None, ge=0, le=1000, description="Late arrivals, for te_laat")
    acties: list[SchoolActie] = Field(default_factory=list, max_length=10)
    toelichting: str = Field("", max_length=4000)


class CorrectieIn(Strict):
    """Corrected values (only what changes) and why."""

    soort: VerzuimKind | None = None
    periode: Periode | None = None
    uren: float | None = Field(None, ge=0, le=1000)
    te_laat_aantal: int | None = Field(None, ge=0, le=1000)
    acties: list[SchoolActie] | None = Field(None, max_length=10)
    toelichting: str | None = Field(None, max_length=4000)
    naam: str | None = Field(None, min_length=1, max_length=200)
    geboortedatum: date | None = None
    woongemeente: str | None = Field(None, pattern=r"^GM[0-9]{4}$")
    reden: str = Field("", max_length=2000)

    _DOMAIN: ClassVar[dict[str, str]] = {
        "soort": "kind",
        "uren": "hours",
        "te_laat_aantal": "late_count",
        "acties": "school_actions",
        "toelichting": "note",
        "naam": "pupil_name",
        "geboortedatum": "birth_date",
        "woongemeente": "woongemeente",
    }

    def changes(self) -> dict[str, Any]:
        sent = self.model_dump(exclude_unset=True)
        changes = {self._DOMAIN[k]: getattr(self, k) for k in sent if k in self._DOMAIN}
        if self.periode is not None:
            changes["period_start"], changes["period_end"] = self.periode.begin, self.periode.eind
        return changes


class IntrekkingIn(Strict):
    """Why the melding is withdrawn."""

    reden: str = Field(min_length=1, max_length=2000)


def status_view(m: Verzuimmelding) -> dict[str, Any]:
    """What the reporting school sees of its own melding: status and leerplicht's actions, no pupil data."""
    d = m.details
    return {
        "id": str(m.id),
        "status": m.status.value,
        "soort": d.kind.value,
        "geregistreerd_als": m.classified_kind.value,
        "registratie_toelichting": [{"regel": r.value, "uitleg": r.uitleg} for r in m.registered_because],
        "periode": {"begin": d.period_start.isoformat(), "eind": d.period_end.isoformat()},
        "ontvanger": f"leerplicht:{m.recipient}",
        "versie": m.version,
        "signalen": signalen(m),
        "acties_leerplicht": [
            {
                "route": a.route.value,
                "toelichting": a.note,
                "gemeente": a.by_gemeente,
                "vastgelegd_op": a.recorded_at.isoformat(),
            }
            for a in m.actions
        ],
        "reden_intrekking": m.withdrawal_reason,
    }


def _reported_by_a_school(kind: VerzuimKind) -> None:
    if not door_school_te_melden(kind):
        raise InvalidValue(
            "kind",
            "absoluut verzuim is a pupil registered at no school: leerplicht records it, a school does not report it",
        )


@logs_refusals(KIND)
def push(
    p: Persistence, who: Requester, body: VerzuimmeldingIn, idem: Idempotency | None, protocol: Verzuimprotocol
) -> Answer:
    """File a melding; the school in the body must be the signing organisation. The school becomes
    (or stays) the pupil's school of registration, and leerplicht of the woongemeente is involved."""
    pupil = body.leerling.pupil_id()
    subject = pseudonym_of(p, pupil)
    require_signing_school(who, body.school, subject)

    def run(answer_for: AnswerFor) -> Answer:
        try:
            _reported_by_a_school(body.soort)
            melding = Verzuimmelding.file(
                subject,
                school=body.school.code,
                woongemeente=body.leerling.woongemeente,
                pupil_id=pupil.value,
                pupil_name=body.leerling.naam,
                birth_date=body.leerling.geboortedatum,
                pupil_id_kind=pupil.kind,
                kind=body.soort,
                period_start=body.periode.begin,
                period_end=body.periode.eind,
                filed_on=today(),
                hours=body.uren,
                late_count=body.te_laat_aantal,
                school_actions=body.acties,
                note=body.toelichting,
                protocol=protocol,
            )
        except DomainError as e:
            raise domain_refusal(e, PATHS) from e
        response = status_view(melding)
        p.commit(
            [melding],
            log=[write_entry(who, melding, tuple(sorted(melding.details.to_event())), KIND, BASIS)],
            directory=[DirectoryEntry(melding.id, KIND, KIND, who.org.org_id, subject, gemeente=melding.recipient)],
            answer=answer_for(201, response, subject, KIND),
            involvement=_involved_by(melding, who),
        )
        return Answer(201, response)

    return once(p, who, idem, run, subject)


def _involved_by(melding: Verzuimmelding, who: Requester) -> list[InvolvementChange]:
    source, record = Bron.VERZUIMMELDING, str(melding.id)
    return [
        InvolvementChange(melding.subject, who.org.org_id, Betrokkenheid.SCHOOL_VAN_INSCHRIJVING, source, record),
        InvolvementChange(melding.subject, f"leerplicht:{melding.recipient}", Betrokkenheid.LEERPLICHT, source, record),
    ]


def _own(p: Persistence, who: Requester, record_id: UUID) -> Verzuimmelding:
    entry = p.directory_entry(record_id)
    subject = entry.subject if entry is not None and entry.kind == KIND else None
    require_role(who, Role.SCHOOL, subject)
    if entry is None or subject is None or entry.owner_org != who.org.org_id:
        raise NotFound(f"no verzuimmelding {record_id} of yours", subject=subject, record_id=str(record_id))
    return load_listed(p, Verzuimmelding, entry)


@logs_refusals(KIND)
def status(p: Persistence, who: Requester, record_id: UUID) -> Answer:
    return Answer(200, status_view(_own(p, who, record_id)))


@logs_refusals(KIND)
def listing(p: Persistence, who: Requester, after: int, limit: int) -> Answer:
    """The school's own meldingen, oldest first, with a cursor."""
    require_role(who, Role.SCHOOL)
    return id_page(p.owned(KIND, who.org.org_id, after, limit), after)


@logs_refusals(KIND)
def correct(p: Persistence, who: Requester, record_id: UUID, body: CorrectieIn, protocol: Verzuimprotocol) -> Answer:
    melding = _own(p, who, record_id)
    changes = body.changes()
    if not changes:
        raise Invalid("body", "name at least one field to correct")
    try:
        if "kind" in changes:
            _reported_by_a_school(changes["kind"])
        melding.correct(changes, reason=body.reden, protocol=protocol)
    except DomainError as e:
        raise domain_refusal(e, PATHS) from e
    p.commit([melding], log=[write_entry(who, melding, tuple(sorted(changes)), KIND, BASIS)])
    return Answer(200, status_view(melding))


@logs_refusals(KIND)
def withdraw(p: Persistence, who: Requester, record_id: UUID, body: IntrekkingIn) -> Answer:
    melding = _own(p, who, record_id)
    try:
        melding.withdraw(body.reden)
    except DomainError as e:
        raise domain_refusal(e, PATHS) from e
    p.commit([melding], log=[write_entry(who, melding, ("status",), KIND, BASIS)])
    return Answer(200, status_view(melding))
