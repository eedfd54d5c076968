"""The Consent aggregate: who may consent, for what, how long, and withdrawal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from eventsourcing.application import Application

from consent.request import ConsentState
from domain.consent import (
    SELF_CONSENT_AGE,
    Consent,
    ConsentError,
    ConsentGiver,
    ConsentStatus,
    age_on,
    check_giver,
    may_consent_self,
)
from domain.records import PupilRecord
from tests.consent.factories import GEMEENTE, NOW, PUPIL, SCHOOL, a_consent


@pytest.mark.parametrize(
    ("birth", "day", "may"),
    [
        (date(2009, 10, 1), date(2025, 10, 1), True),  # 16th birthday itself
        (date(2009, 10, 2), date(2025, 10, 1), False),  # one day short
        (date(2000, 1, 1), date(2025, 10, 1), True),
        (date(2012, 5, 1), date(2025, 10, 1), False),
        # Born on a leap day: 16 on 1 March in a common year, not on 28 February.
        (date(2008, 2, 29), date(2024, 2, 28), False),
        (date(2008, 2, 29), date(2024, 2, 29), True),
        (date(2009, 2, 28), date(2025, 2, 28), True),
        (date(2008, 2, 29), date(2023, 3, 1), False),  # still 15
    ],
)
def test_sixteen_plus_rule(birth: date, day: date, may: bool) -> None:
    """Pupils of 16 and older consent themselves, on the day given (domain.md, parties; AVG art. 8)."""
    assert SELF_CONSENT_AGE == 16
    assert may_consent_self(birth, day) is may


def test_age_on_leap_day_birthday_in_common_year() -> None:
    assert age_on(date(2008, 2, 29), date(2025, 2, 28)) == 16
    assert age_on(date(2008, 2, 29), date(2025, 3, 1)) == 17


@pytest.mark.parametrize(
    ("giver", "birth", "ok"),
    [
        (ConsentGiver.OUDER, date(2012, 5, 1), True),
        (ConsentGiver.VOOGD, date(2012, 5, 1), True),
        (ConsentGiver.LEERLING, date(2012, 5, 1), False),  # 13: a parent must consent
        (ConsentGiver.LEERLING, date(2008, 5, 1), True),
        (ConsentGiver.OUDER, date(2008, 5, 1), False),  # 17: the pupil decides
    ],
)
def test_who_may_give_consent(giver: ConsentGiver, birth: date, ok: bool) -> None:
    """Parent or guardian below 16, the pupil from 16 (domain.md "Data exchange")."""
    if ok:
        check_giver(giver, birth, date(2025, 10, 1))
        a_consent(given_by=giver, pupil_birth_date=birth)
    else:
        with pytest.raises(ConsentError):
            a_consent(given_by=giver, pupil_birth_date=birth)


def test_start_records_purpose_subject_and_form() -> None:
    """The consent lives under the data key of the purpose it covers (design.md, keys)."""
    consent = a_consent()
    assert isinstance(consent, PupilRecord)
    assert consent.purpose == "thuiszitterstafel"
    assert consent.subject == PUPIL
    assert consent.status is ConsentStatus.GEGEVEN
    assert consent.recipients == tuple(sorted([GEMEENTE, "JT-ZAANSTAD"]))
    assert consent.given_by is ConsentGiver.OUDER
    assert consent.given_by_name == "M. de Vries"
    assert consent.pupil_age == 13
    (event,) = consent.pending_events
    assert isinstance(event, Consent.Given)
    assert (event.purpose, event.subject) == ("thuiszitterstafel", PUPIL)
    assert not hasattr(event, "pupil_birth_date")  # the birth date is not stored


def test_purpose_is_per_instance() -> None:
    warm = a_consent(
        purpose="warme-overdracht",
        recipients=["34CD01"],
        categories=["warme_items"],
        items=["leren"],
        method="mondeling",
    )
    tafel = a_consent()
    assert (warm.purpose, tafel.purpose) == ("warme-overdracht", "thuiszitterstafel")
    warm.withdraw("ouders willen het niet meer", NOW + timedelta(days=1))
    assert all(e.purpose == "warme-overdracht" for e in warm.pending_events)


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"purpose": "verzuimmelding"}, "a legal duty needs no consent"),
        ({"purpose": "swv-monitoring"}, "no personal data leaves"),
        ({"purpose": "marketing"}, "unknown purpose"),
        ({"categories": ["verzuim"]}, "thuiszitterstafel consent cannot name verzuim"),
        ({"categories": []}, "at least one category"),
        ({"recipients": []}, "recipients are named"),
        ({"method": "mondeling"}, "thuiszitterstafel needs a signed form (003 §4.3)"),
        ({"given_by_name": " "}, "who gave it is recorded"),
        ({"valid_until": NOW}, "empty period"),
        ({"valid_until": NOW + timedelta(days=400)}, "at most one school year"),
        ({"valid_from": datetime(2025, 10, 1)}, "naive datetime"),
        ({"items": ["leren"]}, "warm items only with warme_items"),
    ],
)
def test_refused_consents(changes: dict[str, object], why: str) -> None:
    """A consent names purpose, recipients, categories and a validity period (domain.md)."""
    with pytest.raises(ConsentError):
        a_consent(**changes)


def test_warm_consent_is_per_item() -> None:
    """Parents are told beforehand what will be shared, item by item (004 ch. 7)."""
    with pytest.raises(ConsentError):
        a_consent(
            purpose="warme-overdracht",
            recipients=["34CD01"],
            categories=["warme_items"],
            method="mondeling",
        )
    with pytest.raises(ConsentError):
        a_consent(
            purpose="warme-overdracht",
            recipients=["34CD01"],
            categories=["warme_items"],
            items=["Geen Sleutel"],
            method="mondeling",
        )


def test_validity_window() -> None:
    consent = a_consent()
    assert not consent.is_valid_at(NOW - timedelta(seconds=1))
    assert consent.is_valid_at(NOW)
    assert consent.is_valid_at(NOW + timedelta(days=199))
    assert not consent.is_valid_at(NOW + timedelta(days=200))  # valid_until is exclusive


def test_withdrawal_counts_for_every_later_access() -> None:
    """Consent can be withdrawn at any time, with effect for every later access (domain.md)."""
    consent = a_consent()
    at = NOW + timedelta(days=10)
    consent.withdraw("op verzoek van de ouders", at)
    assert consent.status is ConsentStatus.INGETROKKEN
    assert consent.withdrawn_at == at
    assert consent.is_valid_at(at - timedelta(seconds=1))  # replay of earlier access
    assert not consent.is_valid_at(at)
    assert not consent.is_valid_at(at + timedelta(days=1))
    with pytest.raises(ConsentError):
        consent.withdraw("nogmaals", at + timedelta(days=1))


def test_withdrawal_needs_no_reason_but_not_before_the_consent() -> None:
    consent = a_consent()
    with pytest.raises(ConsentError):
        consent.withdraw("", NOW - timedelta(days=2))
    consent.withdraw("", NOW + timedelta(hours=1))
    assert consent.withdrawal_reason == ""


def test_expiry() -> None:
    consent = a_consent()
    with pytest.raises(ConsentError):
        consent.expire(NOW + timedelta(days=1))
    consent.expire(NOW + timedelta(days=200))
    assert consent.status is ConsentStatus.VERLOPEN
    with pytest.raises(ConsentError):
        consent.withdraw("te laat", NOW + timedelta(days=201))


def test_round_trip_through_the_event_store() -> None:
    """Events are JSON-friendly: the library's own transcoder stores and restores them."""
    app: Application = Application()
    consent = a_consent()
    consent.withdraw("op verzoek", NOW + timedelta(days=3))
    app.save(consent)
    restored = app.repository.get(consent.id)
    assert restored == consent
    assert restored.status is ConsentStatus.INGETROKKEN
    assert ConsentState.of(restored) == ConsentState.of(consent)


def test_consent_state_snapshot() -> None:
    consent = a_consent()
    state = ConsentState.of(consent)
    assert state.consent_id == consent.id
    assert state.recorded_by == SCHOOL
    assert state.categories == frozenset({"identiteit", "casus"})
    assert state.is_valid_at(NOW)
    consent.withdraw("", NOW + timedelta(days=1))
    assert not ConsentState.of(consent).is_valid_at(NOW + timedelta(days=2))


def test_timezone_required() -> None:
    consent = a_consent()
    with pytest.raises(ConsentError):
        consent.is_valid_at(datetime(2025, 10, 2))
    assert consent.is_valid_at(datetime(2025, 10, 2, tzinfo=UTC))
