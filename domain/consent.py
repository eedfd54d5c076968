"""Consent (toestemming): given by a parent, guardian or the pupil from 16, for one purpose.

A consent names the purpose, the recipients, the data categories (and, for the warm
handover, the items) and a validity period; it can be withdrawn at any time with
effect for every later access (domain.md, "Data exchange"). It is stored under the
data key of the purpose it covers, so erasing that (purpose, pupil) key erases the
consent together with the data it allowed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from domain.fields import Category, is_warm_key
from domain.purpose import ConsentMethod, Purpose, add_years
from domain.purposes import UnknownPurposeError, get_purpose
from domain.records import PupilRecord

# AVG art. 8 / UAVG art. 5: below 16 the parent or guardian consents; from 16 the
# pupil consents and a parent can no longer do so in the pupil's place (domain.md).
SELF_CONSENT_AGE = 16


class ConsentError(ValueError):
    """A consent that may not be recorded or changed as asked."""


class ConsentGiver(StrEnum):
    """Who gave the consent."""

    OUDER = "ouder"
    VOOGD = "voogd"
    LEERLING = "leerling"


class ConsentStatus(StrEnum):
    """The life of a consent: gegeven → ingetrokken | verlopen."""

    GEGEVEN = "gegeven"
    INGETROKKEN = "ingetrokken"
    VERLOPEN = "verlopen"


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on `day`.

    Someone born on 29 February turns a year older on 1 March in other years: the
    later day, so a pupil is never treated as 16 a day too early.
    """
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


def may_consent_self(birth_date: date, day: date) -> bool:
    """The 16+ rule: a pupil consents personally iff 16 or older on the day given."""
    return age_on(birth_date, day) >= SELF_CONSENT_AGE


def check_giver(given_by: ConsentGiver, birth_date: date, day: date) -> None:
    """Raise ConsentError unless `given_by` is the one entitled to consent on `day`."""
    if may_consent_self(birth_date, day):
        if given_by is not ConsentGiver.LEERLING:
            raise ConsentError("the pupil is 16 or older and consents personally")
    elif given_by is ConsentGiver.LEERLING:
        raise ConsentError("a pupil under 16 cannot consent; a parent or guardian must")


def _aware(moment: datetime, name: str) -> datetime:
    # Naive datetimes are ambiguous across the parties' clocks; refuse them.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ConsentError(f"{name} must be timezone-aware")
    return moment


def _validate_scope(purpose: Purpose, categories: list[str], items: list[str]) -> None:
    allowed = {c.value for c in purpose.consent_categories}
    if not categories:
        raise ConsentError("a consent names at least one data category")
    if unknown := sorted(set(categories) - allowed):
        raise ConsentError(f"{purpose.name} cannot be consented for {unknown}")
    if bad := [k for k in items if not is_warm_key(k)]:
        raise ConsentError(f"not warm-item keys: {bad}")
    if items and Category.WARME_ITEMS.value not in categories:
        raise ConsentError("warm items need the category warme_items")
    if Category.WARME_ITEMS.value in categories and not items:
        # Consent is per item (004 ch. 7): "all warm items" is not a consent.
        raise ConsentError("name the warm items the parents agreed to")


class Consent(PupilRecord):
    """A consent for one purpose about one pupil (`subject`, an opaque pseudonym)."""

    def __init__(self, purpose: str, subject: str) -> None:
        # Needed: eventsourcing turns PupilRecord subclasses into dataclasses, and a
        # subclass without its own __init__ gets an empty generated one that would
        # skip PupilRecord.__init__ (purpose and subject would never be set).
        super().__init__(purpose, subject)

    if TYPE_CHECKING:
        # The state the events' `apply` set, declared for the type checker only: a
        # class-level annotation would make eventsourcing turn it into a dataclass field.
        recorded_by: str
        recipients: tuple[str, ...]
        categories: tuple[str, ...]
        items: tuple[str, ...]
        valid_from: datetime
        valid_until: datetime
        given_by: ConsentGiver
        given_by_name: str
        given_on: date
        method: ConsentMethod
        form_reference: str
        pupil_age: int
        status: ConsentStatus
        withdrawn_at: datetime | None
        withdrawal_reason: str | None
        expired_at: datetime | None

    class Given(PupilRecord.Created):
        """The consent was given and recorded."""

        recorded_by: str
        recipients: list[str]
        categories: list[str]
        items: list[str]
        valid_from: datetime
        valid_until: datetime
        given_by: str
        given_by_name: str
        given_on: str  # ISO date written on the form
        method: str
        form_reference: str
        pupil_age: int  # on the day given: lets an auditor re-check the 16+ rule

        def apply(self, aggregate: Consent) -> None:
            aggregate.recorded_by = self.recorded_by
            aggregate.recipients = tuple(self.recipients)
            aggregate.categories = tuple(self.categories)
            aggregate.items = tuple(self.items)
            aggregate.valid_from = self.valid_from
            aggregate.valid_until = self.valid_until
            aggregate.given_by = ConsentGiver(self.given_by)
            aggregate.given_by_name = self.given_by_name
            aggregate.given_on = date.fromisoformat(self.given_on)
            aggregate.method = ConsentMethod(self.method)
            aggregate.form_reference = self.form_reference
            aggregate.pupil_age = self.pupil_age
            aggregate.status = ConsentStatus.GEGEVEN
            aggregate.withdrawn_at = None
            aggregate.withdrawal_reason = None
            aggregate.expired_at = None

    class Withdrawn(PupilRecord.Event):
        """The consent was withdrawn; every later access loses this basis."""

        reason: str
        at: datetime

        def apply(self, aggregate: Consent) -> None:
            aggregate.status = ConsentStatus.INGETROKKEN
            aggregate.withdrawn_at = self.at
            aggregate.withdrawal_reason = self.reason

    class Expired(PupilRecord.Event):
        """The validity period ended (recorded by a sweep; validity never depends on it)."""

        at: datetime

        def apply(self, aggregate: Consent) -> None:
            aggregate.status = ConsentStatus.VERLOPEN
            aggregate.expired_at = self.at

    @classmethod
    def start(  # type: ignore[override]  # purpose is a keyword: one Consent serves every purpose
        cls,
        subject: str,
        *,
        purpose: str,
        recorded_by: str,
        recipients: Iterable[str],
        categories: Iterable[str],
        valid_from: datetime,
        valid_until: datetime,
        given_by: ConsentGiver | str,
        given_by_name: str,
        given_on: date,
        method: ConsentMethod | str,
        pupil_birth_date: date,
        items: Iterable[str] = (),
        form_reference: str = "",
    ) -> Consent:
        """Record a consent for `purpose`; it is stored under that purpose's key.

        `pupil_birth_date` is used for the 16+ rule only and is not stored; the
        event keeps the pupil's age on the day given instead.
        """
        try:
            spec = get_purpose(purpose)
        except UnknownPurposeError:
            raise ConsentError(f"unknown purpose {purpose!r}") from None
        if not spec.consent.required:
            raise ConsentError(f"{purpose} does not rest on consent")
        giver = ConsentGiver(given_by)
        how = ConsentMethod(method)
        if how not in spec.consent.methods:
            raise ConsentError(f"{purpose} needs consent given as one of {sorted(spec.consent.methods)}")
        check_giver(giver, pupil_birth_date, given_on)
        if not given_by_name.strip():
            raise ConsentError("record who gave the consent")
        recipient_ids = sorted(set(recipients))
        if not recipient_ids or not all(r.strip() for r in recipient_ids):
            raise ConsentError("a consent names its recipients")
        category_names = sorted({str(c) for c in categories})
        item_keys = sorted(set(items))
        _validate_scope(spec, category_names, item_keys)
        _aware(valid_from, "valid_from")
        _aware(valid_until, "valid_until")
        if valid_until <= valid_from:
            raise ConsentError("valid_until must lie after valid_from")
        if valid_until > add_years(valid_from, spec.consent.max_validity_years):
            raise ConsentError(f"{purpose} consent lasts at most {spec.consent.max_validity_years} year(s)")
        return cls._create(
            cls.Given,
            purpose=spec.name,
            subject=subject,
            recorded_by=recorded_by,
            recipients=recipient_ids,
            categories=category_names,
            items=item_keys,
            valid_from=valid_from,
            valid_until=valid_until,
            given_by=giver.value,
            given_by_name=given_by_name,
            given_on=given_on.isoformat(),
            method=how.value,
            form_reference=form_reference,
            pupil_age=age_on(pupil_birth_date, given_on),
        )

    def withdraw(self, reason: str, at: datetime) -> None:
        """Withdraw the consent from `at` on; no reason is required from the giver."""
        _aware(at, "at")
        if self.status is not ConsentStatus.GEGEVEN:
            raise ConsentError(f"a consent that is {self.status} cannot be withdrawn")
        if at.date() < self.given_on:
            raise ConsentError("a withdrawal cannot predate the consent")
        self.trigger_event(self.Withdrawn, reason=reason, at=at)

    def expire(self, at: datetime) -> None:
        """Mark the consent as verlopen once its validity period has ended."""
        _aware(at, "at")
        if self.status is not ConsentStatus.GEGEVEN:
            raise ConsentError(f"a consent that is {self.status} cannot expire")
        if at < self.valid_until:
            raise ConsentError("the consent is still within its validity period")
        self.trigger_event(self.Expired, at=at)

    def is_valid_at(self, moment: datetime) -> bool:
        """Whether the consent allowed access at `moment` (also for replaying the past)."""
        _aware(moment, "moment")
        if self.withdrawn_at is not None and moment >= self.withdrawn_at:
            return False
        return self.valid_from <= moment < self.valid_until
