"""Every disclosure goes through here: the receipt gate, the afwegingskader, and its log entry.

A pull answers in three steps, always in this order:

1. a receipt, when presented, is checked completely (signature, validity, purpose,
   recipient, pupil, and the consent as the hub knows it *now*): any failure is a
   `403` with the reason, and the refusal is logged;
2. `consent.policy.decide` weighs the request and says which fields go out;
3. the access-log entry of that decision is written (fail closed) before the view
   with exactly the released fields is returned.

`hub audit replay` rebuilds the same `DisclosureRequest` with `disclosure_request`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from nacl.signing import VerifyKey

from adapters.errors import Forbidden
from adapters.ports import Persistence, RecordGone, RecordMissing, Requester
from audit.entries import AccessEntry, Action
from audit.refusals import RECEIPT_KEY, REFUSAL_KEY, Refused
from consent import policy
from consent.decision import Decision, Outcome
from consent.receipts import ReceiptClaims, ReceiptError, verify_receipt
from consent.refusals import Reason
from consent.request import ConsentState, DisclosureRequest, SubjectContext, consent_failure_at
from consent.request import Requester as PolicyRequester
from domain.consent import Consent
from domain.parties import Role

RECEIPT_HEADER = "Ketenhub-Toestemmingsbewijs"

# Why a presented receipt is refused, in words a partner's developer can act on.
RECEIPT_REFUSALS: Mapping[str, str] = {
    "malformed": "het toestemmingsbewijs is geen geldige compacte JWS van de hub",
    "bad_signature": "de handtekening van het toestemmingsbewijs klopt niet (vervalst of gewijzigd)",
    "unknown_key": "het toestemmingsbewijs is getekend met een sleutel die de hub niet kent (zie /v1/sleutels)",
    "expired": "het toestemmingsbewijs is verlopen",
    "not_yet_valid": "het toestemmingsbewijs geldt nog niet",
    "wrong_purpose": "het toestemmingsbewijs geldt een ander doel",
    "wrong_recipient": "het toestemmingsbewijs noemt uw organisatie niet als ontvanger",
    "wrong_pupil": "het toestemmingsbewijs hoort bij een andere leerling",
    "withdrawn": "de toestemming is ingetrokken",
    "consent_expired": "de toestemming is verlopen",
    "consent_unknown": "de toestemming van dit bewijs bestaat niet (meer)",
}


class ReceiptRefused(Forbidden):
    """A presented consent receipt that the hub does not accept; `reason` says why."""

    code = "toestemmingsbewijs-geweigerd"

    refused = Refused.RECEIPT_REFUSED

    def __init__(self, reason: str, *, subject: str | None = None, purpose: str | None = None) -> None:
        super().__init__(RECEIPT_REFUSALS[reason], subject=subject, purpose=purpose, reden=reason)
        self.reason = reason


@dataclass(frozen=True)
class Presented:
    """A receipt that passed the gate, with the consent as the hub knows it now."""

    claims: ReceiptClaims
    consent: ConsentState


def now() -> datetime:
    return datetime.now(UTC)


def policy_requester(who: Requester) -> PolicyRequester:
    """The requester as the policy sees it: leerplicht serves its own gemeente, a jeugdteam its gemeente."""
    org = who.org
    gemeenten = {org.code} if org.role is Role.LEERPLICHT else set()
    if org.gemeente:
        gemeenten.add(org.gemeente)
    return PolicyRequester(org.org_id, org.role, frozenset(gemeenten))


def involved_with(p: Persistence, subject: str, at: datetime) -> frozenset[str]:
    """The organisations involved with the pupil at `at`, as the register holds it now."""
    return p.involved([subject], at)[subject]


def consent_state(p: Persistence, consent_id: UUID, version: int | None = None) -> ConsentState | None:
    """The consent as stored (at `version`, for replays), or None when unknown or erased."""
    try:
        consent = p.load(consent_id, version=version)
    except (RecordGone, RecordMissing):
        return None
    return ConsentState.of(consent) if isinstance(consent, Consent) else None


def check_receipt(
    p: Persistence,
    keys: Mapping[str, VerifyKey],
    who: Requester,
    token: str,
    *,
    purpose: str,
    subject: str | None,
    at: datetime,
) -> Presented:
    """The receipt gate (step 1); raises ReceiptRefused, after logging the refusal."""
    try:
        claims = verify_receipt(token, keys, at)
        state = consent_state(p, claims.consent_id)
        reason = _mismatch(claims, state, who, purpose, subject, at)
    except ReceiptError as e:
        claims, state, reason = None, None, e.reason.value
    if reason is None and claims is not None and state is not None:
        return Presented(claims, state)
    reason = reason or "malformed"
    consent_id = claims.jti if claims else None
    # A receipt whose signature held names its pupil truly: the refusal is that pupil's too.
    named = subject or (claims.sub if claims else None)
    p.log([refusal_entry(who, purpose, named, Refused.RECEIPT_REFUSED, receipt=reason, consent_id=consent_id)])
    refusal = ReceiptRefused(reason, subject=named, purpose=purpose)
    refusal.logged = True
    raise refusal


def _mismatch(
    claims: ReceiptClaims, state: ConsentState | None, who: Requester, purpose: str, subject: str | None, at: datetime
) -> str | None:
    if claims.purpose != purpose:
        return "wrong_purpose"
    if who.org.org_id not in claims.aud:
        return "wrong_recipient"
    if subject is not None and claims.sub != subject:
        return "wrong_pupil"
    if state is None or state.subject != claims.sub:
        return "consent_unknown"
    failure = consent_failure_at(state, at)
    if failure is Reason.CONSENT_WITHDRAWN:
        return "withdrawn"
    return None if failure is None else "consent_expired"


def disclosure_request(
    who: Requester,
    purpose: str,
    context: SubjectContext,
    fields: Iterable[str],
    at: datetime,
    presented: Presented | None,
    last_changed: datetime | None,
) -> DisclosureRequest:
    """The request the policy weighs; built the same way for a pull and for its replay."""
    return DisclosureRequest(
        requester=policy_requester(who),
        purpose=purpose,
        context=context,
        fields=frozenset(fields),
        now=at,
        receipt=presented.claims if presented else None,
        consent=presented.consent if presented else None,
        record_last_changed=last_changed,
    )


def entry_of(who: Requester, decision: Decision, requested: Iterable[str], record_id: UUID | None) -> AccessEntry:
    """The access-log entry of a decision: disclose what was released, refuse when nothing was."""
    released = tuple(sorted(decision.released))
    return AccessEntry(
        action=Action.DISCLOSE if released else Action.REFUSE,
        org_id=who.org.org_id,
        role=who.org.role.value,
        purpose=decision.purpose,
        legal_basis=",".join(sorted(b.value for b in decision.legal_basis)),
        subject=decision.subject,
        record_id=str(record_id) if record_id else None,
        actor=who.actor,
        consent_id=str(decision.consent_id) if decision.consent_id else None,
        fields=released,
        requested=tuple(sorted(requested)),
        decision=decision.outcome.value,
        afweging=decision.to_dict(),
        request_id=who.request_id,
        trace_id=who.trace_id,
        at=decision.decided_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    )


def refusal_entry(
    who: Requester,
    purpose: str,
    subject: str | None,
    refused: Refused,
    *,
    receipt: str | None = None,
    consent_id: str | None = None,
    record_id: UUID | str | None = None,
) -> AccessEntry:
    """The entry of a request refused before the policy was asked: why (audit/refusals.py), and
    for a refused consent receipt the receipt gate's reason beside it."""
    afweging: dict[str, Any] = {REFUSAL_KEY: refused.value}
    if receipt is not None:
        afweging[RECEIPT_KEY] = receipt
    return AccessEntry(
        action=Action.REFUSE,
        org_id=who.org.org_id,
        role=who.org.role.value,
        purpose=purpose,
        legal_basis="",
        subject=subject,
        record_id=str(record_id) if record_id else None,
        actor=who.actor,
        consent_id=consent_id,
        decision=Outcome.DENY.value,
        afweging=afweging,
        request_id=who.request_id,
        trace_id=who.trace_id,
    )


def decide(
    who: Requester,
    purpose: str,
    context: SubjectContext,
    fields: Iterable[str],
    *,
    presented: Presented | None,
    last_changed: datetime | None,
    record_id: UUID | None,
    at: datetime | None = None,
) -> tuple[Decision, AccessEntry]:
    """Step 2 and the entry of step 3: the caller commits the entry before answering, and answers
    with `entry.afweging`, so the client reads exactly what the log recorded."""
    request = disclosure_request(who, purpose, context, fields, at or now(), presented, last_changed)
    decision = policy.decide(request)
    return decision, entry_of(who, decision, request.fields, record_id)


def withheld_view(decision: Decision) -> dict[str, Any]:
    """What was not released and why, by field name only (never a value)."""
    return {name: reason.value for name, reason in sorted(decision.withheld.items())}
