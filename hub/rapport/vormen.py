"""The report's three forms: CSV for a spreadsheet, HTML to read, PDF to send to the inspectie."""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from hub.rapport.document import Document
from hub.rapport.grafiek import staafdiagram

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(("html", "j2")),
    trim_blocks=True,
)
GRAFIEK = "Thuiszitters met een open casus aan het eind van het kwartaal"


class Vorm(StrEnum):
    """The document forms of `hub rapport thuiszitters`."""

    CSV = "csv"
    HTML = "html"
    PDF = "pdf"


def as_csv(d: Document) -> bytes:
    """One row per figure: its table, its label, the figure (empty when suppressed) and whether it is."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["samenwerkingsverband", "kwartaal", "voorlopig", "tabel", "categorie", "aantal", "onderdrukt"])
    head = [d.swv, d.kwartaal, "ja" if d.voorlopig else "nee"]
    sections = [("Kerncijfers", d.kerncijfers), ("Thuiszitters met een open casus", d.thuis)]
    sections += [(t.titel, (*t.cellen, t.totaal)) for t in d.tabellen]
    for titel, cellen in sections:
        for c in cellen:
            writer.writerow(
                [*head, titel, c.label, "" if c.waarde is None else c.waarde, "ja" if c.waarde is None else "nee"]
            )
    return out.getvalue().encode("utf-8-sig")  # with a BOM, so that Excel reads the accents


def as_html(d: Document) -> str:
    return _TEMPLATES.get_template("kwartaalrapport.html.j2").render(d=d, grafiek=staafdiagram(d.thuis, GRAFIEK))


def as_pdf(d: Document) -> bytes:
    # Imported here: WeasyPrint needs Pango, which only rendering a PDF should require.
    from weasyprint import HTML

    pdf: bytes = HTML(string=as_html(d)).write_pdf()
    return pdf


def render(d: Document, vorm: Vorm) -> bytes:
    """The document in `vorm`, as the bytes of its file."""
    if vorm is Vorm.CSV:
        return as_csv(d)
    if vorm is Vorm.HTML:
        return as_html(d).encode("utf-8")
    return as_pdf(d)
