"""Consent as an involved party records it: given, withdrawn, read back; each answer carries a receipt.

The receipt is a JWS the hub signs (consent/receipts.py); recipients present it when
they pull. Withdrawal counts for every later pull at once, because the gate in
adapters/disclosure.py checks the consent as stored, not the receipt alone.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, Field

from adapters.answers import Answer, AnswerFor, Idempotency, once
from adapters.common import LeerlingId, Strict, load_listed, pseudonym_of, write_entry
from adapters.disclosure import involved_with, now
from adapters.errors import Conflict, Forbidden, Invalid, NotFound
from adapters.guard import logs_refusals
from adapters.ports import DirectoryEntry, Persistence, Requester
from audit.refusals import Refused
from consent.receipts import Notary
from domain.betrokkenheid import may_record_consent, recipient_fits
from domain.catalogue import PURPOSES
from domain.consent import Consent, ConsentError, ConsentGiver
from domain.fields import WarmOnderwerp
from domain.purpose import ConsentMethod, LegalBasis, Purpose
from domain.purposes import UnknownPurposeError, get_purpose

KIND = "toestemming"
CONSENTED = frozenset(p.name for p in PURPOSES.values() if p.consent.required)
_ORG_ID = r"^(school|swv|leerplicht|jeugdteam):[A-Za-z0-9-]{2,32}$"


class Leerling(LeerlingId):
    """The pupil the consent is about; the date of birth decides whether the pupil (16+) may give it."""

    geboortedatum: date


class ToestemmingIn(Strict):
    """A consent as given by a parent, guardian or the pupil from 16, recorded by the school or SWV."""

    leerling: Leerling
    doel: str = Field(description="Purpose, e.g. warme-overdracht, thuiszitterstafel, jeugdhulp-afstemming")
    ontvangers: list[str] = Field(min_length=1, max_length=20, description="Organisation ids, e.g. school:34CD01")
    categorieen: list[str] = Field(min_length=1, max_length=20, description="Data categories the consent covers")
    items: list[WarmOnderwerp] = Field(
        default_factory=list, max_length=6, description="The warm items' topics (warme overdracht)"
    )
    geldig_van: AwareDatetime
    geldig_tot: AwareDatetime
    gegeven_door: ConsentGiver
    naam_gever: str = Field(min_length=1, max_length=200)
    gegeven_op: date
    wijze: ConsentMethod
    formulier_kenmerk: str = Field("", max_length=200)


class IntrekkingIn(Strict):
    """Why the consent is withdrawn (the giver owes no reason; the field may stay empty)."""

    reden: str = Field("", max_length=2000)


def view(consent: Consent, notary: Notary, at: datetime) -> dict[str, Any]:
    """The consent as the recorder sees it, with a fresh receipt while it is valid; no names."""
    valid = consent.is_valid_at(at)
    return {
        "id": str(consent.id),
        "doel": consent.purpose,
        "status": consent.status.value if valid or consent.withdrawn_at else "verlopen",
        "ontvangers": list(consent.recipients),
        "categorieen": list(consent.categories),
        "items": list(consent.items),
        "geldig_van": consent.valid_from.isoformat(),
        "geldig_tot": consent.valid_until.isoformat(),
        "ingetrokken_op": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
        "bewijs": notary.receipt(consent, at) if valid else None,
    }


@logs_refusals(KIND)
def give(p: Persistence, notary: Notary, who: Requester, body: ToestemmingIn, idem: Idempotency | None) -> Answer:
    """Record a consent; 201 with its receipt. Only a party involved with the pupil, in a role the
    purpose lets record its consent, may; the recipients must be registered parties that fit it."""
    purpose = _purpose(body.doel)
    pupil = body.leerling.pupil_id()
    subject = pseudonym_of(p, pupil)
    _require_authority(p, who, purpose, subject)
    _check_recipients(p, purpose, body.ontvangers)

    def run(answer_for: AnswerFor) -> Answer:
        at = now()
        try:
            consent = Consent.start(
                subject,
                purpose=body.doel,
                recorded_by=who.org.org_id,
                recipients=body.ontvangers,
                categories=body.categorieen,
                valid_from=body.geldig_van,
                valid_until=body.geldig_tot,
                given_by=body.gegeven_door,
                given_by_name=body.naam_gever,
                given_on=body.gegeven_op,
                method=body.wijze,
                pupil_birth_date=body.leerling.geboortedatum,
                items=[i.value for i in body.items],
                form_reference=body.formulier_kenmerk,
            )
        except ConsentError as e:
            raise Invalid("body", str(e)) from e
        response = view(consent, notary, at)
        p.commit(
            [consent],
            log=[write_entry(who, consent, ("toestemming",), consent.purpose, LegalBasis.TOESTEMMING.value)],
            directory=[DirectoryEntry(consent.id, KIND, consent.purpose, who.org.org_id, subject)],
            answer=answer_for(201, response, subject, consent.purpose),
        )
        return Answer(201, response)

    return once(p, who, idem, run, subject)


def _purpose(name: str) -> Purpose:
    try:
        purpose = get_purpose(name)
    except UnknownPurposeError:
        raise Invalid("doel", f"unknown purpose; expected one of {sorted(CONSENTED)}") from None
    if purpose.name not in CONSENTED:
        raise Invalid("doel", f"{name} does not rest on consent; expected one of {sorted(CONSENTED)}")
    return purpose


def _require_authority(p: Persistence, who: Requester, purpose: Purpose, subject: str) -> None:
    """Consent authority (domain/betrokkenheid.py): 403, logged, and nothing recorded otherwise."""
    role = who.org.role
    if role not in purpose.consent.recorded_by:
        allowed = ", ".join(sorted(r.value for r in purpose.consent.recorded_by))
        raise Forbidden(
            f"a consent for {purpose.name} is recorded by {allowed}; you are registered as {role.value}",
            subject=subject,
            purpose=purpose.name,
        )
    involved = who.org.org_id in involved_with(p, subject, now())
    if not may_record_consent(purpose, role, involved):
        raise Forbidden(
            "your organisation is not involved with this pupil (no inschrijving, melding or overdracht"
            " of yours, nor of a school of your SWV); see POST /v1/inschrijvingen",
            refused=Refused.NOT_INVOLVED,
            subject=subject,
            purpose=purpose.name,
        )


def _check_recipients(p: Persistence, purpose: Purpose, recipients: list[str]) -> None:
    """Every recipient a registered party of a role that receives under the purpose (422 otherwise)."""
    for i, recipient in enumerate(recipients):
        if not re.fullmatch(_ORG_ID, recipient):
            raise Invalid(f"ontvangers[{i}]", "expected an organisation id such as school:34CD01 or leerplicht:GM0363")
        party = p.party(recipient)
        if party is None:
            raise Invalid(f"ontvangers[{i}]", f"{recipient} is not a registered organisation")
        if not recipient_fits(purpose, party.role):
            roles = ", ".join(r.role.value for r in purpose.recipients)
            raise Invalid(f"ontvangers[{i}]", f"a {party.role.value} receives nothing under {purpose.name} ({roles})")


def _own(p: Persistence, who: Requester, consent_id: UUID) -> Consent:
    entry = p.directory_entry(consent_id)
    subject = entry.subject if entry is not None and entry.kind == KIND else None
    if entry is None or subject is None or entry.owner_org != who.org.org_id:
        raise NotFound(f"no toestemming {consent_id} recorded by you", subject=subject, record_id=str(consent_id))
    return load_listed(p, Consent, entry)


@logs_refusals(KIND)
def status(p: Persistence, notary: Notary, who: Requester, consent_id: UUID) -> Answer:
    return Answer(200, view(_own(p, who, consent_id), notary, now()))


@logs_refusals(KIND)
def withdraw(p: Persistence, notary: Notary, who: Requester, consent_id: UUID, body: IntrekkingIn) -> Answer:
    """Withdraw from now on: every later pull with any receipt of this consent is refused."""
    consent = _own(p, who, consent_id)
    at = now()
    try:
        consent.withdraw(body.reden, at)
    except ConsentError as e:
        raise Conflict(str(e)) from e
    p.commit(
        [consent],
        log=[write_entry(who, consent, ("toestemming.intrekking",), consent.purpose, LegalBasis.TOESTEMMING.value)],
    )
    return Answer(200, view(consent, notary, at))
