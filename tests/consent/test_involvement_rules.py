"""The policy's involvement rules: only parties involved with the pupil receive, and a consent
unlocks only records held by a party involved with the pupil."""

from __future__ import annotations

from consent.decision import Outcome
from consent.policy import decide
from consent.refusals import Reason
from tests.consent.factories import (
    CASE_FILE,
    GEMEENTE,
    JEUGDTEAM,
    LEERPLICHT,
    MELDING,
    SCHOOL,
    SWV,
    SWV_CODE,
    consent_state,
    context,
    receipt_for,
    request,
)

TAFEL = consent_state()


def test_a_party_in_the_register_passes_the_gate_and_one_dropped_from_it_does_not() -> None:
    """Only the parties involved with the pupil act on it: the SWV of the school of registration
    (003 §4.2: "voorzitter en registratie") passes the gate and meets the consent's own rules;
    once the school is no SWV school, its SWV is not involved and learns nothing more (not even
    that a consent exists). domain.md, "The parties"."""
    state = consent_state(recipients=(GEMEENTE, JEUGDTEAM.org_id))
    involved = decide(request(SWV, "thuiszitterstafel", {"casus.samenvatting"}, consent=state))
    assert involved.withheld["casus.samenvatting"] is Reason.NOT_NAMED_IN_CONSENT
    dropped = decide(
        request(
            SWV,
            "thuiszitterstafel",
            {"casus.samenvatting"},
            consent=state,
            context=context(involved=frozenset({SCHOOL, GEMEENTE})),
        )
    )
    assert dropped.outcome is Outcome.DENY
    assert dropped.withheld["casus.samenvatting"] is Reason.NOT_INVOLVED


def test_a_request_that_never_asked_the_register_is_refused() -> None:
    """Fail closed: a pupil-level request whose context names no involvement releases nothing
    (004 ch. 15, proportionaliteit: "alleen ... wie betrokken is")."""
    decision = decide(request(LEERPLICHT, "verzuimmelding", MELDING, context=context(involved=None)))
    assert decision.outcome is Outcome.DENY
    assert set(decision.withheld.values()) == {Reason.NOT_INVOLVED}


def test_leerplicht_of_the_woongemeente_is_involved_by_the_melding_itself() -> None:
    """Leerplicht of the woongemeente receives the melding by law (003 §3.2), whatever else the
    register holds."""
    decision = decide(request(LEERPLICHT, "verzuimmelding", MELDING, context=context(involved=frozenset())))
    assert decision.outcome is Outcome.ALLOW


def test_a_consent_does_not_unlock_a_record_held_by_a_party_no_longer_involved() -> None:
    """A receipt unlocks only records held by a party involved with the pupil now: the school
    whose registration ended holds a melding the consent does not reach (004 ch. 7: share only
    what is relevant; 003 §4.3: the casusregisseur is of the school where the pupil is registered)."""
    state = consent_state(recipients=(GEMEENTE, JEUGDTEAM.org_id, SWV_CODE))
    held_elsewhere = context(involved=frozenset({SWV_CODE, GEMEENTE}))  # SCHOOL (the holder) left
    decision = decide(
        request(
            JEUGDTEAM, "thuiszitterstafel", CASE_FILE, consent=state, receipt=receipt_for(state), context=held_elsewhere
        )
    )
    assert decision.outcome is Outcome.DENY
    assert {decision.withheld[f] for f in CASE_FILE} == {Reason.HOLDER_NOT_INVOLVED}
    still_there = decide(request(JEUGDTEAM, "thuiszitterstafel", CASE_FILE, consent=state, receipt=receipt_for(state)))
    assert still_there.released == CASE_FILE


def test_a_consent_reaches_its_recorders_records_and_those_it_answers_for_only() -> None:
    """Parents consent to what the party asking them will share (004 ch. 7: "basisscholen [vertellen]
    ouders van tevoren wat ze ... willen bespreken"): a consent recorded by another school unlocks
    nothing of this school's melding, one recorded by the school's own SWV (003 §4.2: the SWV chairs
    the table) or by leerplicht of the woongemeente (003 §4.3) does."""
    fields = {"casus.samenvatting"}
    for recorder, reached in (
        (SCHOOL, True),
        (SWV_CODE, True),
        ("leerplicht:GM0479", True),
        ("99ZZ00", False),
        ("leerplicht:GM0363", False),
    ):
        state = consent_state(recorded_by=recorder)
        decision = decide(request(LEERPLICHT, "thuiszitterstafel", fields, consent=state, receipt=receipt_for(state)))
        assert (decision.released == fields) is reached, (recorder, decision.to_dict())
        if not reached:
            assert decision.withheld["casus.samenvatting"] is Reason.CONSENT_OF_ANOTHER_HOLDER
