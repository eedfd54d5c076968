"""Identifier validators, value objects and test-number generators."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidIdentifier
from domain.identifiers import (
    PupilId,
    PupilIdKind,
    SchoolVestiging,
    SwvCode,
    elfproef_remainder,
    ensure_pseudonym,
    generate_test_bsn,
    generate_test_onderwijsnummer,
    is_test_bsn,
    is_test_onderwijsnummer,
    is_valid_bsn,
    is_valid_onderwijsnummer,
    parse_pupil_id,
    parse_school,
    validate_brin,
    validate_bsn,
    validate_gemeentecode,
    validate_onderwijsnummer,
    validate_swv_code,
    validate_vestiging,
)

rngs = st.integers(min_value=0, max_value=2**32).map(random.Random)


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("123456782", "123456782"),
        ("111222333", "111222333"),
        (" 123456782 ", "123456782"),
        ("12345672", "012345672"),  # 8 digits: the leading zero was dropped
    ],
)
def test_valid_bsn(value: str, canonical: str) -> None:
    """Source: domain.md "The parties" and design.md step 2 (BSN check digits); Logisch
    Ontwerp BSN: 9 digits, elfproef with weights 9..2, -1, 8-digit numbers get a leading 0."""
    assert validate_bsn(value) == canonical
    assert is_valid_bsn(value)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("123456789", "elfproef"),
        ("000000000", "zeros"),
        ("00000000", "zeros"),
        ("1234567", "digits"),
        ("1234567890", "digits"),
        ("12345678a", "digits only"),
        ("123 456 782", "digits only"),
        ("١٢٣٤٥٦٧٨٢", "digits only"),  # non-ASCII digits
        ("", "digits only"),
    ],
)
def test_invalid_bsn(value: str, reason: str) -> None:
    """Source: Logisch Ontwerp BSN (elfproef, 9 digits); design.md "Keys and encryption"
    (identifiers never in logs: the message does not echo the number)."""
    with pytest.raises(InvalidIdentifier) as err:
        validate_bsn(value)
    assert reason in str(err.value)
    assert err.value.field == "bsn"
    if value.strip():
        assert value.strip() not in str(err.value)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("101222331", True),
        ("100252333", False),  # checksum
        ("211222337", False),  # does not start with 10
        ("10122233", False),  # 8 digits: no padding for onderwijsnummers
        ("123456782", False),  # a BSN (remainder 0, not 5)
    ],
)
def test_onderwijsnummer(value: str, valid: bool) -> None:
    """Source: DUO onderwijsnummer as implemented in python-stdnum `nl.onderwijsnummer`:
    9 digits, starts with 10, elfproef remainder 5."""
    assert is_valid_onderwijsnummer(value) is valid
    if valid:
        assert validate_onderwijsnummer(value) == value


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("123456782", PupilIdKind.BSN),
        ("12345672", PupilIdKind.BSN),
        ("101222331", PupilIdKind.ONDERWIJSNUMMER),
    ],
)
def test_pupil_id_detects_kind(value: str, kind: PupilIdKind) -> None:
    """Source: domain.md "The parties"/design.md step 2 (BSN or onderwijsnummer); the two
    checks have different remainders, so the kind follows from the number."""
    pupil = parse_pupil_id(value)
    assert pupil.kind is kind
    assert PupilId.from_canonical(pupil.canonical) == pupil
    assert pupil.canonical == f"{kind.value}:{pupil.value}"


@pytest.mark.parametrize(
    ("value", "kind", "field"),
    [
        ("123456789", None, "pupil_id"),
        ("101222331", "bsn", "pupil_id"),
        ("123456782", "onderwijsnummer", "pupil_id"),
        ("123456782", "sofinummer", "pupil_id_kind"),
    ],
)
def test_pupil_id_rejects(value: str, kind: str | None, field: str) -> None:
    """Source: design.md step 2 (the adapter validates BSN/onderwijsnummer check digits)."""
    with pytest.raises(InvalidIdentifier) as err:
        PupilId.parse(value, kind)
    assert err.value.field == field


def test_pupil_id_is_masked_in_str_and_repr() -> None:
    """Source: design.md "Interface conventions" (logs never contain personal data) and
    "Keys and encryption" (identifiers never in plaintext in logs)."""
    pupil = PupilId.parse("123456782")
    assert "123456782" not in str(pupil)
    assert "123456782" not in repr(pupil)
    assert "123456782" not in repr([pupil])
    assert pupil.value == "123456782"


@pytest.mark.parametrize(
    ("value", "canonical"),
    [("12ab", "12AB"), ("12AB", "12AB"), ("1234", "1234"), (" 30xz ", "30XZ")],
)
def test_valid_brin(value: str, canonical: str) -> None:
    """Source: domain.md "The parties" (BRIN code, e.g. `12AB`: 2 digits + 2 letters/digits)."""
    assert validate_brin(value) == canonical


@pytest.mark.parametrize("value", ["AB12", "12A", "12ABC", "1-AB", "", "12 AB"])
def test_invalid_brin(value: str) -> None:
    """Source: domain.md "The parties" (BRIN: 2 digits + 2 letters/digits)."""
    with pytest.raises(InvalidIdentifier) as err:
        validate_brin(value)
    assert err.value.field == "brin"


@pytest.mark.parametrize(("value", "valid"), [("00", True), ("07", True), ("0", False), ("AB", False), ("001", False)])
def test_vestiging(value: str, valid: bool) -> None:
    """Source: domain.md "The parties" (vestiging: 2 digits, e.g. `00`)."""
    if valid:
        assert validate_vestiging(value) == value
    else:
        with pytest.raises(InvalidIdentifier):
            validate_vestiging(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [("12AB00", "12AB00"), ("12ab01", "12AB01"), (SchoolVestiging("12AB", "00"), "12AB00")],
)
def test_school_vestiging(value: SchoolVestiging | str, code: str) -> None:
    """Source: domain.md "The parties" (school = BRIN + vestiging, `12AB` + `00`)."""
    school = parse_school(value)
    assert school.code == code
    assert str(school) == code


@pytest.mark.parametrize("value", ["12AB0", "12AB000", "AB1200", ""])
def test_school_vestiging_rejects(value: str) -> None:
    """Source: domain.md "The parties" (BRIN + vestiging)."""
    with pytest.raises(InvalidIdentifier) as err:
        parse_school(value, "sending_school")
    assert err.value.field in {"sending_school", "brin", "vestiging"}


@pytest.mark.parametrize(
    ("value", "canonical"),
    [("GM0479", "GM0479"), ("gm0479", "GM0479"), ("0479", "GM0479"), (" GM0363 ", "GM0363")],
)
def test_valid_gemeentecode(value: str, canonical: str) -> None:
    """Source: domain.md "The parties" (leerplicht identified by CBS gemeentecode `GM0479`)."""
    assert validate_gemeentecode(value) == canonical


@pytest.mark.parametrize("value", ["GM479", "GM04790", "GM0000", "XX0479", "", "GMabcd"])
def test_invalid_gemeentecode(value: str) -> None:
    """Source: domain.md "The parties" (CBS gemeentecode: GM + 4 digits)."""
    with pytest.raises(InvalidIdentifier) as err:
        validate_gemeentecode(value)
    assert err.value.field == "gemeentecode"


@pytest.mark.parametrize(
    ("value", "canonical", "sector"),
    [
        ("PO2801", "PO2801", "PO"),
        ("vo2801", "VO2801", "VO"),
        ("PO 28-01", "PO2801", "PO"),
        ("VO28.01", "VO2801", "VO"),
    ],
)
def test_valid_swv_code(value: str, canonical: str, sector: str) -> None:
    """Source: domain.md "The parties" (SWV code, e.g. `PO2801`)."""
    assert validate_swv_code(value) == canonical
    assert SwvCode(value).sector == sector


@pytest.mark.parametrize("value", ["SO2801", "PO281", "PO28011", "PO", "2801"])
def test_invalid_swv_code(value: str) -> None:
    """Source: domain.md "The parties" (SWV code: PO/VO + 4 digits)."""
    with pytest.raises(InvalidIdentifier):
        validate_swv_code(value)


@pytest.mark.parametrize(
    ("subject", "ok"),
    [("a" * 64, True), ("pseudo-7f3a", True), ("", False), ("   ", False), ("123456782", False), ("12345672", False)],
)
def test_ensure_pseudonym(subject: str, ok: bool) -> None:
    """Source: design.md "Keys and encryption" (pupil identifiers never stored in plaintext;
    the keyed-hash pseudonym is the subject) and domain.md "Reporting dilemmas"."""
    if ok:
        assert ensure_pseudonym(subject) == subject
    else:
        with pytest.raises(InvalidIdentifier):
            ensure_pseudonym(subject)


# ---------------------------------------------------------------- generators (hypothesis)


@given(rngs)
def test_generated_bsn_passes_the_elfproef(rng: random.Random) -> None:
    """Source: Logisch Ontwerp BSN (elfproef); identifiers.py docstring (test block
    999990000-999999999 of RvIG's BRP test persons, never a resident's number)."""
    bsn = generate_test_bsn(rng)
    assert len(bsn) == 9
    assert elfproef_remainder(bsn) == 0
    assert is_valid_bsn(bsn)
    assert is_test_bsn(bsn)
    assert not is_valid_onderwijsnummer(bsn)


@given(rngs)
def test_generated_onderwijsnummer_passes_its_check(rng: random.Random) -> None:
    """Source: python-stdnum `nl.onderwijsnummer` (starts with 10, elfproef remainder 5)."""
    number = generate_test_onderwijsnummer(rng)
    assert is_valid_onderwijsnummer(number)
    assert is_test_onderwijsnummer(number)
    assert not is_valid_bsn(number)


def _single_digit_changes(number: str) -> list[str]:
    return [number[:i] + d + number[i + 1 :] for i in range(len(number)) for d in "0123456789" if d != number[i]]


def _adjacent_swaps(number: str) -> list[str]:
    return [
        number[:i] + number[i + 1] + number[i] + number[i + 2 :]
        for i in range(len(number) - 1)
        if number[i] != number[i + 1]
    ]


@given(rngs)
def test_single_digit_change_breaks_a_bsn(rng: random.Random) -> None:
    """Source: Logisch Ontwerp BSN: the elfproef catches every single-digit error (weights
    and changes are below the prime 11) and every swap of two neighbouring digits."""
    bsn = generate_test_bsn(rng)
    for typo in _single_digit_changes(bsn) + _adjacent_swaps(bsn):
        assert not is_valid_bsn(typo), "a single typing error must fail the elfproef"


@given(rngs)
def test_single_digit_change_breaks_an_onderwijsnummer(rng: random.Random) -> None:
    """Source: python-stdnum `nl.onderwijsnummer` (same weights as the BSN, remainder 5)."""
    number = generate_test_onderwijsnummer(rng)
    for typo in _single_digit_changes(number) + _adjacent_swaps(number):
        assert not is_valid_onderwijsnummer(typo)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_bsn_validity_is_exactly_the_elfproef(digits: str) -> None:
    """Source: Logisch Ontwerp BSN (9 digits, elfproef ≡ 0 mod 11, not all zeros)."""
    expected = elfproef_remainder(digits) == 0 and int(digits) != 0
    assert is_valid_bsn(digits) is expected


def test_generators_are_deterministic_per_seed() -> None:
    """Source: brief for tests and the demo (reproducible test pupils from a seeded rng)."""
    assert generate_test_bsn(random.Random(7)) == generate_test_bsn(random.Random(7))
    assert generate_test_onderwijsnummer(random.Random(7)) == generate_test_onderwijsnummer(random.Random(7))
