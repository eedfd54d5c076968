"""What `consent.policy.decide` is asked: who asks, about which record, for which fields.

The request carries what the hub knows now: the consent as stored (which beats any
receipt already handed out), the receipt shown (already verified), and when the
record last changed. It holds no plaintext identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from consent.receipts import ReceiptClaims
from consent.refusals import Reason
from domain.consent import Consent
from domain.parties import Role


@dataclass(frozen=True)
class Requester:
    """The organisation asking, as authenticated by its own key."""

    org_id: str
    role: Role
    gemeenten: frozenset[str] = frozenset()  # CBS codes served (leerplicht, jeugdteam)


@dataclass(frozen=True)
class SubjectContext:
    """What the hub knows about the record asked for (no plaintext identifiers)."""

    subject: str | None = None  # pupil pseudonym; None for aggregate views
    woongemeente: str | None = None  # CBS code of the pupil's home gemeente
    school: str | None = None  # school of registration; for an overdracht the sending school
    receiving_school: str | None = None
    swv: str | None = None  # SWV of the school / region
    recorded_by: str | None = None  # organisation that recorded (holds) the record
    # The organisations involved with the pupil at the moment (the register, domain/betrokkenheid.py);
    # None when nobody asked it, which refuses every pupil-level field (fail closed).
    involved: frozenset[str] | None = None


@dataclass(frozen=True)
class ConsentState:
    """The consent as the hub knows it now; it beats any receipt already handed out."""

    consent_id: UUID
    purpose: str
    subject: str
    recorded_by: str
    recipients: frozenset[str]
    categories: frozenset[str]
    valid_from: datetime
    valid_until: datetime
    withdrawn_at: datetime | None = None
    items: frozenset[str] = frozenset()

    @classmethod
    def of(cls, consent: Consent) -> ConsentState:
        """The snapshot of a Consent aggregate."""
        return cls(
            consent_id=consent.id,
            purpose=consent.purpose,
            subject=consent.subject,
            recorded_by=consent.recorded_by,
            recipients=frozenset(consent.recipients),
            categories=frozenset(consent.categories),
            valid_from=consent.valid_from,
            valid_until=consent.valid_until,
            withdrawn_at=consent.withdrawn_at,
            items=frozenset(consent.items),
        )

    def is_valid_at(self, moment: datetime) -> bool:
        """Not withdrawn by `moment` and `moment` within the validity period."""
        return consent_failure_at(self, moment) is None


def consent_failure_at(state: ConsentState, moment: datetime) -> Reason | None:
    """Why `state` gives no basis at `moment`, or None when it does."""
    if state.withdrawn_at is not None and moment >= state.withdrawn_at:
        return Reason.CONSENT_WITHDRAWN
    if moment >= state.valid_until:
        return Reason.CONSENT_EXPIRED
    if moment < state.valid_from:
        return Reason.CONSENT_NOT_YET_VALID
    return None


@dataclass(frozen=True)
class DisclosureRequest:
    """One request for data: who, for which purpose, about which record, which fields."""

    requester: Requester
    purpose: str
    context: SubjectContext
    fields: frozenset[str]
    now: datetime
    receipt: ReceiptClaims | None = None  # verified by consent.receipts.verify_receipt
    consent: ConsentState | None = None
    record_last_changed: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", frozenset(self.fields))
        if not self.fields:
            raise ValueError("a disclosure request names at least one field")
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")


__all__ = ["ConsentState", "DisclosureRequest", "Requester", "SubjectContext", "consent_failure_at"]
