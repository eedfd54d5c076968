"""The purposes table says what domain.md's "Purposes (doelbinding)" table says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.catalogue import PURPOSES
from domain.fields import FIELDS, WARM_ITEMS, Category, category_of, warm_field, warm_key
from domain.parties import Role
from domain.purpose import LegalBasis, add_years, check_purpose
from domain.purposes import UnknownPurposeError, get_purpose, purposes_table

# purpose, basis, senders, recipients, consent needed for (categories)
TABLE = [
    ("verzuimmelding", LegalBasis.WETTELIJKE_PLICHT, {Role.SCHOOL}, {Role.LEERPLICHT}, set()),
    (
        "warme-overdracht",
        LegalBasis.WETTELIJKE_PLICHT,
        {Role.SCHOOL},
        {Role.SCHOOL, Role.SWV},
        {Category.WARME_ITEMS},
    ),
    (
        "thuiszitterstafel",
        LegalBasis.TOESTEMMING,
        {Role.SCHOOL, Role.SWV, Role.LEERPLICHT},
        {Role.LEERPLICHT, Role.JEUGDTEAM, Role.SCHOOL, Role.SWV},
        {Category.IDENTITEIT, Category.SCHOOL, Category.CASUS, Category.SIGNAAL},
    ),
    (
        "thuiszittersregistratie",
        LegalBasis.PUBLIEKE_TAAK,
        {Role.SCHOOL, Role.SWV, Role.LEERPLICHT},
        {Role.SWV, Role.SCHOOL, Role.LEERPLICHT},
        set(),
    ),
    ("swv-monitoring", LegalBasis.PUBLIEKE_TAAK, set(), {Role.SWV}, set()),
    (
        "jeugdhulp-afstemming",
        LegalBasis.TOESTEMMING,
        {Role.SCHOOL, Role.SWV},
        {Role.JEUGDTEAM},
        {
            Category.IDENTITEIT,
            Category.SCHOOL,
            Category.SIGNAAL,
            Category.VERZUIM,
            Category.SCHOOLACTIES,
            Category.CASUS,
        },
    ),
]


@pytest.mark.parametrize(("name", "basis", "senders", "recipients", "consent"), TABLE)
def test_purpose_matches_domain_table(
    name: str,
    basis: LegalBasis,
    senders: set[Role],
    recipients: set[Role],
    consent: set[Category],
) -> None:
    """Basis, from → to and consent part per purpose (domain.md "Purposes"; 004 ch. 7; 003 §4.3)."""
    purpose = get_purpose(name)
    assert purpose.legal_basis is basis
    assert set(purpose.senders) == senders
    assert {r.role for r in purpose.recipients} == recipients
    assert set(purpose.consent.required_for) == consent
    assert purpose.consent.required is bool(consent)
    assert check_purpose(purpose) == []


def test_exactly_the_purposes_of_the_table() -> None:
    """Every record belongs to exactly one of the starting set (domain.md), and the thuiszitter case's (issue 17)."""
    assert set(PURPOSES) == {row[0] for row in TABLE}


def test_verzuimmelding_minimal_set() -> None:
    """Identity, school, kind, period, hours/times and actions taken (domain.md; 003 §3.2)."""
    assert PURPOSES["verzuimmelding"].minimal_fields == {
        "leerling.naam",
        "leerling.geboortedatum",
        "leerling.id",
        "school.brin",
        "school.vestiging",
        "verzuim.soort",
        "verzuim.periode",
        "verzuim.uren",
        "verzuim.te_laat",
        "acties.school",
    }


def test_warme_overdracht_rapport_legal_warm_part_consent() -> None:
    """The rapport rests on the law, each warm item on consent (004 ch. 7)."""
    purpose = PURPOSES["warme-overdracht"]
    assert purpose.basis_for("rapport.schooladvies") is LegalBasis.WETTELIJKE_PLICHT
    assert purpose.basis_for("warm.leren") is LegalBasis.TOESTEMMING
    assert purpose.allows("warm.leren", Role.SCHOOL)
    # The SWV gets the support question, not the schooladvies (004 ch. 7: only what is relevant).
    assert purpose.allows("rapport.ondersteuningsbehoefte", Role.SWV)
    assert not purpose.allows("rapport.schooladvies", Role.SWV)


def test_swv_monitoring_releases_only_aggregates() -> None:
    """The SWV gets counts, never names (004 ch. 15)."""
    purpose = PURPOSES["swv-monitoring"]
    assert not purpose.personal_data
    assert {category_of(f) for f in purpose.minimal_fields} == {Category.AGGREGAAT}
    assert purpose.retention.years is None


def test_alternatives_are_less_intrusive_and_within_the_set() -> None:
    """Subsidiariteit: a signal instead of the file, counts instead of names (004 ch. 15)."""
    for purpose in PURPOSES.values():
        alt = purpose.alternative
        if alt is None:
            continue
        assert {category_of(f) for f in alt.fields} <= {Category.SIGNAAL, Category.AGGREGAAT}
        for role in alt.roles:
            assert all(purpose.allows(f, role) for f in alt.fields)
    assert PURPOSES["thuiszitterstafel"].alternative is not None
    assert PURPOSES["verzuimmelding"].alternative is None


def test_every_personal_purpose_has_retention_and_consent_a_limit() -> None:
    """Retention is set for every purpose with personal data; consent lasts at most a school year."""
    for purpose in PURPOSES.values():
        if purpose.personal_data:
            assert purpose.retention.years is not None and purpose.retention.years > 0
            assert purpose.retention.rationale
        if purpose.consent.required:
            assert purpose.consent.max_validity_years == 1
            assert purpose.consent.methods


def test_auditor_receives_no_pupil_data() -> None:
    """Auditors read the access log, not records (domain.md, "The parties")."""
    for purpose in PURPOSES.values():
        assert purpose.recipient(Role.AUDITOR) is None


@pytest.mark.parametrize(
    ("field", "category"),
    [
        ("leerling.naam", Category.IDENTITEIT),
        ("leerling.id", Category.IDENTITEIT),
        ("school.brin", Category.SCHOOL),
        ("verzuim.te_laat", Category.VERZUIM),
        ("acties.toelichting", Category.SCHOOLACTIES),
        ("rapport.opp_aanwezig", Category.ONDERWIJSKUNDIG_RAPPORT),
        ("casus.verzuimhistorie", Category.CASUS),
        ("signaal.open_melding", Category.SIGNAAL),
        ("aggregaat.thuiszitters", Category.AGGREGAAT),
        ("warm.leren", Category.WARME_ITEMS),
        ("warm.overig", Category.WARME_ITEMS),
        ("warm.thuissituatie", None),  # a free topic: not in the closed list (004 ch. 7)
        ("warm.", None),
        ("warm.Hoofdletter", None),
        (WARM_ITEMS, None),
        ("leerling.bsn", None),
        ("", None),
    ],
)
def test_field_vocabulary(field: str, category: Category | None) -> None:
    """Every releasable field has a dotted name in one category; BSN is not releasable."""
    assert category_of(field) is category


def test_warm_field_round_trip() -> None:
    assert warm_key(warm_field("leren")) == "leren"
    with pytest.raises(ValueError):
        warm_field("Geen Sleutel")


def test_every_field_is_used_by_some_purpose() -> None:
    used = set().union(*(p.minimal_fields for p in PURPOSES.values()))
    assert set(FIELDS) <= used


def test_unknown_purpose() -> None:
    with pytest.raises(UnknownPurposeError):
        get_purpose("marketing")


def test_table_reads_like_domain_md() -> None:
    table = purposes_table()
    for name in PURPOSES:
        assert f"`{name}`" in table
    assert "wettelijke_plicht" in table and "toestemming" in table


def test_add_years_leap_day() -> None:
    """A retention period counted from 29 February ends on 28 February, not a day late."""
    assert add_years(datetime(2024, 2, 29, tzinfo=UTC), 1) == datetime(2025, 2, 28, tzinfo=UTC)
    assert add_years(datetime(2024, 3, 1, tzinfo=UTC), 5) == datetime(2029, 3, 1, tzinfo=UTC)
