"""Identifiers of pupils and parties: validators and value objects.

Pupil identifiers
    * BSN: 9 digits passing the elfproef 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 ≡ 0 (mod 11), not
      all zeros. An 8-digit input is accepted and given its leading zero: the Logisch Ontwerp
      BSN prescribes "8-cijferige nummers worden voorzien van een voorloopnul", and
      spreadsheets and older systems routinely drop that zero. The canonical form is always
      9 digits.
    * onderwijsnummer (DUO's number for pupils without a BSN): 9 digits, starting with "10",
      same weights but the sum ≡ 5 (mod 11). Because the two remainders differ, no number is
      both a valid BSN and a valid onderwijsnummer, so the kind can be detected.
      (Rule as implemented by python-stdnum `stdnum.nl.onderwijsnummer`; nl.wikipedia
      "Onderwijsnummer".)

Party identifiers
    * BRIN: 2 digits + 2 letters/digits (`12AB`); vestiging: 2 digits (`00`); together the
      6-character school location code `12AB00` (domain.md, "The parties").
    * CBS gemeentecode: `GM` + 4 digits (`GM0479`); 4 bare digits are accepted.
    * SWV code: `PO`/`VO` + 4 digits (`PO2801`); the printed form `PO 28-01` is accepted.

Inputs are stripped of surrounding white space and upper-cased where letters occur; pupil
identifiers accept nothing but digits, since a lenient parse of a legal identifier hides
typing errors. Error messages never echo a pupil identifier (they reach logs).

Test numbers: `generate_test_bsn` draws from 999990000-999999999, the block that RvIG's BRP
test persons use (e.g. 999993653); no resident is given a number there. There is no
published test block for onderwijsnummers; `generate_test_onderwijsnummer` uses the prefix
10999 by convention of this project, so a generated one could in principle coincide with
an issued number; it is never linked to real pupil data.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import InvalidIdentifier

PUPIL_ID_LENGTH = 9
# The Logisch Ontwerp BSN pads 8-digit numbers with one leading zero.
BSN_SHORT_LENGTH = 8
ELFPROEF_MODULUS = 11
# Weights of the BSN "elfproef": 9..2 for the first eight digits, -1 for the check digit.
ELFPROEF_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
BSN_REMAINDER = 0
ONDERWIJSNUMMER_REMAINDER = 5
ONDERWIJSNUMMER_PREFIX = "10"
# A check digit is one decimal digit; a required value of 10 cannot be written.
DECIMAL_BASE = 10

TEST_BSN_PREFIX = "99999"
TEST_ONDERWIJSNUMMER_PREFIX = "10999"

_DIGITS = re.compile(r"[0-9]+")
_BRIN = re.compile(r"[0-9]{2}[A-Z0-9]{2}")
_VESTIGING = re.compile(r"[0-9]{2}")
_GEMEENTE = re.compile(r"(?:GM)?([0-9]{4})")
_SWV = re.compile(r"(PO|VO)[ .-]?([0-9]{2})[ .-]?([0-9]{2})")
# Pseudonyms come from infra's keyed hash; a short all-digit subject is an identifier
# that slipped through unhashed.
_LOOKS_LIKE_PUPIL_ID = re.compile(r"[0-9]{8,9}")


class PupilIdKind(StrEnum):
    """Which national number identifies the pupil."""

    BSN = "bsn"
    ONDERWIJSNUMMER = "onderwijsnummer"


def elfproef_remainder(digits: str) -> int:
    """The weighted sum of the nine `digits` (weights 9..2, -1) modulo 11."""
    return sum(w * int(d) for w, d in zip(ELFPROEF_WEIGHTS, digits, strict=True)) % ELFPROEF_MODULUS


def _pupil_digits(value: str, field_name: str, allowed_lengths: tuple[int, ...]) -> str:
    if not isinstance(value, str):
        raise InvalidIdentifier(field_name, "must be a string of digits")
    digits = value.strip()
    if not _DIGITS.fullmatch(digits):
        raise InvalidIdentifier(field_name, "may contain digits only")
    if len(digits) not in allowed_lengths:
        wanted = " or ".join(str(n) for n in allowed_lengths)
        raise InvalidIdentifier(field_name, f"must have {wanted} digits, got {len(digits)}")
    return digits.zfill(PUPIL_ID_LENGTH)


def validate_bsn(value: str, field_name: str = "bsn") -> str:
    """The canonical 9-digit BSN, or `InvalidIdentifier` (8 digits get a leading zero)."""
    digits = _pupil_digits(value, field_name, (BSN_SHORT_LENGTH, PUPIL_ID_LENGTH))
    if int(digits) == 0:
        raise InvalidIdentifier(field_name, "must not be all zeros")
    if elfproef_remainder(digits) != BSN_REMAINDER:
        raise InvalidIdentifier(field_name, "fails the elfproef (check digit)")
    return digits


def validate_onderwijsnummer(value: str, field_name: str = "onderwijsnummer") -> str:
    """The canonical 9-digit onderwijsnummer, or `InvalidIdentifier`."""
    digits = _pupil_digits(value, field_name, (PUPIL_ID_LENGTH,))
    if not digits.startswith(ONDERWIJSNUMMER_PREFIX):
        raise InvalidIdentifier(field_name, f"must start with {ONDERWIJSNUMMER_PREFIX}")
    if elfproef_remainder(digits) != ONDERWIJSNUMMER_REMAINDER:
        raise InvalidIdentifier(field_name, "fails the onderwijsnummer check (elfproef rest 5)")
    return digits


def is_valid_bsn(value: str) -> bool:
    """Whether `value` is a valid BSN."""
    try:
        validate_bsn(value)
    except InvalidIdentifier:
        return False
    return True


def is_valid_onderwijsnummer(value: str) -> bool:
    """Whether `value` is a valid onderwijsnummer."""
    try:
        validate_onderwijsnummer(value)
    except InvalidIdentifier:
        return False
    return True


@dataclass(frozen=True, repr=False)
class PupilId:
    """A pupil's BSN or onderwijsnummer.

    `str()` and `repr()` are masked so the number cannot leak into a log line by accident;
    ask for `value` or `canonical` explicitly. `canonical` (`bsn:123456782`) is the form the
    pseudonymiser hashes.
    """

    kind: PupilIdKind
    value: str

    def __post_init__(self) -> None:
        kind = PupilIdKind(self.kind)
        validator = validate_bsn if kind is PupilIdKind.BSN else validate_onderwijsnummer
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "value", validator(self.value, "pupil_id"))

    @classmethod
    def parse(cls, value: str, kind: PupilIdKind | str | None = None) -> PupilId:
        """Parse `value` as `kind`; without a kind, detect it (the two checks are disjoint)."""
        if kind is not None:
            try:
                parsed_kind = PupilIdKind(kind)
            except ValueError:
                raise InvalidIdentifier("pupil_id_kind", "must be 'bsn' or 'onderwijsnummer'") from None
            return cls(parsed_kind, value)
        if is_valid_bsn(value):
            return cls(PupilIdKind.BSN, value)
        if is_valid_onderwijsnummer(value):
            return cls(PupilIdKind.ONDERWIJSNUMMER, value)
        raise InvalidIdentifier("pupil_id", "is neither a valid BSN nor a valid onderwijsnummer")

    @classmethod
    def from_canonical(cls, text: str) -> PupilId:
        """Parse the canonical form `kind:digits`."""
        kind, sep, value = text.partition(":")
        if not sep:
            raise InvalidIdentifier("pupil_id", "canonical form is 'kind:digits'")
        return cls.parse(value, kind)

    @property
    def canonical(self) -> str:
        """`kind:digits`, e.g. `bsn:123456782`."""
        return f"{self.kind.value}:{self.value}"

    def __str__(self) -> str:
        return f"{self.kind.value}:{'*' * PUPIL_ID_LENGTH}"

    def __repr__(self) -> str:
        return f"PupilId({self.kind.value}, {'*' * PUPIL_ID_LENGTH})"


def parse_pupil_id(value: str, kind: PupilIdKind | str | None = None) -> PupilId:
    """Parse a BSN or onderwijsnummer (kind detected when not given)."""
    return PupilId.parse(value, kind)


def ensure_pseudonym(subject: str) -> str:
    """Refuse a record subject that is empty or looks like a plain BSN/onderwijsnummer.

    Records are keyed by the keyed-hash pseudonym only (design.md, "Keys and encryption");
    this guard stops an identifier from being stored in clear by mistake.
    """
    if not isinstance(subject, str) or not subject.strip():
        raise InvalidIdentifier("subject", "must be a non-empty pseudonym")
    if _LOOKS_LIKE_PUPIL_ID.fullmatch(subject.strip()):
        raise InvalidIdentifier("subject", "looks like a plain pupil number; pass the pseudonym")
    return subject


def validate_brin(value: str) -> str:
    """The canonical BRIN (2 digits + 2 letters/digits, upper case)."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if not _BRIN.fullmatch(code):
        raise InvalidIdentifier("brin", f"must be 2 digits + 2 letters/digits, got {value!r}")
    return code


def validate_vestiging(value: str) -> str:
    """The canonical vestiging number (2 digits)."""
    code = value.strip() if isinstance(value, str) else ""
    if not _VESTIGING.fullmatch(code):
        raise InvalidIdentifier("vestiging", f"must be 2 digits, got {value!r}")
    return code


def validate_gemeentecode(value: str, field_name: str = "gemeentecode") -> str:
    """The canonical CBS gemeentecode `GMnnnn` (4 bare digits are accepted)."""
    code = value.strip().upper() if isinstance(value, str) else ""
    match = _GEMEENTE.fullmatch(code)
    if match is None or int(match.group(1)) == 0:
        raise InvalidIdentifier(field_name, f"must be GM + 4 digits (e.g. GM0479), got {value!r}")
    return f"GM{match.group(1)}"


def validate_swv_code(value: str) -> str:
    """The canonical SWV code `PO2801` / `VO2801` (`PO 28-01` is accepted)."""
    code = value.strip().upper() if isinstance(value, str) else ""
    match = _SWV.fullmatch(code)
    if match is None:
        raise InvalidIdentifier("swv_code", f"must be PO or VO + 4 digits, got {value!r}")
    return "".join(match.groups())


@dataclass(frozen=True)
class SchoolVestiging:
    """A school location: BRIN + vestiging; `code` is the 6-character form `12AB00`."""

    brin: str
    vestiging: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "brin", validate_brin(self.brin))
        object.__setattr__(self, "vestiging", validate_vestiging(self.vestiging))

    @classmethod
    def from_code(cls, code: str) -> SchoolVestiging:
        """Parse the 6-character form `12AB00`."""
        text = code.strip() if isinstance(code, str) else ""
        brin_length = 4
        if len(text) != brin_length + 2:
            raise InvalidIdentifier("school", f"must be BRIN + vestiging like 12AB00, got {code!r}")
        return cls(text[:brin_length], text[brin_length:])

    @property
    def code(self) -> str:
        """`12AB00`."""
        return f"{self.brin}{self.vestiging}"

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class Gemeentecode:
    """A CBS gemeentecode (`GM0479`): identifies a gemeente and its leerplicht."""

    code: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", validate_gemeentecode(self.code))

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class SwvCode:
    """A samenwerkingsverband code (`PO2801`); `sector` is PO or VO."""

    code: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", validate_swv_code(self.code))

    @property
    def sector(self) -> str:
        """`PO` or `VO`."""
        return self.code[:2]

    def __str__(self) -> str:
        return self.code


def _with_check_digit(rng: random.Random, prefix: str, remainder: int) -> str:
    # Draw the free digits, then pick the check digit d9 so that sum - d9 ≡ remainder;
    # a required d9 of 10 is impossible, so draw again (1 in 11 draws).
    free = PUPIL_ID_LENGTH - len(prefix) - 1
    while True:
        body = prefix + "".join(str(rng.randrange(DECIMAL_BASE)) for _ in range(free))
        partial = sum(w * int(d) for w, d in zip(ELFPROEF_WEIGHTS, body, strict=False))
        check = (partial - remainder) % ELFPROEF_MODULUS
        if check < DECIMAL_BASE:
            return body + str(check)


def generate_test_bsn(rng: random.Random) -> str:
    """A valid BSN from the test block 999990000-999999999 (never a resident's number)."""
    return _with_check_digit(rng, TEST_BSN_PREFIX, BSN_REMAINDER)


def generate_test_onderwijsnummer(rng: random.Random) -> str:
    """A valid onderwijsnummer with this project's test prefix 10999."""
    return _with_check_digit(rng, TEST_ONDERWIJSNUMMER_PREFIX, ONDERWIJSNUMMER_REMAINDER)


def is_test_bsn(value: str) -> bool:
    """Whether `value` is a valid BSN from the test block."""
    return is_valid_bsn(value) and value.strip().zfill(PUPIL_ID_LENGTH).startswith(TEST_BSN_PREFIX)


def is_test_onderwijsnummer(value: str) -> bool:
    """Whether `value` is a valid onderwijsnummer with the test prefix."""
    return is_valid_onderwijsnummer(value) and value.strip().startswith(TEST_ONDERWIJSNUMMER_PREFIX)


def parse_school(value: SchoolVestiging | str, field_name: str = "school") -> SchoolVestiging:
    """A `SchoolVestiging` from itself or from its 6-character code `12AB00`."""
    if isinstance(value, SchoolVestiging):
        return value
    if not isinstance(value, str):
        raise InvalidIdentifier(field_name, "must be BRIN + vestiging like 12AB00")
    try:
        return SchoolVestiging.from_code(value)
    except InvalidIdentifier as exc:
        raise InvalidIdentifier(field_name, exc.message) from None
