"""Properties of `decide` over every combination hypothesis can think of.

No requester, purpose, field list, receipt or consent state may make the policy
release a field outside the purpose's minimal set, or (when consent is the basis)
outside the consent; a withdrawn or expired consent never carries a release
(domain.md "Data exchange"; 004_45b01860e536524f.txt ch. 15; 003_4d76ddd5121ac97c.txt §4.3).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import UUID

from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from consent.policy import decide, is_recorder
from consent.receipts import ReceiptClaims, numeric_date
from consent.refusals import REASONS, Criterion, Reason
from consent.request import ConsentState, DisclosureRequest, Requester, SubjectContext, consent_failure_at
from domain.catalogue import PURPOSES
from domain.fields import FIELDS, Category, category_of, warm_key
from domain.parties import Role
from domain.purpose import LegalBasis
from tests.consent.factories import (
    CONSENT_ID,
    GEMEENTE,
    INVOLVED,
    JEUGDTEAM_ID,
    NOW,
    OTHER_GEMEENTE,
    OTHER_PUPIL,
    OTHER_SCHOOL,
    OTHER_SWV,
    PUPIL,
    RECEIVING_SCHOOL,
    SCHOOL,
    SWV_CODE,
)

OTHER_ID = UUID("00000000-0000-4000-8000-000000000001")
ORGS = [GEMEENTE, OTHER_GEMEENTE, SCHOOL, RECEIVING_SCHOOL, OTHER_SCHOOL, SWV_CODE, OTHER_SWV, JEUGDTEAM_ID]
WARM_KEYS = ["leren", "gedrag"]
FIELD_NAMES = [*sorted(FIELDS), *(f"warm.{k}" for k in WARM_KEYS), "warm.*", "leerling.bsn", "x"]
CATEGORIES = [c.value for c in Category]

orgs = st.sampled_from(ORGS)
maybe_orgs = st.none() | orgs
moments = st.integers(-900, 900).map(lambda d: NOW + timedelta(days=d))
requesters = st.builds(
    Requester,
    org_id=orgs,
    role=st.sampled_from(Role),
    gemeenten=st.frozensets(st.sampled_from([GEMEENTE, OTHER_GEMEENTE]), max_size=2),
)
contexts = st.builds(
    SubjectContext,
    subject=st.sampled_from([PUPIL, PUPIL, OTHER_PUPIL, None]),
    woongemeente=st.sampled_from([GEMEENTE, OTHER_GEMEENTE, None]),
    school=maybe_orgs,
    receiving_school=maybe_orgs,
    swv=maybe_orgs,
    recorded_by=maybe_orgs,
)
consents = st.builds(
    ConsentState,
    consent_id=st.sampled_from([CONSENT_ID, OTHER_ID]),
    purpose=st.sampled_from([*PURPOSES, "marketing"]),
    subject=st.sampled_from([PUPIL, OTHER_PUPIL]),
    recorded_by=orgs,
    recipients=st.frozensets(orgs),
    categories=st.frozensets(st.sampled_from(CATEGORIES)),
    valid_from=moments,
    valid_until=moments,
    withdrawn_at=st.none() | moments,
    items=st.frozensets(st.sampled_from(WARM_KEYS)),
)


@st.composite
def receipts(
    draw: st.DrawFn, state: ConsentState | None, choices: tuple[str, ...] = ("none", "matching", "altered")
) -> ReceiptClaims | None:
    """None, the receipt issued for `state`, or that receipt with parts changed."""
    choice = draw(st.sampled_from(choices))
    if choice == "none":
        return None
    if state is None:
        base = ReceiptClaims("hub", str(CONSENT_ID), PUPIL, "thuiszitterstafel", (GEMEENTE,), ("casus",), 0, 1, 0)
    else:
        base = ReceiptClaims(
            iss="hub",
            jti=str(state.consent_id),
            sub=state.subject,
            purpose=state.purpose,
            aud=tuple(sorted(state.recipients)),
            categories=tuple(sorted(state.categories)),
            nbf=numeric_date(state.valid_from),
            exp=numeric_date(state.valid_until),
            iat=numeric_date(state.valid_from),
            items=tuple(sorted(state.items)),
        )
    if choice == "matching":
        return base
    # Change one claim at a time, so each check of the policy is reached on its own.
    claim = draw(st.sampled_from(["aud", "categories", "purpose", "items", "jti", "sub", "exp"]))
    if claim == "aud":
        return replace(base, aud=tuple(draw(st.lists(orgs, max_size=3))))
    if claim == "categories":
        return replace(base, categories=tuple(draw(st.lists(st.sampled_from(CATEGORIES), max_size=4))))
    if claim == "purpose":
        return replace(base, purpose=draw(st.sampled_from(list(PURPOSES))))
    if claim == "items":
        return replace(base, items=tuple(draw(st.lists(st.sampled_from(WARM_KEYS), max_size=2))))
    if claim == "jti":
        return replace(base, jti=str(draw(st.sampled_from([CONSENT_ID, OTHER_ID]))))
    if claim == "sub":
        return replace(base, sub=draw(st.sampled_from([PUPIL, OTHER_PUPIL])))
    return replace(base, exp=numeric_date(draw(moments)))


@st.composite
def disclosure_requests(draw: st.DrawFn, consent: st.SearchStrategy[ConsentState] = consents) -> DisclosureRequest:
    state = draw(st.none() | consent)
    return DisclosureRequest(
        requester=draw(requesters),
        purpose=draw(st.sampled_from([*PURPOSES, "marketing"])),
        context=draw(contexts),
        fields=draw(st.frozensets(st.sampled_from(FIELD_NAMES), min_size=1, max_size=8)),
        now=NOW,
        receipt=draw(receipts(state)),
        consent=state,
        record_last_changed=draw(st.none() | moments.filter(lambda m: m <= NOW)),
    )


@st.composite
def coherent_requests(draw: st.DrawFn) -> DisclosureRequest:
    """A party that belongs in the case, mostly with a fitting consent: where releases happen.

    Random requests seldom line up purpose, role, relation, consent and receipt, so
    on their own they would test mostly refusals; these start from a sound case
    and let hypothesis vary the consent's scope, dates, withdrawal and receipt.
    """
    purpose = draw(st.sampled_from(list(PURPOSES.values())))
    role = draw(st.sampled_from([r.role for r in purpose.recipients]))
    org = {
        Role.LEERPLICHT: GEMEENTE,
        Role.JEUGDTEAM: JEUGDTEAM_ID,
        Role.SCHOOL: draw(st.sampled_from([SCHOOL, RECEIVING_SCHOOL])),
        Role.SWV: SWV_CODE,
    }[role]
    gemeenten = frozenset({GEMEENTE}) if role in (Role.LEERPLICHT, Role.JEUGDTEAM) else frozenset()
    wanted = sorted(n for n in purpose.minimal_fields if n != "warm.*")
    if "warm.*" in purpose.minimal_fields:
        wanted += [f"warm.{k}" for k in WARM_KEYS]
    consent_categories = sorted(c.value for c in purpose.consent_categories) or CATEGORIES
    state = ConsentState(
        consent_id=CONSENT_ID,
        purpose=purpose.name,
        subject=PUPIL,
        recorded_by=draw(st.sampled_from([SCHOOL, SWV_CODE, org])),
        recipients=draw(st.frozensets(orgs)) | draw(st.sampled_from([frozenset(), {org}, {org}])),
        categories=draw(st.just(frozenset(consent_categories)) | st.frozensets(st.sampled_from(consent_categories))),
        valid_from=NOW - timedelta(days=draw(st.integers(-5, 300))),
        valid_until=NOW + timedelta(days=draw(st.integers(-5, 300))),
        withdrawn_at=draw(st.none() | st.integers(-30, 30).map(lambda d: NOW + timedelta(days=d))),
        items=draw(st.frozensets(st.sampled_from(WARM_KEYS))),
    )
    consent = draw(st.sampled_from([state, state, state, None]))
    extra = draw(st.frozensets(st.sampled_from(FIELD_NAMES), max_size=2))
    return DisclosureRequest(
        requester=Requester(org, role, gemeenten),
        purpose=purpose.name,
        context=SubjectContext(
            subject=PUPIL,
            woongemeente=GEMEENTE,
            school=SCHOOL,
            receiving_school=RECEIVING_SCHOOL,
            swv=SWV_CODE,
            recorded_by=draw(st.sampled_from([SCHOOL, None])),
            involved=draw(st.sampled_from([INVOLVED, INVOLVED, frozenset(), None])),
        ),
        fields=draw(st.frozensets(st.sampled_from(wanted), min_size=1, max_size=6)) | extra,
        now=NOW,
        receipt=draw(receipts(consent, ("none", "matching", "matching", "altered", "altered", "altered"))),
        consent=consent,
        record_last_changed=NOW - timedelta(days=draw(st.integers(0, 300) | st.integers(0, 2500))),
    )


@st.composite
def receipt_probes(draw: st.DrawFn) -> DisclosureRequest:
    """Leerplicht at the thuiszitterstafel with a consent in force: the receipt and the named recipients vary."""
    state = ConsentState(
        consent_id=CONSENT_ID,
        purpose="thuiszitterstafel",
        subject=PUPIL,
        recorded_by=SCHOOL,
        recipients=frozenset({GEMEENTE, JEUGDTEAM_ID}),
        categories=frozenset({"identiteit", "school", "casus", "signaal"}),
        valid_from=NOW - timedelta(days=30),
        valid_until=NOW + timedelta(days=300),
    )
    fields = PURPOSES["thuiszitterstafel"].minimal_fields - {"signaal.open_melding"}
    return DisclosureRequest(
        requester=Requester(GEMEENTE, Role.LEERPLICHT, frozenset({GEMEENTE})),
        purpose="thuiszitterstafel",
        context=SubjectContext(
            subject=PUPIL, woongemeente=GEMEENTE, school=SCHOOL, recorded_by=SCHOOL, involved=INVOLVED
        ),
        fields=draw(st.frozensets(st.sampled_from(sorted(fields)), min_size=1)),
        now=NOW,
        receipt=draw(receipts(state, ("none", "matching", "altered", "altered", "altered", "altered"))),
        # The hub's state may name fewer recipients than a receipt handed out earlier.
        consent=replace(state, recipients=draw(st.sampled_from([state.recipients, frozenset({JEUGDTEAM_ID})]))),
        record_last_changed=NOW - timedelta(days=10),
    )


any_requests = st.one_of(disclosure_requests(), coherent_requests())


def _consent_allows(request: DisclosureRequest, name: str) -> bool:
    """Independent restatement of when consent may carry the release of `name`."""
    state, claims, requester = request.consent, request.receipt, request.requester
    if state is None or state.purpose != request.purpose or state.subject != request.context.subject:
        return False
    if consent_failure_at(state, request.now) is not None:
        return False
    category = category_of(name)
    assert category is not None
    if category.value not in state.categories:
        return False
    if category is Category.WARME_ITEMS and warm_key(name) not in state.items:
        return False
    if requester.org_id == state.recorded_by:
        return True
    return (
        requester.org_id in state.recipients
        and claims is not None
        and claims.jti == str(state.consent_id)
        and claims.sub == state.subject
        and requester.org_id in claims.aud
        and claims.purpose == request.purpose
        and claims.nbf <= numeric_date(request.now) < claims.exp
        and category.value in claims.categories
        and (category is not Category.WARME_ITEMS or warm_key(name) in claims.items)
    )


def _assert_within_bounds(request: DisclosureRequest) -> None:
    decision = decide(request)
    purpose = PURPOSES.get(request.purpose)
    if purpose is None:
        assert not decision.released
        return
    role = request.requester.role
    recorder = is_recorder(purpose, request)
    for name in decision.released:
        assert purpose.allows(name, None if recorder else role), name
        basis = decision.grounds[name]
        alternative = purpose.alternative
        expected = {purpose.basis_for(name)}
        if alternative is not None and name in alternative.fields and role in alternative.roles:
            expected.add(alternative.legal_basis)
        assert basis in expected
        if basis is LegalBasis.TOESTEMMING:
            assert _consent_allows(request, name), (name, decision.to_dict())
    assert (decision.consent_id is not None) is (LegalBasis.TOESTEMMING in decision.grounds.values())


@settings(max_examples=800, suppress_health_check=[HealthCheck.too_slow])
@given(any_requests)
def test_nothing_outside_the_minimal_set_or_the_consent(request: DisclosureRequest) -> None:
    """Released ⊆ the purpose's minimal set (for the role); consent-based ⊆ the consent."""
    _assert_within_bounds(request)


@settings(max_examples=500)
@given(coherent_requests())
def test_nothing_outside_the_consent_in_plausible_cases(request: DisclosureRequest) -> None:
    """The same bound, concentrated on parties that belong in the case (many consent-based releases)."""
    _assert_within_bounds(request)


@settings(max_examples=300)
@given(receipt_probes())
def test_a_receipt_must_match_the_consent(request: DisclosureRequest) -> None:
    """Consent-based data goes to a recipient only with the receipt of that very consent."""
    _assert_within_bounds(request)


@settings(max_examples=300)
@given(any_requests)
def test_never_silent(request: DisclosureRequest) -> None:
    """Every field asked is either released or withheld with a reason; substitutes are extra."""
    decision = decide(request)
    assert request.fields <= decision.released | set(decision.withheld)
    assert not decision.released & set(decision.withheld)
    assert decision.substitute <= decision.released
    assert not decision.substitute & request.fields
    assert set(decision.grounds) == decision.released


def _withdrawn_or_expired(state: ConsentState) -> bool:
    return consent_failure_at(state, NOW) in {Reason.CONSENT_WITHDRAWN, Reason.CONSENT_EXPIRED}


@settings(max_examples=400)
@given(any_requests.filter(lambda r: r.consent is not None and _withdrawn_or_expired(r.consent)))
def test_withdrawn_or_expired_consent_never_carries_a_release(request: DisclosureRequest) -> None:
    """Withdrawal counts for every later access, whatever receipt is shown (domain.md)."""
    decision = decide(request)
    assert LegalBasis.TOESTEMMING not in decision.grounds.values()
    assert decision.consent_id is None


@settings(max_examples=300)
@given(any_requests)
def test_strangers_learn_nothing_about_the_case(request: DisclosureRequest) -> None:
    """A party that fails the gate sees no consent or retention reason (no side channel)."""
    decision = decide(request)
    gate = {Reason.NOT_A_RECIPIENT, Reason.NOT_OWN_RECORD, Reason.NO_ACTIVE_ROLE, Reason.NOT_INVOLVED}
    if decision.released or not set(decision.withheld.values()) & gate:
        return
    codes = set(decision.proportionaliteit.codes) | set(decision.doelmatigheid.codes)
    assert codes <= gate | {Reason.UNKNOWN_FIELD}, codes
    assert all(REASONS[c].criterion is not Criterion.SUBSIDIARITEIT for c in codes)


def test_the_generators_do_reach_consent_based_releases() -> None:
    """Guard against a vacuous property: the strategy does produce consent-based releases."""
    example = find(
        any_requests,
        lambda r: LegalBasis.TOESTEMMING in decide(r).grounds.values(),
        settings=settings(max_examples=2_000, database=None, phases=[Phase.generate]),
    )
    assert example.consent is not None
