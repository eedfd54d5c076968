"""The closed lists of a thuiszitter case: why the pupil sits at home, what was done, how it ended.

Each is a closed list so that a case can be counted for the SWV's quarterly report to the
inspectie (002 steps 4, 18) without reading a note, and so that the access log and the report
name categories, never free text. What a category leaves unsaid goes into a short note that
lives only inside the sealed event.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from domain.errors import InvalidValue

E = TypeVar("E", bound=StrEnum)


class Reden(StrEnum):
    """Why the pupil sits at home (the case's reason category)."""

    ZIEKTE_PSYCHISCH = "ziekte_psychisch"  # lichamelijke of psychische gronden (003 §6.1; 002 §1.8)
    GEEN_PASSEND_AANBOD = "geen_passend_aanbod"  # no school can or will place the pupil (002 §2.9)
    SCHORSING_VERWIJDERING = "schorsing_verwijdering"  # "T.a.v. het schorsen van leerlingen" (002 §1.4)
    WACHTLIJST_ZORG = "wachtlijst_zorg"  # "een wachtlijst voor behandeling" (004 ch. 2; 002 step 16)
    THUISSITUATIE = "thuissituatie"  # "de problemen thuis moeten eerst worden aangepakt" (004 ch. 2)
    SCHOOLWEIGERING = "schoolweigering"  # "grote moeite om naar school te gaan" (002 §1.3)
    GEEN_INSCHRIJVING = "geen_inschrijving"  # absoluut verzuim: at no school (002 §1.3; 003 §4.3)
    VRIJSTELLING = "vrijstelling"  # art. 5 sub a asked or granted (003 §6.1, §6.2)
    OVERIG = "overig"


class Actie(StrEnum):
    """What a logbook entry records: one action of the traject (002 steps 1-18)."""

    MDO = "mdo"  # MultiDisciplinair Overleg (003 §3.2; 000)
    GESPREK_OUDERS = "gesprek_ouders"  # steps 1, 7
    BESPREKING_OT = "bespreking_ot"  # ondersteuningsteam / kernteam, steps 1, 11, 15
    LEERPLICHT_INGELICHT = "leerplicht_ingelicht"  # step 6
    PLAN_VAN_AANPAK = "plan_van_aanpak"  # step 11
    AANPASSING_ONDERWIJSTIJD = "aanpassing_onderwijstijd"  # steps 10, 14; §3.1
    MAATWERK = "maatwerk"  # step 13; 003 §5.3
    INZET_JEUGDHULP = "inzet_jeugdhulp"  # step 8; 003 §4.3
    ONDERWIJS_ZORGARRANGEMENT = "onderwijs_zorgarrangement"  # step 8; 003 §5.1
    BRUGPLAATS = "brugplaats"  # step 16; §2.4, §2.5
    OVERBRUGGING = "overbrugging"  # step 14
    CCE_CONSULT = "cce_consult"  # step 12; §2.7
    TLV_AANVRAAG = "tlv_aanvraag"  # toelaatbaarheidsverklaring (003 §4.3)
    THUISZITTERSTAFEL = "thuiszitterstafel"  # 003 §4.1-4.3
    DOORBRAAKTEAM = "doorbraakteam"  # 002 §3.4 advice 8
    DOORZETTINGSMACHT = "doorzettingsmacht"  # the SWV's directeur-bestuurder decides (002 §2.9)
    VRIJSTELLING_ADVIES = "vrijstelling_advies"  # the SWV advises on the onderwijskundig perspectief (003 §6.2)
    OVERSTAP = "overstap"  # "begeleidt de IB-er een soepele overstap" (step 15)
    OVERIG = "overig"


class Resultaat(StrEnum):
    """How a case ended: the closing category of the thuiszittersregistratie (002 step 18)."""

    PASSEND_AANBOD = "passend_aanbod"  # onderwijs and/or jeugdhulp (003 §2.4)
    TERUG_NAAR_SCHOOL = "terug_naar_school"  # back at the school of registration (002 step 15)
    ANDERE_SCHOOL = "andere_school"  # a soepele overstap elsewhere, also (v)so via a TLV (002 step 15; 003 §4.3)
    ZORG_ONDERWIJS = "zorg_onderwijs"  # zorg voorliggend, an onderwijs-zorgarrangement (002 step 14; 003 §5.1)
    VRIJSTELLING = "vrijstelling"  # art. 5 sub a; the jeugdteam takes regie (003 §6.2)
    VERHUISD = "verhuisd"  # moved out of the region: the case goes with the new woongemeente
    LEERPLICHT_GEEINDIGD = "leerplicht_geeindigd"  # leer- and kwalificatieplicht ended (002 §1.9)
    OVERIG = "overig"


class RegieReden(StrEnum):
    """Why regie passes to other regisseur(s); the history keeps every change."""

    ZORG_VOORLIGGEND = "zorg_voorliggend"  # the weight lies in care: the jeugdteam (003 §2.3; 002 step 14)
    ONDERWIJSPLEK = "onderwijsplek"  # the question is a school place: the school (003 §2.3)
    GEEN_INSCHRIJVING = "geen_inschrijving"  # no school registration: leerplicht (003 §4.3)
    INSCHRIJVING = "inschrijving"  # a school registered the pupil
    VRIJSTELLING = "vrijstelling"  # after a vrijstelling the jeugdteam (003 §6.2)
    AFSPRAAK_REGISSEURS = "afspraak_regisseurs"  # the regisseurs agreed roles (002 step 6)
    OPSCHALING = "opschaling"  # to the sectordirecteur or the casusregisseur of a doorbraak (002 §2.9, §3.4)
    OVERIG = "overig"


class Regierol(StrEnum):
    """Who can hold regie: the rule of 003 §2.3, §4.3, §6.2, and the Drechtsteden pair (002 steps 3-5)."""

    SCHOOL = "school"
    SWV = "swv"
    SCHOOLBESTUUR = "schoolbestuur"
    JEUGDTEAM = "jeugdteam"
    LEERPLICHT = "leerplicht"


def kies(enum: type[E], value: object, field: str) -> E:
    """`value` as a member of the closed list `enum`, or InvalidValue naming the list."""
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            pass
    raise InvalidValue(field, f"must be one of {', '.join(enum)}")


__all__ = ["Actie", "Reden", "RegieReden", "Regierol", "Resultaat", "kies"]
