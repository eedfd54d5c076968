"""The afwegingskader: one function, `decide`, rules on every disclosure.

Before any data leaves the hub the policy asks the three questions of the VWS tool
"Samenwerken in de jeugdketen" (004_45b01860e536524f.txt ch. 15) and records the
answers so the decision can be explained and replayed later:

- proportionaliteit: do the requested fields stay within the purpose's minimal set
  (and, when consent is the basis, within what the consent names), and is the
  record one of the requester's own (its gemeente, its school, its SWV)?
- subsidiariteit: does a less intrusive answer serve (a signal instead of the file,
  counts instead of names)? Then that is released, and the decision says so.
- doelmatigheid: is the requester active in this case, does the basis hold *now*
  (a withdrawn or expired consent counts for nothing, whatever receipt is shown),
  and is the record still within its retention period?

A field that is not released is always listed in `withheld` with its reason.
The function is pure and deterministic: the same request gives the same decision,
which is what `hub audit replay` relies on.

This module holds `decide` and its steps; what it is asked is `consent.request`,
what it answers `consent.decision`, and the reasons it gives `consent.refusals`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from uuid import UUID

from consent.decision import Decision, Outcome, Weighing
from consent.receipts import ReceiptClaims, numeric_date
from consent.refusals import REASONS, Criterion, Reason
from consent.request import ConsentState, DisclosureRequest, Requester, SubjectContext, consent_failure_at
from domain.catalogue import PURPOSES
from domain.fields import Category, category_of, warm_key
from domain.parties import Role, organisation_id
from domain.purpose import LegalBasis, Purpose, Relation

POLICY_VERSION = "3"  # bump when a rule changes, so replays can tell which rules applied


# Proportionaliteit, "only the requester's own records": which relation makes a
# record one of a role's own. Auditors have none: they read the access log.
ROLE_SCOPE: Mapping[Role, frozenset[Relation]] = MappingProxyType(
    {
        Role.LEERPLICHT: frozenset({Relation.WOONGEMEENTE}),
        Role.JEUGDTEAM: frozenset({Relation.WOONGEMEENTE}),
        Role.SCHOOL: frozenset({Relation.SCHOOL_VAN_INSCHRIJVING, Relation.ONTVANGENDE_SCHOOL}),
        Role.SWV: frozenset({Relation.EIGEN_SWV}),
        Role.AUDITOR: frozenset(),
    }
)

# ---------------------------------------------------------------------------
# Named rules
# ---------------------------------------------------------------------------


def relations(requester: Requester, context: SubjectContext) -> frozenset[Relation]:
    """How the requester stands to the record (before any role is taken into account)."""
    found: set[Relation] = set()
    if context.woongemeente is not None and context.woongemeente in requester.gemeenten:
        found.add(Relation.WOONGEMEENTE)
    if context.school is not None and requester.org_id == context.school:
        found.add(Relation.SCHOOL_VAN_INSCHRIJVING)
    if context.receiving_school is not None and requester.org_id == context.receiving_school:
        found.add(Relation.ONTVANGENDE_SCHOOL)
    if context.swv is not None and requester.org_id == context.swv:
        found.add(Relation.EIGEN_SWV)
    return frozenset(found)


def is_involved(request: DisclosureRequest) -> bool:
    """Whether the requester is involved with the pupil: in the register at the moment, leerplicht
    serving the woongemeente the record names (003 §3.2), the school an overdracht is addressed
    to, or a recipient the consent in question names."""
    context, requester = request.context, request.requester
    if context.subject is None:
        return True  # aggregates name no pupil
    if context.involved is None:
        return False  # nobody asked the register: fail closed
    state = request.consent
    named = state is not None and state.subject == context.subject and requester.org_id in state.recipients
    serves = requester.role is Role.LEERPLICHT and context.woongemeente in requester.gemeenten
    return requester.org_id in context.involved or serves or requester.org_id == context.receiving_school or named


def holder_involved(request: DisclosureRequest) -> bool:
    """A consent unlocks only records held by a party involved with the pupil (as stored now)."""
    holder = request.context.recorded_by
    return holder is not None and holder in (request.context.involved or ())


def consent_reaches(state: ConsentState, context: SubjectContext) -> bool:
    """A consent covers the records of the party that recorded it, and of the parties it answers
    for: an SWV its school's, leerplicht of the woongemeente the meldingen routed to it. Parents
    consent to what the party asking them will share (004 ch. 7: "wat ze ... willen bespreken"),
    not to what a third party holds; so a party that made itself involved unlocks nobody else's."""
    holder, recorder = context.recorded_by, state.recorded_by
    if holder is None:
        return False
    leerplicht = context.woongemeente is not None and recorder == organisation_id(Role.LEERPLICHT, context.woongemeente)
    return recorder in (holder, context.swv) or leerplicht


def is_recorder(purpose: Purpose, request: DisclosureRequest) -> bool:
    """The organisation that recorded a record may read it back (as a sender of the purpose)."""
    return (
        request.context.recorded_by is not None
        and request.requester.org_id == request.context.recorded_by
        and request.requester.role in purpose.senders
    )


def retention_failure(purpose: Purpose, request: DisclosureRequest) -> Reason | None:
    """Whether the record is past (or cannot be placed within) its retention period."""
    ends = purpose.retention
    if ends.years is None:
        return None  # nothing personal is kept for this purpose
    if request.record_last_changed is None:
        return Reason.RETENTION_UNKNOWN  # fail closed
    end = ends.ends(request.record_last_changed)
    return Reason.RETENTION_EXPIRED if end is not None and request.now >= end else None


def consent_failure(purpose: Purpose, request: DisclosureRequest) -> Reason | None:
    """Why consent gives no basis for this requester now, or None when it does.

    The hub's ConsentState wins: a withdrawal or expiry counts even when the
    requester shows a receipt that is still cryptographically valid. Recipients
    must also present a receipt that matches the consent; the organisation that
    recorded the consent needs none.
    """
    state, requester = request.consent, request.requester
    if state is None:
        return Reason.NO_CONSENT
    if state.purpose != purpose.name or state.subject != request.context.subject:
        return Reason.CONSENT_MISMATCH
    if (failure := consent_failure_at(state, request.now)) is not None:
        return failure
    if requester.org_id == state.recorded_by:
        return None
    if requester.org_id not in state.recipients:
        return Reason.NOT_NAMED_IN_CONSENT
    claims = request.receipt
    if claims is None:
        return Reason.RECEIPT_MISSING
    if claims.purpose != purpose.name:
        return Reason.WRONG_PURPOSE
    if requester.org_id not in claims.aud:
        return Reason.WRONG_RECIPIENT
    if claims.jti != str(state.consent_id) or claims.sub != state.subject:
        return Reason.RECEIPT_MISMATCH
    if not claims.nbf <= numeric_date(request.now) < claims.exp:
        return Reason.RECEIPT_NOT_VALID_NOW
    return None


def covered_by_consent(name: str, state: ConsentState, claims: ReceiptClaims | None) -> bool:
    """Whether the consent (and the receipt shown, if any) names this field's category/item."""
    category = category_of(name)
    if category is None or category.value not in state.categories:
        return False
    if claims is not None and category.value not in claims.categories:
        return False
    if category is Category.WARME_ITEMS:
        key = warm_key(name)
        return key in state.items and (claims is None or key in claims.items)
    return True


@dataclass(frozen=True)
class _Facts:
    """What the rules need, worked out once per request."""

    purpose: Purpose
    request: DisclosureRequest
    own_record: bool
    involved: bool
    holder_involved: bool
    active: bool
    recorder: bool
    reaches: bool  # the consent covers this record's holder (consent_reaches)
    consent: Reason | None
    retention: Reason | None
    consent_applies: bool  # the consent is this pupil's and this purpose's


def _facts(purpose: Purpose, request: DisclosureRequest) -> _Facts:
    role = request.requester.role
    related = relations(request.requester, request.context)
    recorder = is_recorder(purpose, request)
    recipient = purpose.recipient(role)
    state = request.consent
    return _Facts(
        purpose=purpose,
        request=request,
        own_record=recorder or bool(related & ROLE_SCOPE[role]),
        involved=is_involved(request),
        holder_involved=holder_involved(request),
        active=recorder or (recipient is not None and bool(related & recipient.active_when)),
        recorder=recorder,
        reaches=state is not None and consent_reaches(state, request.context),
        consent=consent_failure(purpose, request),
        retention=retention_failure(purpose, request),
        consent_applies=state is not None
        and state.purpose == purpose.name
        and state.subject == request.context.subject,
    )


def _party_failures(facts: _Facts) -> list[Reason]:
    """The gate: may this party receive under the purpose, is it its record, is it active?

    A party that fails here learns nothing more about the record: not whether a
    consent exists or was withdrawn, not how old the record is.
    """
    role = facts.request.requester.role
    failures: list[Reason] = []
    if facts.purpose.recipient(role) is None and not facts.recorder:
        failures.append(Reason.NOT_A_RECIPIENT)
    if not facts.own_record:
        failures.append(Reason.NOT_OWN_RECORD)
    if not facts.involved:
        failures.append(Reason.NOT_INVOLVED)
    if not facts.active:
        failures.append(Reason.NO_ACTIVE_ROLE)
    return failures


def _field_failures(name: str, basis: LegalBasis, facts: _Facts) -> list[Reason]:
    """Every rule `name` fails when released on `basis`, in the order they are weighed."""
    purpose, request = facts.purpose, facts.request
    if category_of(name) is None:
        return [Reason.UNKNOWN_FIELD]
    if gate := _party_failures(facts):
        return gate
    failures: list[Reason] = []
    # Proportionaliteit: within the minimal set and the consent. The recorder reads
    # back what it sent, no more; others get their role's set.
    within = purpose.allows(name) if facts.recorder else purpose.allows(name, request.requester.role)
    if not within:
        failures.append(Reason.OUTSIDE_MINIMAL_SET)
    consent_based = basis is LegalBasis.TOESTEMMING
    if consent_based and not facts.holder_involved:
        failures.append(Reason.HOLDER_NOT_INVOLVED)
    if consent_based and facts.consent_applies and not facts.reaches:
        failures.append(Reason.CONSENT_OF_ANOTHER_HOLDER)
    if (
        consent_based
        and facts.consent_applies
        and request.consent is not None
        and not covered_by_consent(name, request.consent, request.receipt)
    ):
        failures.append(Reason.OUTSIDE_CONSENT)
    # Doelmatigheid: the basis holds now, and the record is within retention.
    if consent_based and facts.consent is not None:
        failures.append(facts.consent)
    if facts.retention is not None:
        failures.append(facts.retention)
    return failures


def _weighing(criterion: Criterion, failures: Iterable[Reason], nl_ok: str, en_ok: str) -> Weighing:
    codes = tuple(sorted({r for r in failures if REASONS[r].criterion is criterion}))
    if not codes:
        return Weighing(criterion, True, nl_ok, en_ok)
    return Weighing(
        criterion,
        False,
        "; ".join(REASONS[c].nl for c in codes),
        "; ".join(REASONS[c].en for c in codes),
        codes,
    )


def _deny_unknown_purpose(request: DisclosureRequest) -> Decision:
    withheld = dict.fromkeys(request.fields, Reason.UNKNOWN_PURPOSE)
    return _decision(
        request,
        released={},
        withheld=withheld,
        substitute=frozenset(),
        proportionaliteit=_weighing(Criterion.PROPORTIONALITEIT, withheld.values(), "", ""),
        subsidiariteit=Weighing(
            Criterion.SUBSIDIARITEIT, True, "niet beoordeeld: onbekend doel", "not weighed: unknown purpose"
        ),
        doelmatigheid=Weighing(
            Criterion.DOELMATIGHEID, False, "zonder doel geen doelmatigheid", "no purpose, no effectiveness"
        ),
        consent_id=None,
    )


def _decision(
    request: DisclosureRequest,
    *,
    released: Mapping[str, LegalBasis],
    withheld: Mapping[str, Reason],
    substitute: frozenset[str],
    proportionaliteit: Weighing,
    subsidiariteit: Weighing,
    doelmatigheid: Weighing,
    consent_id: UUID | None,
) -> Decision:
    if not released:
        outcome = Outcome.DENY
    elif withheld or substitute:
        outcome = Outcome.PARTIAL
    else:
        outcome = Outcome.ALLOW
    return Decision(
        outcome=outcome,
        purpose=request.purpose,
        requester=request.requester.org_id,
        role=request.requester.role,
        subject=request.context.subject,
        released=frozenset(released),
        withheld=MappingProxyType(dict(withheld)),
        substitute=substitute,
        grounds=MappingProxyType(dict(released)),
        proportionaliteit=proportionaliteit,
        subsidiariteit=subsidiariteit,
        doelmatigheid=doelmatigheid,
        legal_basis=tuple(sorted(set(released.values()))),
        consent_id=consent_id,
        decided_at=request.now,
        policy_version=POLICY_VERSION,
    )


def _substitute(facts: _Facts, released: Mapping[str, LegalBasis]) -> frozenset[str]:
    """Subsidiariteit: when nothing asked can be given but the less intrusive answer
    can, that answer is given instead (a signal instead of the file, counts instead
    of names)."""
    alternative, request = facts.purpose.alternative, facts.request
    if released or alternative is None or request.requester.role not in alternative.roles:
        return frozenset()
    return frozenset(
        name
        for name in alternative.fields - request.fields
        if not _field_failures(name, alternative.legal_basis, facts)
    )


def _subsidiarity(facts: _Facts, released: Mapping[str, LegalBasis], withheld: Mapping[str, Reason]) -> Weighing:
    """The recorded answer to "could less have served?"."""
    alternative, request = facts.purpose.alternative, facts.request
    if alternative is None or request.requester.role not in alternative.roles:
        return Weighing(
            Criterion.SUBSIDIARITEIT,
            True,
            "geen minder ingrijpend antwoord dat het doel bereikt",
            "no less intrusive answer reaches the purpose",
        )
    # "Instead of": the answer is only the alternative, while more (known) data was asked.
    only_alternative = bool(released) and set(released) <= alternative.fields
    asked_more = any(n not in alternative.fields and category_of(n) is not None for n in withheld)
    if only_alternative and asked_more:
        return Weighing(
            Criterion.SUBSIDIARITEIT,
            False,
            f"minder ingrijpend volstaat: {alternative.description}",
            f"less intrusive serves: {alternative.description_en}",
        )
    if request.fields <= alternative.fields:
        return Weighing(
            Criterion.SUBSIDIARITEIT,
            True,
            "gevraagd is al de minst ingrijpende vorm",
            "what was asked is already the least intrusive form",
        )
    return Weighing(
        Criterion.SUBSIDIARITEIT,
        True,
        "geen minder ingrijpend antwoord dat het doel bereikt",
        "no less intrusive answer reaches the purpose",
    )


# ---------------------------------------------------------------------------
# The one function
# ---------------------------------------------------------------------------


def decide(request: DisclosureRequest) -> Decision:
    """Apply the afwegingskader to `request` and say what may be released, and why."""
    purpose = PURPOSES.get(request.purpose)
    if purpose is None:
        return _deny_unknown_purpose(request)
    facts = _facts(purpose, request)
    role = request.requester.role
    alternative = purpose.alternative
    alt_serves = alternative is not None and role in alternative.roles

    released: dict[str, LegalBasis] = {}
    withheld: dict[str, Reason] = {}
    refusals: list[Reason] = []
    for name in sorted(request.fields):
        basis = purpose.basis_for(name)
        failures = _field_failures(name, basis, facts)
        if failures and alt_serves and alternative is not None and name in alternative.fields:
            # The asked field is itself the less intrusive answer: try it on its own basis.
            alt_failures = _field_failures(name, alternative.legal_basis, facts)
            if not alt_failures:
                basis, failures = alternative.legal_basis, []
        if failures:
            withheld[name] = failures[0]
            refusals.extend(failures)
        else:
            released[name] = basis

    substitute = _substitute(facts, released)
    if alternative is not None:
        released.update(dict.fromkeys(substitute, alternative.legal_basis))
    subsidiariteit = _subsidiarity(facts, released, withheld)

    consent_based = LegalBasis.TOESTEMMING in released.values()
    return _decision(
        request,
        released=released,
        withheld=withheld,
        substitute=substitute,
        proportionaliteit=_weighing(
            Criterion.PROPORTIONALITEIT,
            refusals,
            "binnen de minimale set, de toestemming en het eigen dossier",
            "within the minimal set, the consent and the requester's own records",
        ),
        subsidiariteit=subsidiariteit,
        doelmatigheid=_weighing(
            Criterion.DOELMATIGHEID,
            refusals,
            "actieve rol, grondslag geldt nu, binnen de bewaartermijn",
            "active role, basis holds now, within retention",
        ),
        consent_id=request.consent.consent_id if consent_based and request.consent else None,
    )


__all__ = [
    "POLICY_VERSION",
    "ROLE_SCOPE",
    "consent_failure",
    "covered_by_consent",
    "decide",
    "is_recorder",
    "relations",
    "retention_failure",
]
