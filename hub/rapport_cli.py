"""`hub rapport thuiszitters`: the SWV's quarterly report as CSV, HTML or PDF, logged like the API's.

The operator runs it on the SWV's behalf; the access log records the SWV as the recipient and the
operator's command as the actor, exactly as a pull of the JSON would be recorded.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from adapters.errors import Refusal
from adapters.kwartaalrapport import kwartaalrapport
from adapters.ports import Requester
from domain.parties import Role, organisation_id
from hub.container import build_hub
from hub.rapport.document import document
from hub.rapport.vormen import Vorm, render
from infra.faults import fault_of
from infra.settings import Settings

rapport_app = typer.Typer(help="Reports of the chain's shared work, as documents.", no_args_is_help=True)
CLI_KEY = "operator-cli"


@rapport_app.command("thuiszitters")
def thuiszitters(
    swv: Annotated[str, typer.Option("--swv", help="The SWV's code, e.g. PO2801")],
    kwartaal: Annotated[
        str | None, typer.Option("--kwartaal", help="e.g. 2026-Q4 (default: the last quarter that has ended)")
    ] = None,
    vorm: Annotated[Vorm, typer.Option("--format", help="csv, html or pdf")] = Vorm.PDF,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (default: standard output)")] = None,
) -> None:
    """The quarterly report of an SWV's thuiszitter cases to the inspectie: counts only, small cells suppressed."""
    try:
        report = _report(swv, kwartaal)
    except Refusal as e:
        _fail(e.detail)
    except Exception as e:
        if (fault := fault_of(e)) is None:
            raise
        _fail(f"no report: {fault.value} (the hub's database or disk); nothing was written, try again later", 1)
    try:
        data = render(document(report), vorm)
    except OSError as e:  # WeasyPrint loads Pango only for a PDF
        _fail(f"no PDF: {e.__class__.__name__}; install Pango (docs/operations.md), or ask for csv or html", 1)
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        out.write_bytes(data)
        typer.echo(f"wrote {out} ({vorm.value}, {len(data):,} bytes)", err=True)


def _report(swv: str, kwartaal: str | None) -> dict[str, Any]:
    hub = build_hub(Settings())
    try:
        org = hub.persistence.party(organisation_id(Role.SWV, swv.strip().upper()))
        if org is None or org.role is not Role.SWV:
            _fail(f"no samenwerkingsverband {swv} is registered (hub org list)")
        who = Requester(org, CLI_KEY, "hub rapport thuiszitters", str(uuid.uuid4()), None)
        return kwartaalrapport(hub.persistence, who, kwartaal).body
    finally:
        hub.close()


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)
