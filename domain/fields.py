"""The releasable fields: their categories, the field vocabulary and the warm items.

A field is a dotted name (`verzuim.uren`) in exactly one category; consent names
categories (and, for the warm handover, items), a purpose names fields. Warm items
are open-ended and are named `warm.<key>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


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
            leerling__referentie="kenmerk van de leerling in de hub (pseudoniem), voor wie het BSN niet mag hebben",
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
            # The thuiszitter case (domain/thuiszittercasus.py): each a category or a date, the
            # notes apart, so a party can be given the registration without the free text.
            casus__reden="reden van thuiszitten, uit een gesloten lijst",
            casus__thuis_sinds="datum waarop de leerling thuis kwam te zitten",
            casus__herkomst="de verzuimmelding of vorige casus waaruit de casus voortkwam",
            casus__regie="regisseur(s) van de casus met de geschiedenis en redenen van wisseling",
            casus__logboek="logboek: per actie de datum, de organisatie en de actie (gesloten lijst)",
            casus__notities="korte notities bij logboekregels, regiewisselingen en de sluiting",
            casus__klok="weken thuis, bereikt stadium en de uiterste datum voor een passend aanbod",
            casus__resultaat="status en resultaat van de casus bij sluiting (gesloten lijst)",
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


class WarmOnderwerp(StrEnum):
    """What a warm item of the warme overdracht is about: a closed list.

    Parents consent per item, so the key is told to them beforehand and named in the consent
    and in every access-log entry that releases it (004 ch. 7: "ouders van tevoren vertellen
    wat ze ... willen bespreken"). A free key would put the sensitive part itself there
    (`thuissituatie`); so the topics are neutral and school-related, and anything else is
    `overig`, with the school's own label and text sealed inside the item. Home and health
    are no topics of their own: that a school told something about them is itself sensitive.
    """

    LEREN = "leren"
    WERKHOUDING = "werkhouding"
    GEDRAG = "gedrag"
    SOCIAAL_EMOTIONEEL = "sociaal_emotioneel"
    ONDERSTEUNING = "ondersteuning"
    OVERIG = "overig"


# Each warm item is a field `warm.<onderwerp>` in category warme_items, consented by its key.
WARM_PREFIX = "warm."
WARM_ITEMS = "warm.*"  # stands for "every warm item" in a purpose's field set
_WARM_KEYS = frozenset(WarmOnderwerp)


def is_warm_key(key: str) -> bool:
    """Whether `key` is a warm-item topic of the closed list."""
    return key in _WARM_KEYS


def warm_field(key: str) -> str:
    """The field name of warm item `key`, e.g. `warm.leren`."""
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


def within(field: str, allowed: frozenset[str]) -> bool:
    """Whether `field` is in `allowed`, where `warm.*` stands for every warm item."""
    return field in allowed or (WARM_ITEMS in allowed and warm_key(field) is not None)


__all__ = [
    "FIELDS",
    "WARM_ITEMS",
    "WARM_PREFIX",
    "Category",
    "FieldSpec",
    "WarmOnderwerp",
    "category_of",
    "fields_in",
    "is_warm_key",
    "warm_field",
    "warm_key",
    "within",
]
