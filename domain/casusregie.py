"""Regie over a thuiszitter case: who the hub proposes, and one regisseur as a value.

The rule of 003 §2.3, §4.3 and §6.2 (domain.verzuim.regie): the school of registration when the
question is a school place, the jeugdteam when the weight lies in care or after a vrijstelling,
leerplicht when there is no school registration. A protocol may choose the Drechtsteden pair,
a regisseur from the SWV and one from the schoolbestuur (002 processchema steps 3-5).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from domain.casuslijsten import RegieReden, Regierol
from domain.errors import InvalidValue
from domain.protocol import WETTELIJK, Verzuimprotocol
from domain.verzuim import Regisseur, regie

MAX_REGISSEURS = 4
MAX_TOELICHTING = 2000

_ROL_VAN: Mapping[Regisseur, Regierol] = MappingProxyType(
    {
        Regisseur.SCHOOL: Regierol.SCHOOL,
        Regisseur.JEUGDTEAM: Regierol.JEUGDTEAM,
        Regisseur.LEERPLICHT: Regierol.LEERPLICHT,
    }
)


@dataclass(frozen=True)
class Casusregisseur:
    """One regisseur: a role, and the organisation when the hub knows it (never a person)."""

    rol: Regierol
    organisatie: str | None = None

    def to_event(self) -> dict[str, Any]:
        """As event values."""
        return {"rol": self.rol.value, "organisatie": self.organisatie}

    @classmethod
    def from_event(cls, values: Mapping[str, Any]) -> Casusregisseur:
        """Rebuild from event values."""
        return cls(Regierol(values["rol"]), values["organisatie"])


def voorgestelde_regie(
    *, has_school: bool, care_is_main_need: bool, exempt: bool, protocol: Verzuimprotocol = WETTELIJK
) -> tuple[Regierol, ...]:
    """The regisseur role(s) the hub proposes when a case opens.

    With a school and the protocol's pair: the SWV and the schoolbestuur (002 steps 3-5), unless
    care or a vrijstelling gives the jeugdteam regie (003 §2.3, §6.2); otherwise `regie`.
    """
    single = _ROL_VAN[regie(has_school=has_school, care_is_main_need=care_is_main_need, exempt=exempt)]
    if protocol.twee_regisseurs and single is Regierol.SCHOOL:
        return (Regierol.SWV, Regierol.SCHOOLBESTUUR)
    return (single,)


def check_regisseurs(regisseurs: Sequence[Casusregisseur]) -> tuple[Casusregisseur, ...]:
    """One to four regisseurs, each role once."""
    found = tuple(regisseurs)
    if not 1 <= len(found) <= MAX_REGISSEURS:
        raise InvalidValue("regisseurs", f"name 1 to {MAX_REGISSEURS} regisseurs")
    if not all(isinstance(r, Casusregisseur) and isinstance(r.rol, Regierol) for r in found):
        raise InvalidValue("regisseurs", f"each needs a rol of {', '.join(Regierol)}")
    if len({r.rol for r in found}) != len(found):
        raise InvalidValue("regisseurs", "each rol at most once")
    return found


def regiewijziging(
    regisseurs: Sequence[Casusregisseur], reden: RegieReden | None, op: date, door: str, toelichting: str
) -> dict[str, Any]:
    """One step of the regie history as event values; reden None is the hub's proposal at opening."""
    if len(toelichting) > MAX_TOELICHTING:
        raise InvalidValue("toelichting", f"must be at most {MAX_TOELICHTING} characters")
    return {
        "regisseurs": [r.to_event() for r in regisseurs],
        "reden": reden.value if reden else None,
        "sinds": op.isoformat(),
        "door": door,
        "toelichting": toelichting.strip(),
    }


__all__ = ["Casusregisseur", "check_regisseurs", "regiewijziging", "voorgestelde_regie"]
