"""The purposes (doelbinding) of the hub, as data in one place.

Every record and every disclosure belongs to exactly one purpose; this module
holds the six entries. The policy in `consent.policy` reads them; nothing else
decides who sees what. What an entry is made of is `domain.purpose`; looking one
up and the readable table are `domain.purposes`.

Sources: `/work/shared/domain.md` ("Purposes"), `004_45b01860e536524f.txt` ch. 7
and 15, `003_4d76ddd5121ac97c.txt` §3.1, §3.2, §4.3, §6.2 and ch. 7,
`002_9975c357e8165dd2.txt` §1.3 and steps 4 and 18.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from domain.fields import WARM_ITEMS, Category, fields_in
from domain.parties import Role
from domain.purpose import (
    Alternative,
    ConsentMethod,
    ConsentRule,
    LegalBasis,
    Purpose,
    Recipient,
    Relation,
    Retention,
    check_purpose,
)

_IDENTITEIT = fields_in(Category.IDENTITEIT) - {"leerling.referentie"}
# What names the pupil to a party that may not register the BSN (004 ch. 15): the hub's pseudonym.
_ZONDER_BSN = (_IDENTITEIT - {"leerling.id"}) | {"leerling.referentie"}
_SCHOOL = fields_in(Category.SCHOOL)
_RAPPORT = fields_in(Category.ONDERWIJSKUNDIG_RAPPORT)
_CASUS = fields_in(Category.CASUS)
# The thuiszittersregistratie of a case: categories, dates, regie, logbook and clock (no summary,
# OPP or verzuim history: those are the table's, under consent).
_REGISTRATIE = frozenset(
    {
        "casus.reden",
        "casus.thuis_sinds",
        "casus.herkomst",
        "casus.regie",
        "casus.logboek",
        "casus.notities",
        "casus.klok",
        "casus.resultaat",
    }
)
_SIGNAAL = fields_in(Category.SIGNAAL)
_AGGREGAAT = fields_in(Category.AGGREGAAT)

# Consent is given by a parent/guardian or the pupil from 16 (domain.md). The sources
# give no validity period; one year makes the parties ask again every school year,
# in the spirit of "informed consent from the first melding" (002 advice 5).
_ONE_SCHOOL_YEAR = 1
_SIGNED = frozenset({ConsentMethod.ONDERTEKEND_FORMULIER, ConsentMethod.DIGITAAL_ONDERTEKEND})

VERZUIMMELDING = Purpose(
    name="verzuimmelding",
    title="Verzuimmelding aan leerplicht van de woongemeente",
    legal_basis=LegalBasis.WETTELIJKE_PLICHT,  # Leerplichtwet: the school must report
    senders=frozenset({Role.SCHOOL}),
    recipients=(
        Recipient(
            role=Role.LEERPLICHT,
            # Identity, school, kind, period, hours/times and the structured list of
            # actions the school took (domain.md). The free-text `acties.toelichting`
            # is left out on purpose: free text tends to carry health or family
            # details that the legal duty does not need (004 ch. 7: "Deel alleen
            # informatie die relevant is").
            fields=_IDENTITEIT | _SCHOOL | fields_in(Category.VERZUIM) | frozenset({"acties.school"}),
            active_when=frozenset({Relation.WOONGEMEENTE}),
            note="leerplicht van de woongemeente van de leerling (003 §3.2)",
            bsn=True,  # leerplicht's own administration is kept by BSN
        ),
    ),
    consent=ConsentRule(
        required_for=frozenset(),
        note="geen toestemming nodig; ouders worden geïnformeerd (002 §1.3)",
    ),
    retention=Retention(
        # Sources are silent. Five years after the last change keeps the history a
        # leerplichtambtenaar needs for the MAS routes (003 §3.2) and recurring
        # verzuim across a school phase; leerplicht's own archive follows its
        # gemeente's selectielijst, outside the hub.
        years=5,
        rationale="5 jaar na laatste wijziging: verzuimhistorie voor MAS-routes",
    ),
    # The law prescribes the melding; there is no less intrusive way to meet the duty.
    alternative=None,
    personal_data=True,
    sources=("002_9975c357e8165dd2.txt §1.3", "003_4d76ddd5121ac97c.txt §3.2"),
)

WARME_OVERDRACHT = Purpose(
    name="warme-overdracht",
    title="Overdracht bij schoolwisseling: onderwijskundig rapport en warme overdracht",
    # The onderwijskundig rapport is a legal duty (WPO art. 42; parents sign the
    # aanmelding including it); only the warm part needs consent (004 ch. 7).
    legal_basis=LegalBasis.WETTELIJKE_PLICHT,
    senders=frozenset({Role.SCHOOL}),
    recipients=(
        Recipient(
            role=Role.SCHOOL,
            fields=_IDENTITEIT | _SCHOOL | _RAPPORT | frozenset({WARM_ITEMS}),
            active_when=frozenset({Relation.ONTVANGENDE_SCHOOL}),
            note="de ontvangende school (003 §3.1)",
            bsn=True,  # the receiving school registers the pupil by BSN or onderwijsnummer
        ),
        Recipient(
            role=Role.SWV,
            # For an arrangement the SWV needs the support question, not the whole
            # file: 004 ch. 7 warns that schools send far more than needed.
            fields=_ZONDER_BSN
            | _SCHOOL
            | frozenset(
                {
                    "rapport.ondersteuningsbehoefte",
                    "rapport.opp_aanwezig",
                    "rapport.leerresultaten",
                    WARM_ITEMS,
                }
            ),
            active_when=frozenset({Relation.EIGEN_SWV}),
            note="het SWV, voor een arrangement of toelaatbaarheidsverklaring (004 ch. 7)",
        ),
    ),
    consent=ConsentRule(
        required_for=frozenset({Category.WARME_ITEMS}),
        # The warm handover is a conversation; a spoken consent recorded by the school
        # (who, when) suffices, as 004 ch. 7 only asks that parents agree beforehand.
        methods=_SIGNED | {ConsentMethod.MONDELING},
        max_validity_years=_ONE_SCHOOL_YEAR,
        note="alleen het warme deel, per item (004 ch. 7)",
        # "basisscholen [vertellen] ouders van tevoren wat ze ... willen bespreken" (004 ch. 7).
        recorded_by=frozenset({Role.SCHOOL}),
    ),
    retention=Retention(
        # Sources are silent. The receiving school keeps its own leerlingdossier; the
        # hub only needs the transfer for questions during the first school year.
        years=1,
        rationale="1 jaar na laatste wijziging: vragen in het eerste schooljaar",
    ),
    alternative=None,
    personal_data=True,
    sources=("004_45b01860e536524f.txt ch. 7", "003_4d76ddd5121ac97c.txt §3.1"),
)

THUISZITTERSTAFEL = Purpose(
    name="thuiszitterstafel",
    title="Bespreking aan de thuiszitterstafel",
    legal_basis=LegalBasis.TOESTEMMING,  # parents sign a consent form first (003 §4.3)
    # Without a school registration leerplicht registers the case itself (003 §4.3).
    senders=frozenset({Role.SCHOOL, Role.SWV, Role.LEERPLICHT}),
    recipients=tuple(
        Recipient(
            role=role,
            fields=(_IDENTITEIT if bsn else _ZONDER_BSN) | _SCHOOL | _CASUS | _SIGNAAL,
            active_when=frozenset({relation}),
            note=note,
            bsn=bsn,
        )
        for role, relation, note, bsn in (
            (Role.LEERPLICHT, Relation.WOONGEMEENTE, "vaste deelnemer (003 §4.2)", True),
            (Role.JEUGDTEAM, Relation.WOONGEMEENTE, "vaste deelnemer, ook JGZ (003 §4.2)", True),
            (Role.SCHOOL, Relation.SCHOOL_VAN_INSCHRIJVING, "casusregisseur (003 §4.3)", True),
            # 004 ch. 15: "het BSN-nummer vermelden, terwijl we dat wettelijk niet mogen registreren".
            (Role.SWV, Relation.EIGEN_SWV, "voorzitter en registratie (003 §4.2)", False),
        )
    ),
    consent=ConsentRule(
        required_for=frozenset({Category.IDENTITEIT, Category.SCHOOL, Category.CASUS, Category.SIGNAAL}),
        methods=_SIGNED,  # "ondertekenen ouders een toestemmingsformulier" (003 §4.3)
        max_validity_years=_ONE_SCHOOL_YEAR,
        note="ondertekend toestemmingsformulier vóór de bespreking (003 §4.3)",
        # "De school meldt de leerling aan ... Indien er geen schoolinschrijving is, kan ook de
        # leerplichtambtenaar thuiszittende kinderen melden" (003 §4.3); the SWV chairs the table.
        recorded_by=frozenset({Role.SCHOOL, Role.SWV, Role.LEERPLICHT}),
    ),
    retention=Retention(
        # Sources are silent. The SWV reports quarterly (002 steps 4, 18) and the
        # aanpak is evaluated yearly (003 ch. 7): two years covers the report, the
        # evaluation and a relapse in the next school year.
        years=2,
        rationale="2 jaar na laatste wijziging: rapportage, jaarevaluatie, terugval",
    ),
    # Leerplicht of the woongemeente must know that a pupil in its gemeente sits at
    # home (its own statutory supervision), but not the file: without a consent
    # naming it, it hears only that there is an open case.
    alternative=Alternative(
        fields=_SIGNAAL,
        legal_basis=LegalBasis.PUBLIEKE_TAAK,
        roles=frozenset({Role.LEERPLICHT}),
        description="signaal (er is een open casus) in plaats van het casusdossier",
        description_en="a signal (there is an open case) instead of the case file",
    ),
    personal_data=True,
    sources=("003_4d76ddd5121ac97c.txt §4.2, §4.3", "004_45b01860e536524f.txt ch. 15"),
)

THUISZITTERSREGISTRATIE = Purpose(
    name="thuiszittersregistratie",
    title="Thuiszittersregistratie: de casus, de regie, het logboek per actie en de termijn",
    # A DPO's reading: the SWV must see to a passend aanbod for every pupil of its schools and
    # reports its thuiszitters to the inspectie from this registration (002 steps 4 and 18;
    # 004 ch. 15: "de rapportageplicht van samenwerkingsverbanden over het aantal thuiszitters");
    # the school's zorgplicht and leerplicht's supervision are statutory too. Registering the
    # case is a publieke taak (AVG art. 6(1)(e)) and cannot wait for, or be withdrawn with, a
    # consent. Discussing the pupil at the thuiszitterstafel, and whatever the jeugdteam hears,
    # rests on the parents' signed consent (003 §4.3): that is `thuiszitterstafel`, not this.
    legal_basis=LegalBasis.PUBLIEKE_TAAK,
    # The school signs a pupil up, or leerplicht when there is no registration (003 §4.3); the
    # SWV's regisseur starts and keeps the logbook (002 step 4).
    senders=frozenset({Role.SCHOOL, Role.SWV, Role.LEERPLICHT}),
    recipients=tuple(
        Recipient(
            role=role,
            # Named by the hub's reference only: the case holds no name and no BSN (004 ch. 15).
            fields=frozenset({"leerling.referentie"}) | _SCHOOL | _REGISTRATIE,
            active_when=relations,
            note=note,
        )
        for role, relations, note in (
            (Role.SWV, frozenset({Relation.EIGEN_SWV}), "registratie en regisseur (002 stappen 3-4, 18)"),
            (
                Role.SCHOOL,
                # The directory names the school of registration as the case's addressee when
                # the SWV keeps the registration (adapters/casus.py).
                frozenset({Relation.SCHOOL_VAN_INSCHRIJVING, Relation.ONTVANGENDE_SCHOOL}),
                "school van inschrijving, casusregisseur (003 §4.3; 002 stap 5)",
            ),
            (
                Role.LEERPLICHT,
                frozenset({Relation.WOONGEMEENTE}),
                "leerplicht van de woongemeente: ingelicht (002 stap 6), regisseur zonder inschrijving (003 §4.3)",
            ),
        )
    ),
    consent=ConsentRule(
        required_for=frozenset(),
        note="geen: publieke taak; de bespreking aan de thuiszitterstafel vraagt toestemming (003 §4.3)",
    ),
    retention=Retention(
        # Sources are silent. As the table's: the quarterly reports (002 step 18), the yearly
        # evaluation (003 ch. 7) and a relapse, which a reopened case links to the old one.
        years=2,
        rationale="2 jaar na laatste wijziging: kwartaalrapportage, jaarevaluatie, heropening",
    ),
    alternative=None,
    personal_data=True,
    sources=(
        "002_9975c357e8165dd2.txt stappen 3-18, §3.4",
        "003_4d76ddd5121ac97c.txt §2.3, §2.4, §4.3, §6.2",
        "004_45b01860e536524f.txt ch. 2, ch. 15",
    ),
)

SWV_MONITORING = Purpose(
    name="swv-monitoring",
    title="Monitoring en kwartaalrapportage van het SWV",
    legal_basis=LegalBasis.PUBLIEKE_TAAK,
    senders=frozenset(),  # the hub computes the counts; no party sends
    recipients=(
        Recipient(
            role=Role.SWV,
            fields=_AGGREGAAT,
            active_when=frozenset({Relation.EIGEN_SWV}),
            note="alleen aantallen, kleine cellen onderdrukt (004 ch. 15)",
        ),
    ),
    consent=ConsentRule(required_for=frozenset(), note="geen: er gaan geen persoonsgegevens uit"),
    retention=Retention(
        years=None,
        rationale="geen persoonsgegevens: aantallen worden bij opvragen berekend",
    ),
    # The SWV must report thuiszitters but gemeenten may not hand over names
    # (004 ch. 15): aggregates instead of names.
    alternative=Alternative(
        fields=_AGGREGAAT,
        legal_basis=LegalBasis.PUBLIEKE_TAAK,
        roles=frozenset({Role.SWV}),
        description="aantallen in plaats van namen",
        description_en="counts instead of names",
    ),
    personal_data=False,
    sources=("004_45b01860e536524f.txt ch. 15", "003_4d76ddd5121ac97c.txt ch. 7"),
)

JEUGDHULP_AFSTEMMING = Purpose(
    name="jeugdhulp-afstemming",
    title="Afstemming met het jeugdteam",
    legal_basis=LegalBasis.TOESTEMMING,
    senders=frozenset({Role.SCHOOL, Role.SWV}),
    recipients=(
        Recipient(
            role=Role.JEUGDTEAM,
            # No leerling.id: name and date of birth identify the pupil to the team; the BSN is not needed.
            fields=frozenset({"leerling.naam", "leerling.geboortedatum"})
            | _SCHOOL
            | _SIGNAAL
            | frozenset({"verzuim.soort", "verzuim.periode"})
            | fields_in(Category.SCHOOLACTIES)
            | frozenset({"casus.samenvatting"}),
            active_when=frozenset({Relation.WOONGEMEENTE}),
            note="het jeugdteam dat in de toestemming staat (003 §2.3)",
        ),
    ),
    consent=ConsentRule(
        required_for=frozenset(
            {
                Category.IDENTITEIT,
                Category.SCHOOL,
                Category.SIGNAAL,
                Category.VERZUIM,
                Category.SCHOOLACTIES,
                Category.CASUS,
            }
        ),
        methods=_SIGNED,
        max_validity_years=_ONE_SCHOOL_YEAR,
        note="ook het signaal gaat alleen met toestemming naar het jeugdteam (domain.md)",
        # The school or SWV that asks the jeugdteam in (003 §2.3), never the team itself.
        recorded_by=frozenset({Role.SCHOOL, Role.SWV}),
    ),
    retention=Retention(
        # Sources are silent; the consent itself lasts a school year at most.
        years=1,
        rationale="1 jaar na laatste wijziging, gelijk aan de maximale toestemming",
    ),
    # When the parents consent to the signal but not to the file, the team gets the
    # signal (003 §6.2: without consent only the general route remains).
    alternative=Alternative(
        fields=_SIGNAAL,
        legal_basis=LegalBasis.TOESTEMMING,
        roles=frozenset({Role.JEUGDTEAM}),
        description="signaal (er is een open melding) in plaats van de gegevens",
        description_en="a signal (there is an open melding) instead of the data",
    ),
    personal_data=True,
    sources=("003_4d76ddd5121ac97c.txt §2.3, §6.2", "004_45b01860e536524f.txt ch. 15"),
)

PURPOSES: Mapping[str, Purpose] = MappingProxyType(
    {
        p.name: p
        for p in (
            VERZUIMMELDING,
            WARME_OVERDRACHT,
            THUISZITTERSTAFEL,
            THUISZITTERSREGISTRATIE,
            SWV_MONITORING,
            JEUGDHULP_AFSTEMMING,
        )
    }
)


def _check_all(purposes: Iterable[Purpose]) -> None:
    # Fail at import: a wrong table must never reach a disclosure.
    problems = [f"{p.name}: {msg}" for p in purposes for msg in check_purpose(p)]
    if problems:
        raise ValueError("; ".join(problems))


_check_all(PURPOSES.values())


__all__ = [
    "JEUGDHULP_AFSTEMMING",
    "PURPOSES",
    "SWV_MONITORING",
    "THUISZITTERSREGISTRATIE",
    "THUISZITTERSTAFEL",
    "VERZUIMMELDING",
    "WARME_OVERDRACHT",
]
