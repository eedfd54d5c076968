"""Operator sub-commands of `hub`: config docs, db migrate|status, retention, backup shred list."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import TypeAdapter

from hub.container import Hub, build_hub
from infra import migrate
from infra.retention import RetentionSweep, parse_moment, reapply_shreds
from infra.settings import Settings

config_app = typer.Typer(help="The hub's settings.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema (run as the owner role).", no_args_is_help=True)
retention_app = typer.Typer(help="Erase what has passed its purpose's retention.", no_args_is_help=True)
backup_app = typer.Typer(help="Backup and restore: the shred list kept beside the backups.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]

_INTRO = """# Configuration

Every setting is an environment variable with the prefix `HUB_` (or a line in a `.env` file in
the working directory). Generated from `infra/settings.py` by `hub config docs --write
docs/configuration.md`; a test fails when this file and the code disagree.

Secrets (`HUB_MASTER_KEY*`, `HUB_PEPPER_FILE`, `HUB_SIGNING_KEY_FILE`) never go into the database
or its backups: see docs/operations.md.

| variable | default | meaning |
|---|---|---|
"""


def _default(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):  # as the JSON the variable takes
        return f"`{json.dumps(TypeAdapter(Any).dump_python(value, mode='json'), separators=(',', ':'))}`"
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def configuration_markdown() -> str:
    """docs/configuration.md: one row per `Settings` field."""
    rows = [
        f"| `HUB_{name.upper()}` | {_default(field.get_default(call_default_factory=True))} "
        f"| {_cell(field.description or '')} |"
        for name, field in Settings.model_fields.items()
    ]
    return _INTRO + "\n".join(rows) + "\n"


def _emit(text: str, path: Path | None, done: str) -> None:
    """Print `text`, or write it to `path` and say `done`."""
    if path is None:
        typer.echo(text, nl=False)
        return
    path.write_text(text, encoding="utf-8")
    typer.echo(done)


@config_app.command("docs")
def config_docs(
    write: Annotated[Path | None, typer.Option(help="Write the table here instead of printing it")] = None,
) -> None:
    """Print (or write) the table of every HUB_* setting."""
    _emit(configuration_markdown(), write, f"wrote {write}")


@db_app.command("migrate")
def db_migrate() -> None:
    """Upgrade the schema to this release's head revision (a new store: create it); run as the
    owner role before the API starts, then postgres-roles.sql for the grants (docs/operations.md)."""
    settings = Settings(create_tables=True)
    build_hub(settings).close()
    typer.echo(f"schema at revision {migrate.current(settings.database_url)} (head)")


@db_app.command("status")
def db_status(
    check: Annotated[bool, typer.Option("--check", help="Exit with 1 unless the schema is at the head")] = False,
) -> None:
    """Print the store's schema revision and this release's head revision."""
    current, head = migrate.current(Settings().database_url), migrate.head()
    typer.echo(f"current: {current or 'none (run `hub db migrate`)'}\nhead:    {head}")
    if check and current != head:
        raise typer.Exit(1)


def _hub() -> Hub:
    return build_hub(Settings())


def _now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        return parse_moment(text)
    except ValueError:
        typer.secho(f"--now: not an ISO 8601 moment: {text!r}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be erased")] = False,
    now: Annotated[str | None, typer.Option(help="Judge retention as of this ISO 8601 moment")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Crypto-shred every (purpose, pupil) whose records have all passed the purpose's retention."""
    moment = _now(now)
    hub = _hub()
    try:
        erased = RetentionSweep(hub.store.db).run(moment, dry_run=dry_run)
    finally:
        hub.close()
    if as_json:
        typer.echo(
            json.dumps(
                {"dry_run": dry_run, "now": moment.isoformat(), "erased": [e.to_dict() for e in erased]}, indent=2
            )
        )
        return
    verb = "would erase" if dry_run else "erased"
    for e in erased:
        typer.echo(
            f"{verb} {e.purpose:<22} {e.subject[:16]}…  {len(e.records)} record(s), "
            f"last changed {e.last_changed}, retention ended {e.retention_ended}"
        )
    typer.echo(f"{verb} {len(erased)} data key(s)")


@backup_app.command("shred-list")
def backup_shred_list(
    out: Annotated[Path | None, typer.Option(help="Write the list here (JSON) instead of printing it")] = None,
) -> None:
    """The shred list: every destroyed key id. Keep it beside the backups, apart from them."""
    hub = _hub()
    try:
        rows = [{"key_id": k, "purpose": p, "shredded_at": t} for k, p, t in hub.store.keys.shredded_key_ids()]
    finally:
        hub.close()
    _emit(json.dumps(rows, indent=1) + "\n", out, f"wrote {len(rows)} shredded key id(s) to {out}")


@backup_app.command("reapply-shreds")
def backup_reapply_shreds(
    shred_list: Annotated[Path, typer.Argument(help="A file written by `hub backup shred-list --out`")],
    as_json: JsonFlag = False,
) -> None:
    """After a restore: destroy again every key the shred list names (a restore must not revive one)."""
    try:
        rows = json.loads(shred_list.read_text(encoding="utf-8"))
        entries = [(str(r["key_id"]), str(r["purpose"]), str(r["shredded_at"])) for r in rows]
    except (OSError, ValueError, KeyError, TypeError) as e:
        typer.secho(f"{shred_list}: not a shred list ({e})", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    hub = _hub()
    try:
        done = reapply_shreds(hub.store.db, entries)
    finally:
        hub.close()
    if as_json:
        typer.echo(
            json.dumps(
                [{"key_id": d.key_id, "purpose": d.purpose, "shredded_at": d.shredded_at} for d in done], indent=2
            )
        )
        return
    for d in done:
        typer.echo(f"destroyed again {d.key_id} ({d.purpose}, first shredded {d.shredded_at})")
    typer.echo(f"re-applied {len(done)} of {len(entries)} shred(s); the rest were already gone")
