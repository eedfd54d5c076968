"""What one purpose (doel) is made of, and when it is sound.

A purpose fixes the legal basis, who sends, who may receive which fields, which
part needs consent, how long the hub keeps the data and which less intrusive
answer serves when the full one cannot be justified (subsidiariteit). The
purposes themselves are data, in `domain.catalogue`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.fields import FIELDS, WARM_ITEMS, Category, category_of, within
from domain.parties import Role


class LegalBasis(StrEnum):
    """Grondslag for processing (AVG art. 6 lid 1)."""

    WETTELIJKE_PLICHT = "wettelijke_plicht"  # art. 6(1)(c): e.g. Leerplichtwet, WPO art. 42
    TOESTEMMING = "toestemming"  # art. 6(1)(a): parent, or the pupil from 16
    PUBLIEKE_TAAK = "publieke_taak"  # art. 6(1)(e): e.g. leerplicht supervision, SWV reporting


class ConsentMethod(StrEnum):
    """How a consent was given and recorded."""

    ONDERTEKEND_FORMULIER = "ondertekend_formulier"  # paper form, signed
    DIGITAAL_ONDERTEKEND = "digitaal_ondertekend"  # signed in a (school) portal
    MONDELING = "mondeling"  # spoken, recorded by the school with date and name


class Relation(StrEnum):
    """How a requesting organisation stands to one pupil's record.

    The policy derives these from the request; a purpose names the relation that
    makes a role *active in this case* (doelmatigheid).
    """

    WOONGEMEENTE = "woongemeente"  # the organisation serves the pupil's woongemeente
    SCHOOL_VAN_INSCHRIJVING = "school_van_inschrijving"  # the (sending) school
    ONTVANGENDE_SCHOOL = "ontvangende_school"  # the school the pupil moves to
    EIGEN_SWV = "eigen_swv"  # the SWV of the pupil's school / region


@dataclass(frozen=True)
class Recipient:
    """A role that may receive data under a purpose, which fields, and when it is active."""

    role: Role
    fields: frozenset[str]
    active_when: frozenset[Relation]  # any one of these makes the role active in the case
    note: str
    # Whether the BSN (leerling.id) may leave to this role; where it may not, the pupil is named
    # by `leerling.referentie`, the hub's pseudonym (004 ch. 15: the SWV may not register it).
    bsn: bool = False


@dataclass(frozen=True)
class ConsentRule:
    """Which part of a purpose rests on consent, and what a valid consent looks like."""

    required_for: frozenset[Category]  # empty: no consent needed
    methods: frozenset[ConsentMethod] = frozenset()
    max_validity_years: int = 0
    note: str = ""
    # Who may record (and withdraw) such a consent, when involved with the pupil (domain/betrokkenheid.py).
    recorded_by: frozenset[Role] = frozenset()

    @property
    def required(self) -> bool:
        """Whether any part of the purpose needs consent."""
        return bool(self.required_for)


@dataclass(frozen=True)
class Retention:
    """How long the hub keeps a record of this purpose, counted from its last change."""

    years: int | None  # None: the purpose keeps no personal data in the hub
    rationale: str

    def ends(self, last_changed: datetime) -> datetime | None:
        """The moment the record falls outside its retention period."""
        if self.years is None:
            return None
        return add_years(last_changed, self.years)


@dataclass(frozen=True)
class Alternative:
    """The less intrusive answer that serves when the full one cannot be given (subsidiariteit)."""

    fields: frozenset[str]
    legal_basis: LegalBasis
    roles: frozenset[Role]
    description: str  # Dutch, for the afweging
    description_en: str


@dataclass(frozen=True)
class Purpose:
    """One purpose (doel): basis, parties, minimal data, consent, retention, alternative."""

    name: str
    title: str
    legal_basis: LegalBasis  # of the part that does not need consent
    senders: frozenset[Role]
    recipients: tuple[Recipient, ...]
    consent: ConsentRule
    retention: Retention
    alternative: Alternative | None
    personal_data: bool
    sources: tuple[str, ...]

    def recipient(self, role: Role) -> Recipient | None:
        """The recipient entry of `role`, or None when the role receives nothing."""
        return next((r for r in self.recipients if r.role is role), None)

    @property
    def minimal_fields(self) -> frozenset[str]:
        """Every field any party may ever receive under this purpose."""
        return frozenset().union(*(r.fields for r in self.recipients))

    @property
    def consent_categories(self) -> frozenset[Category]:
        """The categories a consent for this purpose may (and must) name."""
        return self.consent.required_for

    def allows(self, field: str, role: Role | None = None) -> bool:
        """Whether `field` is within the minimal set (of `role`, if given)."""
        if role is None:
            return within(field, self.minimal_fields)
        recipient = self.recipient(role)
        return recipient is not None and within(field, recipient.fields)

    def needs_consent(self, field: str) -> bool:
        """Whether releasing `field` rests on consent under this purpose."""
        return category_of(field) in self.consent.required_for

    def basis_for(self, field: str) -> LegalBasis:
        """The legal basis a release of `field` rests on under this purpose."""
        return LegalBasis.TOESTEMMING if self.needs_consent(field) else self.legal_basis


def add_years(moment: datetime, years: int) -> datetime:
    """`moment` plus whole calendar years; 29 February becomes 28 February.

    The earlier day is chosen so a retention period never runs a day too long.
    """
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def check_purpose(purpose: Purpose) -> list[str]:
    """Inconsistencies in one purpose's data (empty when sound)."""
    problems: list[str] = []
    roles = [r.role for r in purpose.recipients]
    if len(roles) != len(set(roles)):
        problems.append("a role is listed twice as recipient")
    if Role.AUDITOR in roles:
        problems.append("auditors read the access log, never pupil data")
    for name in purpose.minimal_fields:
        if name != WARM_ITEMS and name not in FIELDS:
            problems.append(f"unknown field {name}")
    categories = {Category.WARME_ITEMS if f == WARM_ITEMS else category_of(f) for f in purpose.minimal_fields}
    if not purpose.consent_categories <= categories:
        problems.append("consent names a category the purpose never releases")
    if purpose.consent.required and not (purpose.consent.methods and purpose.consent.max_validity_years):
        problems.append("a consent-based purpose needs accepted methods and a maximum validity")
    if purpose.consent.required and not purpose.consent.recorded_by:
        problems.append("a consent-based purpose needs the roles that record its consent")
    if not purpose.consent.recorded_by <= purpose.senders:
        problems.append("a role that records consent must be a sender of the purpose")
    for r in purpose.recipients:
        if not r.bsn and "leerling.id" in r.fields:
            problems.append(f"{r.role} receives leerling.id (the BSN) but may not")
    if purpose.personal_data and purpose.retention.years is None:
        problems.append("personal data needs a retention period")
    if not purpose.personal_data and categories - {Category.AGGREGAAT}:
        problems.append("a purpose without personal data may only release aggregates")
    alt = purpose.alternative
    if alt is not None:
        for role in alt.roles:
            if not all(purpose.allows(f, role) for f in alt.fields):
                problems.append(f"alternative for {role} lies outside its minimal set")
    return problems


__all__ = [
    "Alternative",
    "ConsentMethod",
    "ConsentRule",
    "LegalBasis",
    "Purpose",
    "Recipient",
    "Relation",
    "Retention",
    "add_years",
    "check_purpose",
]
