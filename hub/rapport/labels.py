"""The Dutch labels a reader of the quarterly report sees for each category of the API."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from domain.casusklok import Stadium
from domain.casuslijsten import Reden, Resultaat

REDEN: Mapping[str, str] = MappingProxyType(
    {
        Reden.ZIEKTE_PSYCHISCH: "Lichamelijke of psychische gronden",
        Reden.GEEN_PASSEND_AANBOD: "Geen passend onderwijsaanbod",
        Reden.SCHORSING_VERWIJDERING: "Schorsing of verwijdering",
        Reden.WACHTLIJST_ZORG: "Wachtlijst voor zorg of behandeling",
        Reden.THUISSITUATIE: "Problemen in de thuissituatie",
        Reden.SCHOOLWEIGERING: "Grote moeite om naar school te gaan",
        Reden.GEEN_INSCHRIJVING: "Niet ingeschreven (absoluut verzuim)",
        Reden.VRIJSTELLING: "Vrijstelling gevraagd of verleend",
        Reden.OVERIG: "Overig",
    }
)
RESULTAAT: Mapping[str, str] = MappingProxyType(
    {
        Resultaat.PASSEND_AANBOD: "Passend aanbod",
        Resultaat.TERUG_NAAR_SCHOOL: "Terug naar de eigen school",
        Resultaat.ANDERE_SCHOOL: "Naar een andere school",
        Resultaat.ZORG_ONDERWIJS: "Onderwijs-zorgarrangement",
        Resultaat.VRIJSTELLING: "Vrijstelling",
        Resultaat.VERHUISD: "Verhuisd",
        Resultaat.LEERPLICHT_GEEINDIGD: "Leerplicht geëindigd",
        Resultaat.OVERIG: "Overig",
    }
)
STADIUM: Mapping[str, str] = MappingProxyType(
    {
        Stadium.VOORFASE: "Voorfase (eerste vier weken)",
        Stadium.CASUSREGIE: "Casusregie",
        Stadium.DOORBRAAK: "Doorbraak",
        Stadium.TERMIJN_VERSTREKEN: "Termijn passend aanbod verstreken",
    }
)
# The duration bands are Dutch in the API already (domain/kwartaalrapportage.py).
TABELLEN = (
    ("nieuw", "per_reden", "Nieuwe casussen per reden", REDEN),
    ("beeindigd", "per_resultaat", "Beëindigde casussen per resultaat", RESULTAAT),
    ("beeindigd", "per_duurklasse", "Beëindigde casussen per duur thuis", None),
    ("beeindigd", "per_stadium", "Beëindigde casussen per bereikt stadium", STADIUM),
)


def kwartaaleinde(naam: str) -> str:
    """`2026-Q4` as `eind Q4 2026`."""
    return f"eind {naam[5:]} {naam[:4]}"
