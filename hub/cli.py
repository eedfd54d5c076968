"""`hub`: the one command for operators and auditors."""

from __future__ import annotations

import base64
import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn, TypedDict

import typer
from nacl.signing import SigningKey

from domain.parties import InvalidParty, Organisation, Role, organisation_id, validate_code
from hub import ops_cli
from hub.audit_cli import audit_app
from hub.bench import bench_app
from hub.container import Hub, build_hub
from hub.rapport_cli import rapport_app
from infra.keystore import KeyStoreError
from infra.orgs import RegistryError
from infra.retention import shred_logged
from infra.sealing import KEY_BYTES
from infra.secretfiles import SecretMissing, read_or_create
from infra.settings import Settings, SettingsError

app = typer.Typer(help="Ketenhub: the hub's operator and auditor commands.", no_args_is_help=True)
org_app = typer.Typer(help="Register parties and their keys.", no_args_is_help=True)
keys_app = typer.Typer(help="Rotate and shred encryption keys.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(keys_app, name="keys")
app.add_typer(ops_cli.config_app, name="config")
app.add_typer(bench_app, name="bench")
app.add_typer(audit_app, name="audit")
app.add_typer(ops_cli.db_app, name="db")
app.add_typer(ops_cli.retention_app, name="retention")
app.add_typer(ops_cli.backup_app, name="backup")
app.add_typer(rapport_app, name="rapport")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]


def _hub() -> Hub:
    return build_hub(Settings())


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs)."""
    from hub.server import run_server

    settings = Settings()
    try:
        build_hub(settings).close()  # create the store and secrets before workers fork
    except (SecretMissing, KeyStoreError) as e:  # a lost or wrong key: one sentence, no traceback
        _fail(str(e))
    run_server(settings, host or settings.host, port or settings.port, workers)


@org_app.command("add")
def org_add(
    role: Annotated[Role, typer.Option(help="school, swv, leerplicht, jeugdteam or auditor")],
    code: Annotated[str, typer.Option(help="BRIN+vestiging, SWV code, GMnnnn or an organisation code")],
    name: Annotated[str, typer.Option(help="Display name")],
    gemeente: Annotated[str | None, typer.Option(help="CBS gemeentecode the party works in")] = None,
    public_key: Annotated[str | None, typer.Option(help="Ed25519 public key, base64")] = None,
    key_out: Annotated[Path | None, typer.Option(help="Generate a key pair; write the seed here (0600)")] = None,
    swv: Annotated[str | None, typer.Option(help="A school's SWV, e.g. swv:PO2801 (registered before)")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Register an organisation, optionally with its first key and (a school) its SWV."""
    try:
        validate_code(role, code, gemeente)
    except InvalidParty as e:
        _fail(str(e))
    org = Organisation(organisation_id(role, code), role, name, code, gemeente)
    _check_key_input(public_key, key_out)  # before anything is registered: no half registration
    hub = _hub()
    try:
        if swv is not None:
            _check_swv(hub, role, swv)
        hub.orgs.add(org)
        if swv is not None:
            hub.orgs.join_swv(org.org_id, swv)
        key_id = _add_key(hub, org.org_id, public_key, key_out)
    except RegistryError as e:
        _fail(str(e))
    finally:
        hub.close()
    result = {"organisatie": org.org_id, "rol": role.value, "sleutel": key_id}
    typer.echo(json.dumps(result) if as_json else f"registered {org.org_id} ({role.value}) key={key_id}")


def _check_swv(hub: Hub, role: Role, swv: str) -> None:
    found = hub.orgs.get(swv)
    if role is not Role.SCHOOL:
        raise RegistryError("only a school belongs to an SWV")
    if found is None or found.role is not Role.SWV:
        raise RegistryError(f"{swv} is not a registered SWV")


@org_app.command("swv-add")
def org_swv_add(
    school: Annotated[str, typer.Argument(help="e.g. school:12AB00")],
    swv: Annotated[str, typer.Argument(help="e.g. swv:PO2801")],
) -> None:
    """Place a school in an SWV (moving it from an earlier one): the SWV is then involved with
    the school's pupils and counts them in its monitoring."""
    hub = _hub()
    try:
        hub.orgs.join_swv(school, swv)
    except RegistryError as e:
        _fail(str(e))
    finally:
        hub.close()
    typer.echo(f"{school} is in {swv}")


@org_app.command("swv-remove")
def org_swv_remove(school: Annotated[str, typer.Argument(help="e.g. school:12AB00")]) -> None:
    """Take a school out of its SWV: from now on the SWV is no longer involved through it."""
    hub = _hub()
    try:
        left = hub.orgs.leave_swv(school)
    except RegistryError as e:
        _fail(str(e))
    finally:
        hub.close()
    typer.echo(f"{school} left {left}")


def _check_key_input(public_key: str | None, key_out: Path | None) -> None:
    """One line, and nothing registered, for a key that cannot be used or a seed file that exists."""
    if public_key is not None and key_out is not None:
        _fail("give --public-key or --key-out, not both")
    if key_out is not None and key_out.exists():
        _fail(f"{key_out} exists already; the hub never overwrites a key file: choose another path")
    if public_key is not None:
        try:
            raw = base64.b64decode(public_key, validate=True)
        except ValueError:
            _fail("--public-key is not base64")
        if len(raw) != 32:
            _fail(f"--public-key: an Ed25519 public key is 32 bytes, this is {len(raw)}")


def _add_key(hub: Hub, org_id: str, public_key: str | None, key_out: Path | None) -> str | None:
    if public_key is None and key_out is None:
        return None
    if public_key is not None:
        raw = base64.b64decode(public_key)
    else:
        assert key_out is not None
        seed = os.urandom(32)
        key_out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(seed)
        raw = SigningKey(seed).verify_key.encode()
    existing = [k for o, keys in hub.orgs.list() if o.org_id == org_id for k in keys]
    key_id = f"{org_id}#{len(existing) + 1}"
    hub.orgs.add_key(org_id, key_id, raw)
    return key_id


@org_app.command("add-key")
def org_add_key(
    org_id: Annotated[str, typer.Argument(help="e.g. school:12AB00")],
    public_key: Annotated[str | None, typer.Option(help="Ed25519 public key, base64")] = None,
    key_out: Annotated[Path | None, typer.Option(help="Generate a key pair; write the seed here")] = None,
) -> None:
    """Add another key to an organisation (key rollover)."""
    _check_key_input(public_key, key_out)
    hub = _hub()
    try:
        key_id = _add_key(hub, org_id, public_key, key_out)
    except RegistryError as e:
        _fail(str(e))
    finally:
        hub.close()
    typer.echo(f"added {key_id}")


class _KeyRow(TypedDict):
    id: str
    ingetrokken: str | None


class _OrgRow(TypedDict):
    organisatie: str
    rol: str
    naam: str
    gemeente: str | None
    swv: str | None
    sleutels: list[_KeyRow]


@org_app.command("list")
def org_list(as_json: JsonFlag = False) -> None:
    """List organisations and their keys."""
    hub = _hub()
    try:
        swv_of = hub.orgs.swv_of()
        rows: list[_OrgRow] = [
            {
                "organisatie": o.org_id,
                "rol": o.role.value,
                "naam": o.name,
                "gemeente": o.gemeente,
                "swv": swv_of.get(o.org_id),
                "sleutels": [{"id": k.key_id, "ingetrokken": k.revoked_at} for k in keys],
            }
            for o, keys in hub.orgs.list()
        ]
    finally:
        hub.close()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        keys = ", ".join(k["id"] + (" (revoked)" if k["ingetrokken"] else "") for k in r["sleutels"])
        typer.echo(f"{r['organisatie']:<28} {r['rol']:<11} {r['naam']:<30} {r['swv'] or '-':<14} {keys}")


@org_app.command("revoke-key")
def org_revoke_key(key_id: Annotated[str, typer.Argument(help="e.g. school:12AB00#1")]) -> None:
    """Revoke a key: every later request signed with it gets 401."""
    hub = _hub()
    try:
        hub.orgs.revoke_key(key_id)
    except RegistryError as e:
        _fail(str(e))
    finally:
        hub.close()
    typer.echo(f"revoked {key_id}")


class ShredReason(StrEnum):
    """Why an operator erases: a category, never free text, because the shred list is stored in
    plaintext and a typed reason tends to name people (AVG art. 17 lid 1)."""

    REQUEST = "verzoek-betrokkene"  # the parent or pupil asked for erasure (a)
    UNLAWFUL = "onrechtmatig-verwerkt"  # the data should never have been processed (d)
    NO_LONGER_NEEDED = "niet-meer-nodig"  # the purpose is served before its retention ended (a)
    LEGAL_OBLIGATION = "wettelijke-plicht"  # a court or the law requires it (e)


@keys_app.command("shred")
def keys_shred(
    purpose: Annotated[str, typer.Option(help="The purpose whose key to destroy")],
    pupil: Annotated[str | None, typer.Option(help="BSN or onderwijsnummer; omit to shred the whole purpose")] = None,
    reason: Annotated[
        ShredReason, typer.Option(help="Why, as a category (kept in the shred list)")
    ] = ShredReason.REQUEST,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
) -> None:
    """Crypto-shred: destroy the data key(s); the records become unreadable for good."""
    if pupil is None and not yes:
        typer.confirm(f"Destroy every key of purpose {purpose}?", abort=True)
    hub = _hub()
    try:
        subject = None if pupil is None else hub.store.pseudonyms.of(_id_kind(pupil), pupil)
        count = shred_logged(hub.store.keys, hub.persistence.access_log, purpose, subject, reason.value)
    finally:
        hub.close()
    typer.echo(f"shredded {count} data key(s) of purpose {purpose}")


def _id_kind(pupil: str) -> str:
    # Onderwijsnummers start with 10 and fail the BSN elfproef; see domain/identifiers.py.
    from domain.identifiers import parse_pupil_id

    return parse_pupil_id(pupil).kind


@keys_app.command("rotate")
def keys_rotate(purpose: Annotated[str, typer.Option(help="The purpose whose key to rotate")]) -> None:
    """New purpose key; every data key re-wrapped under it; no event is touched."""
    hub = _hub()
    try:
        count = hub.store.keys.rotate(purpose)
    finally:
        hub.close()
    typer.echo(f"rotated purpose key of {purpose}: {count} data key(s) re-wrapped")


@keys_app.command("rotate-master")
def keys_rotate_master(
    new_key_file: Annotated[
        Path, typer.Option(help="The new master key: read if it exists (32 bytes), else made here with mode 0600")
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
) -> None:
    """Re-wrap every purpose key under a new master key; no data key or event is touched.
    Stop every hub process first; start them again with the new key."""
    if not yes:
        typer.confirm("Every hub process on this store is stopped?", abort=True)
    try:
        new_master = read_or_create(new_key_file, KEY_BYTES, create=True)
        hub = build_hub(Settings())
    except SecretMissing as e:
        _fail(str(e))
    except KeyStoreError as e:  # MasterKeyMismatch: most likely this store was rotated already
        _fail(f"{e}. Already rotated? Then HUB_MASTER_KEY_FILE must name the new key.")
    try:
        count = hub.store.keys.rotate_master(new_master)
    except KeyStoreError as e:
        _fail(str(e))
    finally:
        hub.close()
    typer.echo(
        f"re-wrapped {count} purpose key(s) under the master key in {new_key_file}. Next: make it the "
        "file HUB_MASTER_KEY_FILE names (keep the old key: dumps from before open only with it), deposit "
        "it, start the hub, take new dumps. After a leak, also rotate every purpose key "
        "(docs/operations.md, Key rotation)."
    )


@app.command()
def demo(
    var: Annotated[Path | None, typer.Option(help="Keep the demo hub's state here (default: a temp dir)")] = None,
) -> None:
    """Play the whole chain against a fresh local hub, through signed HTTP, and explain each step."""
    from hub import demo as scenario

    scenario.main(var)


def main() -> None:
    try:
        app()
    except SettingsError as e:  # a bad HUB_* value: one line per variable, no traceback
        typer.secho(str(e), fg=typer.colors.RED, err=True)
        raise SystemExit(2) from None
