"""The purposes (doelbinding) of the hub, as data in one place.

Every record and every disclosure belongs to exactly one purpose. A purpose fixes
the legal basis, who sends, who may receive which fields, which part needs
consent, how long the hub keeps the data and which less intrusive answer serves
when the full one cannot be justified (subsidiariteit). The policy in
`consent.policy` reads these tables; nothing else decides who sees what.

Sources: `/work/shared/domain.md` ("Purposes"), `004_45b01860e536524f.txt` ch. 7
and 15, `003_4d76ddd5121ac97c.txt` §3.1, §3.2, §4.3, §6.2 and ch. 7,
`002_9975c357e8165dd2.txt` §1.3 and steps 4 and 18.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from domain.parties import Role

# ---------------------------------------------------------------------------
# Vocabulary: bases, roles, categories, fields
# ---------------------------------------------------------------------------


class LegalBasis(StrEnum):
    """Grondslag for processing (AVG art. 6 lid 1)."""

    WETTELIJKE_PLICHT = "wettelijke_plicht"  # art. 6(1)(c): e.g. Leerplichtwet, WPO art. 42
    TOESTEMMING = "toestemming"  # art. 6(1)(a): parent, or the pupil from 16
    PUBLIEKE_TAAK = "publieke_taak"  # art. 6(1)(e): e.g. leerplicht supervision, SWV reporting


class Category(StrEnum):
    """Data category: what consent names and what the afwegingskader weighs."""

    IDENTITEIT = "identiteit"
    SCHOOL = "school"
    VERZUIM = "verzuim"
    SCHOOLACTIES = "schoolacties"
    ONDERWIJSKUNDIG_RAPPORT = "onderwijskundig_rapport"
    WARME_ITEMS = "warme_items"
    CASUS = "casus"
    SIGNAAL = "signaal"
    AGGREGAAT = "aggregaat"


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
class FieldSpec:
    """One releasable field: a dotted name in exactly one category."""

    name: str
    category: Category
    description: str


def _specs(category: Category, **described: str) -> dict[str, FieldSpec]:
    # Keyword names use "__" for the dot, so the table below stays one line per field.
    return {
        name.replace("__", "."): FieldSpec(name.replace("__", "."), category, text) for name, text in described.items()
    }


FIELDS: Mapping[str, FieldSpec] = MappingProxyType(
    {
        **_specs(
            Category.IDENTITEIT,
            leerling__naam="naam van de leerling",
            leerling__geboortedatum="geboortedatum van de leerling",
            leerling__id="BSN of onderwijsnummer van de leerling",
        ),
        **_specs(
            Category.SCHOOL,
            school__brin="BRIN-code van de school",
            school__vestiging="vestigingsnummer",
        ),
        **_specs(
            Category.VERZUIM,
            verzuim__soort="soort verzuim (16-uursmelding, te laat, langdurig relatief, ...)",
            verzuim__periode="periode van het verzuim",
            verzuim__uren="aantal gemiste (les)uren",
            verzuim__te_laat="aantal keer te laat",
        ),
        **_specs(
            Category.SCHOOLACTIES,
            acties__school="acties die de school al ondernam (gestructureerd)",
            acties__toelichting="vrije toelichting op de acties",
        ),
        **_specs(
            Category.ONDERWIJSKUNDIG_RAPPORT,
            rapport__schooladvies="schooladvies",
            rapport__leerresultaten="leerresultaten",
            rapport__ondersteuningsbehoefte="ondersteuningsbehoefte",
            rapport__opp_aanwezig="of er een ontwikkelingsperspectiefplan (OPP) is",
            rapport__verzuim_samenvatting="samenvatting van het verzuim",
        ),
        **_specs(
            Category.CASUS,
            casus__samenvatting="samenvatting van de casus",
            casus__opp_status="status van het OPP",
            casus__verzuimhistorie="verzuimhistorie",
            casus__afspraken="gemaakte afspraken en acties",
        ),
        **_specs(
            Category.SIGNAAL,
            signaal__open_melding="er is een open melding of casus (ja/nee), zonder inhoud",
        ),
        **_specs(
            Category.AGGREGAAT,
            aggregaat__verzuimmeldingen="aantal verzuimmeldingen per soort, periode en school",
            aggregaat__thuiszitters="aantal thuiszitters per periode en school",
            aggregaat__vrijstellingen="aantal vrijstellingen per grond en periode",
            aggregaat__tijdigheid="aantal casussen met/zonder aanbod binnen drie maanden",
        ),
    }
)

# Warm-handover items are open-ended (what the sending school wants to tell), so
# they are not listed one by one: each is a field `warm.<key>` in category
# warme_items and is consented by its key (004 ch. 7: tell parents beforehand
# *what* will be shared and share only that).
WARM_PREFIX = "warm."
WARM_ITEMS = "warm.*"  # stands for "every warm item" in a purpose's field set
# Same shape as domain/overdracht.py accepts for a warm item key.
_WARM_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def is_warm_key(key: str) -> bool:
    """Whether `key` is a well-formed warm-item key (1-64 of a-z, 0-9, `_`, `-`)."""
    return _WARM_KEY.fullmatch(key) is not None


def warm_field(key: str) -> str:
    """The field name of warm item `key`, e.g. `warm.leesproblemen`."""
    if not is_warm_key(key):
        raise ValueError(f"not a warm-item key: {key!r}")
    return WARM_PREFIX + key


def warm_key(field: str) -> str | None:
    """The key of a warm-item field, or None if `field` is no warm item."""
    if field.startswith(WARM_PREFIX) and is_warm_key(key := field[len(WARM_PREFIX) :]):
        return key
    return None


def category_of(field: str) -> Category | None:
    """The category of a field name, or None for a name outside the vocabulary."""
    if field in FIELDS:
        return FIELDS[field].category
    if warm_key(field) is not None:
        return Category.WARME_ITEMS
    return None


def fields_in(*categories: Category) -> frozenset[str]:
    """Every listed field of the given categories (warm items as `warm.*`)."""
    names = {spec.name for spec in FIELDS.values() if spec.category in categories}
    if Category.WARME_ITEMS in categories:
        names.add(WARM_ITEMS)
    return frozenset(names)


def _within(field: str, allowed: frozenset[str]) -> bool:
    return field in allowed or (WARM_ITEMS in allowed and warm_key(field) is not None)


# ---------------------------------------------------------------------------
# The parts of a purpose
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """A role that may receive data under a purpose, which fields, and when it is active."""

    role: Role
    fields: frozenset[str]
    active_when: frozenset[Relation]  # any one of these makes the role active in the case
    note: str


@dataclass(frozen=True)
class ConsentRule:
    """Which part of a purpose rests on consent, and what a valid consent looks like."""

    required_for: frozenset[Category]  # empty: no consent needed
    methods: frozenset[ConsentMethod] = frozenset()
    max_validity_years: int = 0
    note: str = ""

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
            return _within(field, self.minimal_fields)
        recipient = self.recipient(role)
        return recipient is not None and _within(field, recipient.fields)

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


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------

_IDENTITEIT = fields_in(Category.IDENTITEIT)
_SCHOOL = fields_in(Category.SCHOOL)
_RAPPORT = fields_in(Category.ONDERWIJSKUNDIG_RAPPORT)
_CASUS = fields_in(Category.CASUS)
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
        ),
        Recipient(
            role=Role.SWV,
            # For an arrangement the SWV needs the support question, not the whole
            # file: 004 ch. 7 warns that schools send far more than needed.
            fields=_IDENTITEIT
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
            fields=_IDENTITEIT | _SCHOOL | _CASUS | _SIGNAAL,
            active_when=frozenset({relation}),
            note=note,
        )
        for role, relation, note in (
            (Role.LEERPLICHT, Relation.WOONGEMEENTE, "vaste deelnemer (003 §4.2)"),
            (Role.JEUGDTEAM, Relation.WOONGEMEENTE, "vaste deelnemer, ook JGZ (003 §4.2)"),
            (Role.SCHOOL, Relation.SCHOOL_VAN_INSCHRIJVING, "casusregisseur (003 §4.3)"),
            (Role.SWV, Relation.EIGEN_SWV, "voorzitter en registratie (003 §4.2)"),
        )
    ),
    consent=ConsentRule(
        required_for=frozenset({Category.IDENTITEIT, Category.SCHOOL, Category.CASUS, Category.SIGNAAL}),
        methods=_SIGNED,  # "ondertekenen ouders een toestemmingsformulier" (003 §4.3)
        max_validity_years=_ONE_SCHOOL_YEAR,
        note="ondertekend toestemmingsformulier vóór de bespreking (003 §4.3)",
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
            SWV_MONITORING,
            JEUGDHULP_AFSTEMMING,
        )
    }
)


class UnknownPurposeError(KeyError):
    """A purpose name outside the table."""


def get_purpose(name: str) -> Purpose:
    """The purpose called `name`; raises UnknownPurposeError otherwise."""
    try:
        return PURPOSES[name]
    except KeyError:
        raise UnknownPurposeError(name) from None


# ---------------------------------------------------------------------------
# Consistency and the readable table
# ---------------------------------------------------------------------------


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


def _check_all(purposes: Iterable[Purpose]) -> None:
    # Fail at import: a wrong table must never reach a disclosure.
    problems = [f"{p.name}: {msg}" for p in purposes for msg in check_purpose(p)]
    if problems:
        raise ValueError("; ".join(problems))


_check_all(PURPOSES.values())


def purposes_table() -> str:
    """The purposes as a Markdown table, in the words of domain.md, for lawyers and docs."""
    rows = ["| doel | grondslag | van → naar | minimale gegevens | toestemming | bewaartermijn |"]
    rows.append("|---|---|---|---|---|---|")
    for p in PURPOSES.values():
        senders = ", ".join(sorted(p.senders)) or "hub"
        receivers = ", ".join(r.role.value for r in p.recipients)
        fields = ", ".join(sorted(p.minimal_fields))
        consent = (
            ", ".join(sorted(p.consent.required_for)) + f" ({p.consent.note})" if p.consent.required else p.consent.note
        )
        rows.append(
            f"| `{p.name}` | {p.legal_basis} | {senders} → {receivers} | {fields} "
            f"| {consent} | {p.retention.rationale} |"
        )
    return "\n".join(rows)
