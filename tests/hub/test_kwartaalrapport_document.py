"""The quarterly report as a document (issue 17 part 6): the PDF rendered to PNG by pdftoppm and read
back by tesseract states every figure of the report; the CSV and the HTML state the same; and
`hub rapport thuiszitters` writes them from a real store, logged like a pull.

Source: 002_9975c357e8165dd2.txt step 18 (kwartaalreportages naar de inspectie).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from consent.kwartaal import report
from domain.periods import kwartalen
from hub.cli import app as cli_app
from hub.container import build_hub
from hub.rapport.document import Document, document
from hub.rapport.vormen import Vorm, render
from infra.settings import Settings
from tests.consent.kwartaal_data import PEILDATUM, realistic_feiten
from tests.ops.helpers import env_of, hub_cli

TOOLS = ("pdftoppm", "pdftotext", "tesseract")


def needs_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run infra/deploy/ensure-test-packages.sh (make test does)")


def an_answer(per_month: int = 12, seed: int = 5) -> dict[str, Any]:
    """An answer of GET /v1/swv/kwartaalrapportages/2026-Q4 for a large SWV, its small cells hidden."""
    figures = report(realistic_feiten(per_month, seed), "2026-Q4", kwartalen("2024-Q4", "2026-Q4"))
    return {
        "samenwerkingsverband": "PO2801",
        "kwartaal": {"naam": "2026-Q4", "van": "2026-10-01", "tot": "2026-12-31", "voorlopig": False},
        "peildatum": PEILDATUM.isoformat(),
        "minimum": figures.pop("minimum"),
        "termijn_verstreken": figures.pop("termijn_verstreken"),
        **figures,
    }


def plain(text: str) -> str:
    """Lower case, single spaces, no accents: what OCR reads of `Beëindigd` may lose its diaeresis."""
    ascii_only = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(ascii_only.lower().split())


def numbers(text: str) -> Counter[str]:
    return Counter(re.findall(r"(?<![\d-])\d+(?![\d-])", text))


def stated(d: Document) -> Counter[str]:
    return Counter(str(c.waarde) for c in d.figures() if c.waarde is not None)


def test_the_pdf_read_back_from_its_pixels_states_every_figure_beside_its_label(tmp_path: Path) -> None:
    needs_tools()
    d = document(an_answer())
    assert any(c.waarde is None for c in d.figures()) and any(c.waarde for c in d.figures())
    pdf = tmp_path / "rapport.pdf"
    pdf.write_bytes(render(d, Vorm.PDF))
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), str(tmp_path / "pagina")], check=True)
    pages = sorted(tmp_path.glob("pagina-*.png"))
    assert pages
    # --psm 6 reads each page as one block, so a table row stays one line: label, then figure.
    seen = [
        plain(line)
        for p in pages
        for line in subprocess.run(
            ["tesseract", str(p), "-", "--psm", "6"], check=True, capture_output=True, text=True
        ).stdout.splitlines()
    ]
    assert any("kwartaalrapportage thuiszitters" in line for line in seen)
    missing = [c for c in d.figures() if not any(line.endswith(plain(f"{c.label} {c.tekst}")) for line in seen)]
    assert not missing, f"not on the rendered pages: {missing}"
    assert numbers(" ".join(seen)) >= stated(d)


def test_the_pdf_text_puts_each_figure_beside_its_label(tmp_path: Path) -> None:
    needs_tools()
    d = document(an_answer())
    pdf = tmp_path / "rapport.pdf"
    pdf.write_bytes(render(d, Vorm.PDF))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for cel in d.figures():
        assert any(line.endswith(f"{cel.label} {cel.tekst}") for line in lines), (cel, text[:2000])


def test_the_csv_and_the_html_state_the_same_figures() -> None:
    d = document(an_answer())
    rows = list(csv.DictReader(io.StringIO(render(d, Vorm.CSV).decode("utf-8-sig")), delimiter=";"))
    assert [(r["categorie"], r["aantal"] or None) for r in rows] == [
        (c.label, None if c.waarde is None else str(c.waarde)) for c in d.figures()
    ]
    assert {r["onderdrukt"] for r in rows if not r["aantal"]} == {"ja"}
    html = render(d, Vorm.HTML).decode()
    assert '<html lang="nl">' in html and "<svg" in html
    assert numbers(re.sub(r"<[^>]+>", " ", html)) >= stated(d)


def test_a_small_swv_gets_a_readable_report_whatever_is_hidden() -> None:
    d = document(an_answer(per_month=1, seed=3))
    html = render(d, Vorm.HTML).decode()
    assert "x = onderdrukt" in html and d.uitleg.startswith("x = onderdrukt: een aantal van 1 tot en met 4")


def test_hub_rapport_writes_the_report_from_the_store_and_logs_it(settings: Settings, tmp_path: Path) -> None:
    needs_tools()
    hub_cli(settings, "org", "add", "--role", "swv", "--code", "PO2801", "--name", "SWV Zaanstreek PO")
    for vorm in ("csv", "html", "pdf"):
        out = tmp_path / f"rapport.{vorm}"
        hub_cli(
            settings,
            "rapport",
            "thuiszitters",
            "--swv",
            "PO2801",
            "--kwartaal",
            "2026-Q4",
            "--format",
            vorm,
            "--out",
            str(out),
        )
        assert out.stat().st_size > 0
    assert (tmp_path / "rapport.pdf").read_bytes().startswith(b"%PDF")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "rapport.csv").read_text("utf-8-sig")), delimiter=";"))
    assert {r["kwartaal"] for r in rows} == {"2026-Q4"} and rows[0]["aantal"] == "0"
    hub = build_hub(settings)
    try:
        logged = [json.loads(e.body) for e in hub.persistence.access_log.entries(0)]
    finally:
        hub.close()
    assert [(e["action"], e["org_id"], e["purpose"], e["actor"]) for e in logged] == [
        ("disclose", "swv:PO2801", "swv-monitoring", "hub rapport thuiszitters")
    ] * 3


def test_hub_rapport_refuses_an_unknown_swv_and_a_month_in_one_line(settings: Settings) -> None:
    def refused(*args: str) -> str:
        result = CliRunner().invoke(cli_app, ["rapport", "thuiszitters", *args], env=env_of(settings))
        assert (result.exit_code == 2 and result.exception is None) or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1, result.output
        return result.output

    assert "PO9999" in refused("--swv", "PO9999", "--format", "csv")
    hub_cli(settings, "org", "add", "--role", "swv", "--code", "PO2801", "--name", "SWV Zaanstreek PO")
    assert "quarter" in refused("--swv", "PO2801", "--kwartaal", "2026-11")


def test_hub_rapport_with_the_database_gone_says_so_in_one_line(tmp_path: Path) -> None:
    """A dependency fault is no traceback: one line, exit 1, no file written."""
    from infra.pgcluster import free_port

    out = tmp_path / "rapport.csv"
    env = {"HUB_DATABASE_URL": f"postgresql://hub@127.0.0.1:{free_port()}/hub", "HUB_VAR_DIR": str(tmp_path / "var")}
    args = ["rapport", "thuiszitters", "--swv", "PO2801", "--format", "csv", "--out", str(out)]
    result = CliRunner().invoke(cli_app, args, env=env)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "database_onbereikbaar" in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists()
