"""infra/deploy/postgres-roles.sql on the suite's real PostgreSQL: the API role appends, never rewrites."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from domain.parties import Role
from hub.app import create_app
from hub.container import Hub, build_hub
from infra.pgcluster import Cluster
from infra.settings import Settings
from tests.conftest import make_settings
from tests.hub.helpers import melding_body, new_bsn
from tests.ops.helpers import ROLES_SQL, apply_roles, hub_cli, signed_client

pytestmark = pytest.mark.postgres


# What the API role must never do, each with the permission error PostgreSQL gives.
REWRITES = [
    "UPDATE hub_access_log SET subject = NULL",
    "DELETE FROM hub_access_log",
    "TRUNCATE hub_access_log",
    "UPDATE hub_tree_heads SET key_id = 'x'",
    "DELETE FROM hub_tree_heads",
    "UPDATE hub_events SET topic = topic",
    "DELETE FROM hub_events",
    "TRUNCATE hub_events",
    "UPDATE hub_snapshots SET topic = topic",
    "DELETE FROM hub_snapshots",
    "UPDATE hub_data_keys SET wrapped = wrapped",
    "DELETE FROM hub_data_keys",
    "DELETE FROM hub_shredded",
    "INSERT INTO hub_shredded (key_id, purpose, subject, shredded_at, reason) VALUES ('k', 'p', 's', 't', 'r')",
    "DELETE FROM hub_directory",
    "UPDATE hub_org_keys SET revoked_at = NULL",
    "INSERT INTO hub_orgs (org_id, role, name, code, created_at) VALUES ('school:X', 'school', 'x', 'x', 't')",
    "CREATE TABLE hub_extra (id int)",
    "ALTER TABLE hub_access_log DISABLE TRIGGER ALL",
    "DROP TRIGGER hub_events_append_only ON hub_events",
]


@dataclass
class RolesDb:
    """A hub database set up the production way: roles, migrated by the owner, granted."""

    cluster: Cluster
    admin_url: str
    var: Path

    def url(self, role: str) -> str:
        return self.admin_url.replace("postgres@", f"{role}@", 1)

    def settings(self, role: str, **overrides: object) -> Settings:
        return make_settings(self.url(role), self.var).model_copy(update=overrides)


@pytest.fixture(scope="module")
def roles_db(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> RolesDb:
    db = RolesDb(pg_cluster, pg_cluster.new_database(), tmp_path_factory.mktemp("roles") / "var")
    apply_roles(db.admin_url)  # roles and the schema's owner
    hub_cli(db.settings("ketenhub_owner"), "db", "migrate")  # the tables, as the owner
    apply_roles(db.admin_url)  # the grants on them
    apply_roles(db.admin_url)  # and it may run again
    return db


@pytest.fixture(scope="module")
def owner(roles_db: RolesDb) -> Iterator[Hub]:
    h = build_hub(roles_db.settings("ketenhub_owner"))
    yield h
    h.close()


@pytest.fixture(scope="module")
def api(roles_db: RolesDb) -> Iterator[Hub]:
    h = build_hub(roles_db.settings("ketenhub_api", create_tables=False, create_secrets=False))
    yield h
    h.close()


def _count(conn: psycopg.Connection, table: str) -> int:
    row = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture(scope="module")
def history(owner: Hub, api: Hub) -> dict[str, int]:
    """The hub's normal work through the app, connected as the API role; the statuses it got."""
    app = create_app(api)
    school = signed_client(owner, app, Role.SCHOOL, "12AB00")  # parties are registered by the operator
    leerplicht = signed_client(owner, app, Role.LEERPLICHT, "GM0479")
    pushed = school.post(
        "/v1/verzuimmeldingen", json=melding_body(new_bsn()), headers={"Idempotency-Key": "roles-0001"}
    )
    mid = pushed.json().get("id")
    replayed = school.post("/v1/verzuimmeldingen", json=melding_body(), headers={"Idempotency-Key": "roles-0002"})
    return {
        "push": pushed.status_code,
        "second push": replayed.status_code,
        "correction": school.post(f"/v1/verzuimmeldingen/{mid}/correcties", json={"uren": 20}).status_code,
        "leerplicht action": leerplicht.post(f"/v1/verzuimmeldingen/{mid}/acties", json={"route": "halt"}).status_code,
        "status": school.get(f"/v1/verzuimmeldingen/{mid}").status_code,
        "log size": api.persistence.access_log.size(),
    }


def test_the_api_role_runs_the_api(history: dict[str, int]) -> None:
    assert history == {
        "push": 201,
        "second push": 201,
        "correction": 200,
        "leerplicht action": 201,
        "status": 200,
        "log size": history["log size"],
    }
    assert history["log size"] >= 4


@pytest.mark.parametrize("statement", REWRITES)
def test_the_api_role_cannot_rewrite_history(roles_db: RolesDb, history: dict[str, int], statement: str) -> None:
    with psycopg.connect(roles_db.url("ketenhub_owner"), autocommit=True) as conn:
        before = {t: _count(conn, t) for t in ("hub_access_log", "hub_events", "hub_data_keys")}
    assert all(before.values())
    with (
        psycopg.connect(roles_db.url("ketenhub_api"), autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(statement)
    with psycopg.connect(roles_db.url("ketenhub_owner"), autocommit=True) as conn:
        assert {t: _count(conn, t) for t in before} == before


def test_the_auditor_reads_the_log_and_nothing_else(roles_db: RolesDb) -> None:
    with psycopg.connect(roles_db.url("ketenhub_auditor"), autocommit=True) as conn:
        for table in ("hub_access_log", "hub_tree_heads", "hub_access_state", "hub_orgs", "hub_shredded"):
            _count(conn, table)
        for statement in (
            "SELECT COUNT(*) FROM hub_events",
            "SELECT COUNT(*) FROM hub_data_keys",
            "SELECT COUNT(*) FROM hub_directory",
            "DELETE FROM hub_access_log",
            "INSERT INTO hub_tree_heads (size, root, signed_at, key_id, signature) VALUES (0, '', '', '', '')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_operator_commands_run_as_the_owner(roles_db: RolesDb, owner: Hub) -> None:
    settings = roles_db.settings("ketenhub_owner")
    hub_cli(settings, "keys", "rotate", "--purpose", "verzuimmelding")
    hub_cli(settings, "retention", "run", "--now", "2099-01-01T00:00:00Z")
    hub_cli(settings, "backup", "shred-list")


def test_every_hub_table_is_named_in_the_grants(roles_db: RolesDb) -> None:
    with psycopg.connect(roles_db.admin_url, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").fetchall()
        ]
    named = set(re.findall(r"'(hub_[a-z_]+)'", ROLES_SQL))
    assert tables and not set(tables) - named, f"decide the grants of {sorted(set(tables) - named)}"
