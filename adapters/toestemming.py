"""Consent as a school or SWV records it: given, withdrawn, read back; each answer carries a receipt.

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
from adapters.common import LeerlingId, Strict, write_entry
from adapters.disclosure import now
from adapters.errors import Conflict, Forbidden, Invalid, NotFound
from adapters.ports import DirectoryEntry, Persistence, Requester, load_as
from consent.receipts import Notary
from domain.consent import Consent, ConsentError, ConsentGiver
from domain.parties import Role
from domain.purpose import ConsentMethod, LegalBasis

KIND = "toestemming"
RECORDERS = frozenset({Role.SCHOOL, Role.SWV})
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
    items: list[str] = Field(default_factory=list, max_length=50, description="Warm items (warme overdracht)")
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


def give(p: Persistence, notary: Notary, who: Requester, body: ToestemmingIn, idem: Idempotency | None) -> Answer:
    """Record a consent; 201 with its receipt."""
    if who.org.role not in RECORDERS:
        raise Forbidden("only a school or an SWV records consent")
    for i, recipient in enumerate(body.ontvangers):
        if not _is_org_id(recipient):
            raise Invalid(f"ontvangers[{i}]", "expected an organisation id such as school:34CD01 or leerplicht:GM0363")
    pupil = body.leerling.pupil_id()

    def run(answer_for: AnswerFor) -> Answer:
        at = now()
        subject = p.pseudonym(pupil.kind.value, pupil.value)
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
                items=body.items,
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

    return once(p, who, idem, run)


def _is_org_id(value: str) -> bool:
    return re.fullmatch(_ORG_ID, value) is not None


def _own(p: Persistence, who: Requester, consent_id: UUID) -> Consent:
    entry = p.directory_entry(consent_id)
    if entry is None or entry.kind != KIND or entry.owner_org != who.org.org_id:
        raise NotFound(f"no toestemming {consent_id} recorded by you")
    return load_as(p, Consent, consent_id)


def status(p: Persistence, notary: Notary, who: Requester, consent_id: UUID) -> Answer:
    return Answer(200, view(_own(p, who, consent_id), notary, now()))


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
