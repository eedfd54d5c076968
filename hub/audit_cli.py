"""`hub audit`: verify, replay, export, check-export, inzage and sign-head for auditors and operators."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from nacl.signing import VerifyKey

from adapters import audit
from adapters.errors import Invalid
from audit.export import check_export
from audit.inzage import InzageRefused, render
from audit.verify import VerifyReport
from domain.errors import DomainError
from domain.identifiers import PupilIdKind, parse_pupil_id
from hub.container import Hub, build_hub
from infra.settings import Settings

audit_app = typer.Typer(help="Verify, replay, export and query the access log.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text")]
_PROGRESS_FROM = 20_000  # logs shorter than this verify too fast to need progress


def _hub() -> Hub:
    return build_hub(Settings())


def _keys(hub: Hub) -> dict[str, VerifyKey]:
    return {hub.signing_key_id: hub.signing_key.verify_key}


def _progress(total: int, what: str) -> Callable[[int], None] | None:
    if total < _PROGRESS_FROM:
        return None

    def show(done: int) -> None:
        typer.echo(f"\r{what}: {done:,}/{total:,} entries", err=True, nl=False)
        if done >= total:
            typer.echo("", err=True)

    return show


def _print_verify(report: VerifyReport, size: int, as_json: bool) -> None:
    failure = report.failure
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "entries": size,
                    "entries_checked": report.entries_checked,
                    "heads_checked": report.heads_checked,
                    "failure": None
                    if failure is None
                    else {"kind": failure.kind.value, "seq": failure.seq, "detail": failure.detail},
                },
                indent=2,
            )
        )
    elif failure is None:
        typer.echo(f"intact: {report.entries_checked} entries, {report.heads_checked} signed tree heads verified")
    else:
        where = "a tree head" if failure.seq is None else f"entry {failure.seq}"
        typer.echo(f"NOT INTACT at {where} ({failure.kind.value}): {failure.detail}")


@audit_app.command()
def verify(as_json: JsonFlag = False) -> None:
    """Check the hash chain, the Merkle tree and every signed tree head; exit 1 at the first failure."""
    hub = _hub()
    try:
        log = hub.persistence.access_log
        size = log.size()
        report = audit.verify(log, _keys(hub), _progress(size, "verify"))
        if report.ok:
            log.record_verified(report.entries_checked)
    finally:
        hub.close()
    _print_verify(report, size, as_json)
    raise typer.Exit(0 if report.ok else 1)


@audit_app.command()
def replay(as_json: JsonFlag = False) -> None:
    """Re-decide every disclosure with the consent and record of its moment; exit 1 when any was not allowed."""
    hub = _hub()
    try:
        log = hub.persistence.access_log
        report = audit.replay(hub.persistence, log, hub.orgs.get, hub.signing_key_id, _progress(log.size(), "replay"))
    finally:
        hub.close()
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo(f"{report.disclosures} disclosures replayed, {len(report.findings)} not allowed as logged")
        for f in report.findings:
            typer.echo(f"- {f.verdict.value}: {f.detail}")
    raise typer.Exit(0 if report.ok else 1)


@audit_app.command()
def export(
    start: Annotated[int, typer.Option("--from", min=0, help="First entry (seq)")] = 0,
    stop: Annotated[
        int | None, typer.Option("--to", min=0, help="Entry after the last (default: the log's end)")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout")] = None,
) -> None:
    """JSON Lines of entries --from..--to-1 with the signed heads and proofs to check them offline."""
    hub = _hub()
    try:
        log = hub.persistence.access_log
        end = log.size() if stop is None else stop
        try:
            lines = audit.export(
                log, _keys(hub), start, end, lambda: log.sign_head(hub.signing_key, hub.signing_key_id)
            )
            text = "".join(line + "\n" for line in lines)
        except Invalid as e:
            typer.secho(e.detail, fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from None
    finally:
        hub.close()
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"exported entries {start}..{end - 1} to {out}", err=True)


@audit_app.command("check-export")
def check_export_command(
    file: Annotated[Path, typer.Argument(help="An export made by `hub audit export`", exists=True, dir_okay=False)],
    key: Annotated[
        list[str] | None,
        typer.Option(help="Trusted hub key as key_id=base64 (repeatable); default: the keys named in the export"),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check an export offline (no database needed): chain, signatures, inclusion, consistency."""
    trusted = None
    if key:
        trusted = {}
        for item in key:
            kid, _, raw = item.partition("=")
            trusted[kid] = VerifyKey(base64.b64decode(raw))
    with file.open(encoding="utf-8") as f:
        result = check_export(f, trusted)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    elif result.ok:
        typer.echo(f"intact: {result.entries} entries, {result.heads} signed tree heads")
    else:
        typer.echo(f"NOT INTACT: {result.detail}")
    raise typer.Exit(0 if result.ok else 1)


@audit_app.command()
def inzage(
    pupil: Annotated[str, typer.Option("--pupil", help="The pupil's BSN or onderwijsnummer")],
    kind: Annotated[PupilIdKind | None, typer.Option("--kind", help="bsn or onderwijsnummer (default: detect)")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The AVG art. 15 report: who saw (or tried to see) which categories of this pupil's data, when, why and on
    which basis. Built in one verify pass over the whole log; exit 1, and no report, when the log is not intact."""
    try:
        pupil_id = parse_pupil_id(pupil, kind)
    except DomainError as e:
        # Never echo the number itself.
        typer.secho(f"not a valid pupil number: {e}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    hub = _hub()
    try:
        subject = hub.store.pseudonyms.of(pupil_id.kind.value, pupil_id.value)
        names = {org.org_id: org.name for org, _keys in hub.orgs.list()}
        lines = audit.inzage(hub.persistence.access_log, _keys(hub), subject, names)
    except InzageRefused as e:
        where = "a tree head" if e.seq is None else f"entry {e.seq}"
        typer.secho(
            f"no inzage: the access log is not intact at {where}; run `hub audit verify`", fg=typer.colors.RED, err=True
        )
        raise typer.Exit(1) from None
    finally:
        hub.close()
    if as_json:
        typer.echo(json.dumps({"regels": [line.to_dict() for line in lines]}, indent=2, ensure_ascii=False))
    else:
        typer.echo(render(lines), nl=False)


@audit_app.command("sign-head")
def sign_head(as_json: JsonFlag = False) -> None:
    """Sign a tree head over the log as it is now (run it from a timer for heads at intervals)."""
    hub = _hub()
    try:
        head = hub.persistence.access_log.sign_head(hub.signing_key, hub.signing_key_id)
    finally:
        hub.close()
    typer.echo(json.dumps(head.to_json()) if as_json else f"signed tree head {head.size} at {head.timestamp}")
