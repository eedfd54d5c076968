"""The quarterly report as a reader sees it: titled tables of labelled figures, one model for every form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.rapport import labels

ONDERDRUKT = "x"
UITLEG_ONDERDRUKT = (
    "x = onderdrukt: een aantal van 1 tot en met {minimum}, of een aantal waaruit zo'n klein aantal "
    "af te leiden zou zijn (ook over kwartalen heen). Een 0 betekent: geen casussen."
)


@dataclass(frozen=True)
class Cel:
    """One labelled figure; None when suppressed."""

    label: str
    waarde: int | None

    @property
    def tekst(self) -> str:
        return ONDERDRUKT if self.waarde is None else str(self.waarde)


@dataclass(frozen=True)
class Tabel:
    """One breakdown with its total."""

    titel: str
    cellen: tuple[Cel, ...]
    totaal: Cel


@dataclass(frozen=True)
class Document:
    """Everything the CSV, HTML and PDF state, in the order they state it."""

    swv: str
    kwartaal: str
    van: str
    tot: str
    voorlopig: bool
    peildatum: str
    uitleg: str
    kerncijfers: tuple[Cel, ...]
    thuis: tuple[Cel, ...]  # the cases open at the end of the quarter and of the four before it
    tabellen: tuple[Tabel, ...]

    def figures(self) -> list[Cel]:
        """Every figure the document states, each once, in reading order."""
        cells = [*self.kerncijfers, *self.thuis]
        for tabel in self.tabellen:
            cells += [*tabel.cellen, tabel.totaal]
        return cells


def document(report: Mapping[str, Any]) -> Document:
    """The document of one answer of `GET /v1/swv/kwartaalrapportages/{kwartaal}`."""
    kwartaal = report["kwartaal"]
    nieuw, beeindigd = report["nieuw"], report["beeindigd"]
    return Document(
        swv=report["samenwerkingsverband"],
        kwartaal=kwartaal["naam"],
        van=kwartaal["van"],
        tot=kwartaal["tot"],
        voorlopig=kwartaal["voorlopig"],
        peildatum=report["peildatum"],
        uitleg=UITLEG_ONDERDRUKT.format(minimum=report["minimum"] - 1),
        kerncijfers=(
            Cel("Nieuwe casussen", nieuw["totaal"]),
            Cel("Beëindigde casussen", beeindigd["totaal"]),
            Cel("Termijn passend aanbod verstreken terwijl de casus open was", report["termijn_verstreken"]),
        ),
        thuis=tuple(Cel(labels.kwartaaleinde(q), v) for q, v in report["thuis_aan_het_eind_van"].items()),
        tabellen=tuple(_tabel(titel, report[groep][naam], names) for groep, naam, titel, names in labels.TABELLEN),
    )


def _tabel(titel: str, table: Mapping[str, Any], names: Mapping[str, str] | None) -> Tabel:
    cellen = tuple(Cel(names[k] if names else k[:1].upper() + k[1:], v) for k, v in table["aantallen"].items())
    return Tabel(titel, cellen, Cel("Totaal", table["totaal"]))
