"""Running `hub` sub-commands against a test store, and signed clients on any hub."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
from fastapi.testclient import TestClient
from nacl.signing import SigningKey
from typer.testing import CliRunner, Result

from domain.parties import Organisation, Role, organisation_id
from hub.cli import app as cli_app
from hub.client import SignatureAuth
from hub.container import Hub
from infra.settings import Settings

ROLES_SQL = (Path(__file__).parents[2] / "infra" / "deploy" / "postgres-roles.sql").read_text(encoding="utf-8")


def apply_roles(admin_url: str) -> None:
    """Run infra/deploy/postgres-roles.sql as the superuser, as an operator would with psql."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(ROLES_SQL)


def env_of(settings: Settings, **extra: str) -> dict[str, str]:
    """The HUB_* environment that names the same store as `settings`."""
    return {
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_VAR_DIR": str(settings.var_dir),
        "HUB_MASTER_KEY_FILE": str(settings.master_key_file),
        "HUB_PEPPER_FILE": str(settings.pepper_file),
        "HUB_SIGNING_KEY_FILE": str(settings.signing_key_file),
        **extra,
    }


def hub_cli(settings: Settings, *args: str, **extra: str) -> Result:
    """`hub <args>` with the environment of `settings`; fails the test on a non-zero exit."""
    result = CliRunner().invoke(cli_app, list(args), env=env_of(settings, **extra))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def signed_client(registry: Hub, app, role: Role, code: str, gemeente: str | None = None) -> TestClient:
    """Register a party in `registry` (run as a role that may) and sign requests to `app` as it."""
    org = Organisation(organisation_id(role, code), role, f"{role.value} {code}", code, gemeente)
    registry.orgs.add(org)
    return client_of(registry, app, org.org_id)


def client_of(registry: Hub, app, org_id: str) -> TestClient:
    """A signed client for a registered party, with a key of its own added to `registry`."""
    seed = os.urandom(32)
    key_id = f"{org_id}#{os.urandom(4).hex()}"
    registry.orgs.add_key(org_id, key_id, SigningKey(seed).verify_key.encode())
    client = TestClient(app, raise_server_exceptions=False)
    client.auth = SignatureAuth(key_id, seed)
    return client
