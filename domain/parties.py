"""The parties of the chain, their roles, and how each is identified (domain.md, "The parties")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a party is in the chain; every authorisation rule is stated in roles."""

    SCHOOL = "school"
    SWV = "swv"
    LEERPLICHT = "leerplicht"
    JEUGDTEAM = "jeugdteam"
    AUDITOR = "auditor"


_BRIN = re.compile(r"^[0-9]{2}[A-Z0-9]{2}$")
_VESTIGING = re.compile(r"^[0-9]{2}$")
_GEMEENTE = re.compile(r"^GM[0-9]{4}$")
_SWV = re.compile(r"^(PO|VO)[0-9]{4}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{1,39}$")


class InvalidParty(ValueError):
    """An organisation's identifying code does not have the form of its role."""


@dataclass(frozen=True)
class Organisation:
    """A registered party: its role and the code that identifies it (BRIN+vestiging, SWV code,
    CBS gemeentecode, or an organisation code for a jeugdteam or auditor)."""

    org_id: str
    role: Role
    name: str
    code: str
    gemeente: str | None = None
    protocol: str | None = None  # the verzuimprotocol preset this school follows; None: the legal default

    @property
    def brin(self) -> str | None:
        return self.code[:4] if self.role is Role.SCHOOL else None

    @property
    def vestiging(self) -> str | None:
        return self.code[4:] if self.role is Role.SCHOOL else None


def organisation_id(role: Role, code: str) -> str:
    """The stable id of a party: role and code, e.g. `school:12AB00`, `leerplicht:GM0479`."""
    return f"{role.value}:{code}"


def validate_code(role: Role, code: str, gemeente: str | None) -> None:
    """Check that `code` identifies a party of `role` (and its gemeente where it has one)."""
    if role is Role.SCHOOL:
        if len(code) != 6 or not _BRIN.match(code[:4]) or not _VESTIGING.match(code[4:]):
            raise InvalidParty(f"a school is BRIN (2 digits + 2 letters/digits) + vestiging (2 digits), got {code!r}")
    elif role is Role.SWV:
        if not _SWV.match(code):
            raise InvalidParty(f"an SWV code is PO/VO + 4 digits, got {code!r}")
    elif role is Role.LEERPLICHT:
        if not _GEMEENTE.match(code):
            raise InvalidParty(f"leerplicht is identified by its CBS gemeentecode GMnnnn, got {code!r}")
    elif not _CODE.match(code):
        raise InvalidParty(f"an organisation code is 2-40 letters, digits or dashes, got {code!r}")
    if gemeente is not None and not _GEMEENTE.match(gemeente):
        raise InvalidParty(f"gemeente must be a CBS gemeentecode GMnnnn, got {gemeente!r}")
