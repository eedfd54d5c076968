"""Why a request on a pupil's data was refused before the policy weighed it: a closed vocabulary.

A refusal entry (action `refuse`) names one of these codes under `afweging.weigering`, never
free text: the entry is hashed into the log, shown to the parent in the inzage and read by the
FG, so it must say the same thing in every release. Refusals the policy itself decides carry
its full `afweging` instead (consent/decision.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class Refused(StrEnum):
    """The reasons a request is refused before the policy is asked."""

    WRONG_ROLE = "verkeerde_rol"
    WRONG_GEMEENTE = "verkeerde_gemeente"
    WRONG_SCHOOL = "verkeerde_school"
    NOT_INVOLVED = "niet_betrokken"
    NOT_FOUND = "niet_gevonden"
    ERASED = "gewist"
    RECEIPT_MISSING = "bewijs_ontbreekt"
    RECEIPT_REFUSED = "bewijs_geweigerd"


# As the parent reads it in the inzage report: what the organisation was refused, and why.
REFUSED_NL: Mapping[Refused, str] = MappingProxyType(
    {
        Refused.WRONG_ROLE: "de organisatie heeft niet de rol die dit mag",
        Refused.WRONG_GEMEENTE: "de leerling woont niet in de gemeente van de organisatie",
        Refused.WRONG_SCHOOL: "de organisatie is niet de school die het verzoek ondertekende",
        Refused.NOT_INVOLVED: "de organisatie is niet betrokken bij de leerling",
        Refused.NOT_FOUND: "het gevraagde gegeven hoort niet bij deze organisatie",
        Refused.ERASED: "de gegevens waren al gewist",
        Refused.RECEIPT_MISSING: "er was geen bewijs van toestemming",
        Refused.RECEIPT_REFUSED: "het bewijs van toestemming was niet geldig",
    }
)

REFUSAL_KEY = "weigering"  # the afweging key that holds the code
RECEIPT_KEY = "bewijs"  # beside it for RECEIPT_REFUSED: the receipt gate's reason (adapters/disclosure.py)


def refusal_of(afweging: Mapping[str, object]) -> Refused | None:
    """The refusal code an entry's afweging names, or None (a policy decision, or an unknown code)."""
    code = afweging.get(REFUSAL_KEY)
    try:
        return Refused(code) if isinstance(code, str) else None
    except ValueError:
        return None


__all__ = ["RECEIPT_KEY", "REFUSAL_KEY", "REFUSED_NL", "Refused", "refusal_of"]
