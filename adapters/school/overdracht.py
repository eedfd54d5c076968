"""Warme overdracht between two schools: the sender drafts, sends and closes; the receiver reads and confirms.

The receiving school gets the rapport (a legal duty) and only the warm items a valid
consent receipt covers; withheld items are listed by key, never by content. Any other
school gets `404` for every overdracht it is not a party to, and the receiver sees
nothing of a concept: existence does not leak.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from nacl.signing import VerifyKey
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
    write_entry,
)
from adapters.disclosure import Presented, check_receipt, decide, involved_with, now, withheld_view
from adapters.errors import NotFound
from adapters.guard import logs_refusals
from adapters.ports import DirectoryEntry, InvolvementChange, Persistence, Requester
from consent.request import SubjectContext
from domain.betrokkenheid import Betrokkenheid, Bron
from domain.errors import DomainError
from domain.fields import FIELDS, Category, WarmOnderwerp, warm_field, warm_key
from domain.identifiers import PupilId
from domain.overdracht import Leerling as DomainLeerling
from domain.overdracht import OnderwijskundigRapport, Overdracht, OverdrachtStatus, WarmItem
from domain.parties import Role, organisation_id
from domain.purpose import LegalBasis

KIND = "overdracht"
PURPOSE = Overdracht.PURPOSE
BASIS = LegalBasis.WETTELIJKE_PLICHT.value
PATHS = {
    "leerling.name": "leerling.naam",
    "sending_school": "school",
    "receiving_school": "ontvangende_school",
    "warm_items.key": "warme_items",
    "rapport.verzuim_samenvatting": "rapport.verzuim_samenvatting",
}
_RAPPORT_FIELDS = tuple(sorted(f for f, spec in FIELDS.items() if spec.category is Category.ONDERWIJSKUNDIG_RAPPORT))
_BASE_FIELDS = (
    "leerling.naam",
    "leerling.geboortedatum",
    "leerling.id",
    "school.brin",
    "school.vestiging",
    *_RAPPORT_FIELDS,
)


class Leerling(LeerlingId):
    """The pupil who changes school."""

    naam: str = Field(min_length=1, max_length=200)
    geboortedatum: date


class RapportIn(Strict):
    """The onderwijskundig rapport; the verzuim summary is part of every overdracht (schoolaanwezigheid)."""

    verzuim_samenvatting: str = Field(min_length=1, max_length=4000)
    schooladvies: str = Field("", max_length=4000)
    leerresultaten: str = Field("", max_length=8000)
    ondersteuningsbehoefte: str = Field("", max_length=8000)
    opp_aanwezig: bool = False


class WarmItemIn(Strict):
    """A 'warm' item: what the sending school wants to tell beyond the rapport, released only with consent."""

    sleutel: WarmOnderwerp = Field(description="The topic, from a closed list; the consent names it")
    label: str = Field(
        "", max_length=200, description="The school's own name for the item: sealed with it, never in the access log"
    )
    tekst: str = Field(min_length=1, max_length=4000)
    toestemming_nodig: bool = True


class OverdrachtIn(Strict):
    """A warme overdracht drafted by the sending school; `versturen` sends it at once."""

    leerling: Leerling
    school: School
    ontvangende_school: School
    rapport: RapportIn
    warme_items: list[WarmItemIn] = Field(default_factory=list, max_length=30)
    versturen: bool = False


class SluitingIn(Strict):
    """Why the overdracht is closed (optional)."""

    reden: str = Field("", max_length=2000)


def _org(code: str) -> str:
    return organisation_id(Role.SCHOOL, code)


def _context(o: Overdracht, involved: frozenset[str]) -> SubjectContext:
    sender = _org(o.sending_school.code)
    return SubjectContext(
        subject=o.subject,
        school=sender,
        receiving_school=_org(o.receiving_school.code),
        recorded_by=sender,
        involved=involved,
    )


def sender_view(o: Overdracht) -> dict[str, Any]:
    """What the sending school sees: the state and the keys of its warm items (it wrote the content)."""
    return {
        "id": str(o.id),
        "status": o.status.value,
        "school": o.sending_school.code,
        "ontvangende_school": o.receiving_school.code,
        "warme_items": [item.key for item in o.warm_items],
        "versie": o.version,
    }


def _released_view(o: Overdracht, released: frozenset[str]) -> dict[str, Any]:
    leerling, rapport = o.leerling, o.rapport.to_event()
    values: dict[str, Any] = {
        "leerling.naam": leerling.name,
        "leerling.geboortedatum": leerling.birth_date.isoformat(),
        "leerling.id": _pupil_id(leerling.pupil_id),
        "leerling.referentie": o.subject,
        "school.brin": o.sending_school.code[:4],
        "school.vestiging": o.sending_school.code[4:],
        **{f"rapport.{k}": v for k, v in rapport.items()},
    }
    view: dict[str, Any] = {"gegevens": {name: values[name] for name in sorted(released) if name in values}}
    view["warme_items"] = {
        item.key: {"label": item.label, "tekst": item.text} for item in o.warm_items if warm_field(item.key) in released
    }
    return view


def _pupil_id(pupil: PupilId) -> dict[str, str]:
    return {pupil.kind.value: pupil.value}


@logs_refusals(PURPOSE)
def push(p: Persistence, who: Requester, body: OverdrachtIn, idem: Idempotency | None) -> Answer:
    """Draft (and optionally send) an overdracht; the school in the body must be the signing school,
    and becomes (or stays) the pupil's school of registration."""
    pupil = body.leerling.pupil_id()
    subject = pseudonym_of(p, pupil)
    require_signing_school(who, body.school, subject)

    def run(answer_for: AnswerFor) -> Answer:
        try:
            o = Overdracht.draft(
                subject,
                leerling=DomainLeerling(pupil, body.leerling.naam, body.leerling.geboortedatum),
                sending_school=body.school.code,
                receiving_school=body.ontvangende_school.code,
                rapport=OnderwijskundigRapport(**body.rapport.model_dump()),
                warm_items=[WarmItem(i.sleutel.value, i.tekst, i.toestemming_nodig, i.label) for i in body.warme_items],
            )
            if body.versturen:
                o.send()
        except DomainError as e:
            raise domain_refusal(e, PATHS) from e
        response = sender_view(o)
        fields = (*_BASE_FIELDS, *(warm_field(i.sleutel) for i in body.warme_items))
        p.commit(
            [o],
            log=[write_entry(who, o, tuple(sorted(fields)), PURPOSE, BASIS)],
            directory=[
                DirectoryEntry(
                    o.id, KIND, PURPOSE, who.org.org_id, subject, receiver_org=_org(body.ontvangende_school.code)
                )
            ],
            answer=answer_for(201, response, subject, PURPOSE),
            involvement=[_school_of(o, who, Bron.OVERDRACHT)],
        )
        return Answer(201, response)

    return once(p, who, idem, run, subject)


def _school_of(o: Overdracht, who: Requester, source: Bron) -> InvolvementChange:
    return InvolvementChange(o.subject, who.org.org_id, Betrokkenheid.SCHOOL_VAN_INSCHRIJVING, source, str(o.id))


def _party(p: Persistence, who: Requester, record_id: UUID) -> tuple[Overdracht, bool]:
    """The overdracht and whether the caller sent it; 404 for anyone else, and for a receiver of a concept."""
    entry = p.directory_entry(record_id)
    subject = entry.subject if entry is not None and entry.kind == KIND else None
    require_role(who, Role.SCHOOL, subject)
    missing = NotFound(f"no overdracht {record_id} for you", subject=subject, record_id=str(record_id))
    if entry is None or subject is None or who.org.org_id not in (entry.owner_org, entry.receiver_org):
        raise missing
    o = load_listed(p, Overdracht, entry)
    sender = entry.owner_org == who.org.org_id
    if not sender and o.status is OverdrachtStatus.CONCEPT:
        raise missing
    return o, sender


@logs_refusals(PURPOSE)
def read(
    p: Persistence,
    keys: dict[str, VerifyKey],
    who: Requester,
    record_id: UUID,
    receipt: str | None,
    at: datetime | None = None,
) -> Answer:
    """The sender gets its status view; the receiver the rapport and the consented warm items."""
    o, sender = _party(p, who, record_id)
    if sender:
        return Answer(200, sender_view(o))
    at = at or now()
    presented: Presented | None = None
    if receipt is not None:
        presented = check_receipt(p, keys, who, receipt, purpose=PURPOSE, subject=o.subject, at=at)
    requested = (*_BASE_FIELDS, *(warm_field(item.key) for item in o.warm_items))
    context = _context(o, involved_with(p, o.subject, at))
    decision, entry = decide(
        who, PURPOSE, context, requested, presented=presented, last_changed=o.modified_on, record_id=o.id, at=at
    )
    p.log([entry])  # fail closed: no entry, no answer
    withheld = withheld_view(decision)
    return Answer(
        200,
        {
            **sender_view(o),
            **_released_view(o, decision.released),
            "warme_items_achtergehouden": {k: withheld[f] for f in withheld if (k := warm_key(f)) is not None},
            "afweging": entry.afweging,
        },
    )


@logs_refusals(PURPOSE)
def listing(p: Persistence, who: Requester, after: int, limit: int, inbox: bool) -> Answer:
    """The school's sent overdrachten, or (inbox) those sent to it; ids and cursors only."""
    require_role(who, Role.SCHOOL)
    find = p.received if inbox else p.owned
    return id_page(find(KIND, who.org.org_id, after, limit), after)


@logs_refusals(PURPOSE)
def send(p: Persistence, who: Requester, record_id: UUID) -> Answer:
    return _apply(p, who, _as_sender(p, who, record_id), lambda o: o.send(), "status")


@logs_refusals(PURPOSE)
def acknowledge(p: Persistence, who: Requester, record_id: UUID) -> Answer:
    """The receiving school confirms receipt (verstuurd → ontvangen) and so becomes the pupil's
    school of registration too."""
    o, sender = _party(p, who, record_id)
    if sender:
        raise NotFound(f"no overdracht {record_id} sent to you", subject=o.subject, record_id=str(record_id))
    return _apply(p, who, o, lambda x: x.receive(who.org.code), "ontvangst", [_school_of(o, who, Bron.ONTVANGST)])


@logs_refusals(PURPOSE)
def close(p: Persistence, who: Requester, record_id: UUID, body: SluitingIn) -> Answer:
    return _apply(p, who, _as_sender(p, who, record_id), lambda o: o.close(body.reden), "status")


def _as_sender(p: Persistence, who: Requester, record_id: UUID) -> Overdracht:
    o, sender = _party(p, who, record_id)
    if not sender:
        raise NotFound(f"no overdracht {record_id} of yours", subject=o.subject, record_id=str(record_id))
    return o


def _apply(
    p: Persistence,
    who: Requester,
    o: Overdracht,
    change: Any,
    field: str,
    involvement: Sequence[InvolvementChange] = (),
) -> Answer:
    try:
        change(o)
    except DomainError as e:
        raise domain_refusal(e, PATHS) from e
    p.commit([o], log=[write_entry(who, o, (field,), PURPOSE, BASIS)], involvement=involvement)
    return Answer(200, sender_view(o))
