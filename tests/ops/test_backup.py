"""Restoring an older key backup must not revive a shredded key: the shred list is re-applied."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from audit.entries import AccessEntry, Action
from domain.parties import Role
from hub.app import create_app
from hub.container import Hub, build_hub
from infra.pgcluster import Cluster
from tests.conftest import make_settings
from tests.hub.helpers import melding_body, new_bsn
from tests.ops.helpers import apply_roles, client_of, hub_cli, signed_client

KEY_TABLES = ("hub_data_keys", "hub_purpose_keys")  # the wrapped keys: dumped apart from the data


def _pg(cluster: Cluster, tool: str, *args: str) -> None:
    subprocess.run([str(cluster.bindir / tool), *args], check=True, capture_output=True, timeout=120)


def _status(school, record_id: str) -> int:
    return school.get(f"/v1/verzuimmeldingen/{record_id}").status_code


def test_reapplied_shred_list_erases_what_a_restore_brought_back(hub: Hub, settings, register, tmp_path: Path) -> None:
    register(Role.LEERPLICHT, "GM0479")
    school = register(Role.SCHOOL, "12AB00").client
    erased_bsn = new_bsn()
    erased, kept = (
        school.post("/v1/verzuimmeldingen", json=melding_body(b)).json()["id"] for b in (erased_bsn, new_bsn())
    )
    subject = hub.store.pseudonyms.of("bsn", erased_bsn)
    with hub.store.db.transaction(write=False) as tx:  # the nightly key backup, taken before the shred
        backup = tx.execute(
            "SELECT key_id, purpose, subject, kek_version, wrapped, created_at FROM hub_data_keys WHERE subject = ?",
            (subject,),
        ).all()

    hub_cli(settings, "keys", "shred", "--purpose", "verzuimmelding", "--pupil", erased_bsn)
    shred_list = tmp_path / "shred-list.json"
    hub_cli(settings, "backup", "shred-list", "--out", str(shred_list))
    assert [r["key_id"] for r in json.loads(shred_list.read_text())] == [backup[0][0]]
    assert _status(school, erased) == 410

    with hub.store.db.transaction() as tx:  # restore the old key table: the key and no shred record
        tx.execute("DELETE FROM hub_shredded")
        for row in backup:
            tx.execute(
                "INSERT INTO hub_data_keys (key_id, purpose, subject, kek_version, wrapped, created_at)"
                " VALUES (?,?,?,?,?,?)",
                row,
            )
    assert _status(school, erased) == 200  # what the shred list is for

    out = json.loads(hub_cli(settings, "backup", "reapply-shreds", str(shred_list), "--json").output)
    assert [d["key_id"] for d in out] == [backup[0][0]]
    assert (_status(school, erased), _status(school, kept)) == (410, 200)
    entries = [AccessEntry.from_body(e.body) for e in hub.persistence.access_log.entries()]
    # One entry for the operator's shred, one for its re-application after the restore.
    assert [(e.action, e.subject) for e in entries if e.action is Action.ERASE] == [(Action.ERASE, subject)] * 2
    assert [k for k, _p, _t in hub.store.keys.shredded_key_ids()] == [backup[0][0]]

    again = hub_cli(settings, "backup", "reapply-shreds", str(shred_list))
    assert "re-applied 0 of 1" in again.output


def test_not_a_shred_list_is_a_usage_error(settings, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hub.cli import app
    from tests.ops.helpers import env_of

    bad = tmp_path / "list.json"
    bad.write_text('[{"key": 1}]')
    result = CliRunner().invoke(app, ["backup", "reapply-shreds", str(bad)], env=env_of(settings))
    assert result.exit_code == 2 and "not a shred list" in result.output


@pytest.mark.postgres
def test_the_documented_backup_and_restore(pg_cluster: Cluster, tmp_path: Path) -> None:
    """docs/operations.md's commands: a data dump and a key dump apart, secrets in neither, shreds re-applied."""
    settings = make_settings(pg_cluster.new_database(), tmp_path / "var")
    hub = build_hub(settings)
    app = create_app(hub)
    signed_client(hub, app, Role.LEERPLICHT, "GM0479")
    school = signed_client(hub, app, Role.SCHOOL, "12AB00")
    erased_bsn = new_bsn()
    erased, kept = (
        school.post("/v1/verzuimmeldingen", json=melding_body(b)).json()["id"] for b in (erased_bsn, new_bsn())
    )
    url = settings.database_url
    data_dump, key_dump = tmp_path / "data.dump", tmp_path / "keys.dump"
    _pg(pg_cluster, "pg_dump", "-Fc", *(f"--exclude-table-data={t}" for t in KEY_TABLES), "-f", str(data_dump), url)
    _pg(pg_cluster, "pg_dump", "-Fc", "--data-only", *(f"--table={t}" for t in KEY_TABLES), "-f", str(key_dump), url)
    hub_cli(settings, "keys", "shred", "--purpose", "verzuimmelding", "--pupil", erased_bsn)
    shred_list = tmp_path / "shred-list.json"
    hub_cli(settings, "backup", "shred-list", "--out", str(shred_list))
    hub.close()

    secrets = [hub.store.secrets.master_key, hub.store.secrets.pepper, hub.store.secrets.signing_seed]
    for dump in (data_dump, key_dump):
        raw = dump.read_bytes()
        assert not any(s in raw for s in secrets), f"a secret is in {dump.name}"

    # Restore the production way: roles first, objects owned by ketenhub_owner, migrate, grants,
    # shreds, API.
    admin = pg_cluster.new_database()
    apply_roles(admin)
    _pg(pg_cluster, "pg_restore", "--no-owner", "--role=ketenhub_owner", "--exit-on-error", "-d", admin, str(data_dump))
    _pg(pg_cluster, "pg_restore", "--data-only", "--role=ketenhub_owner", "--exit-on-error", "-d", admin, str(key_dump))
    as_owner = make_settings(admin.replace("postgres@", "ketenhub_owner@", 1), tmp_path / "var")
    hub_cli(as_owner, "db", "migrate")
    apply_roles(admin)
    owner = build_hub(as_owner)
    api = build_hub(
        as_owner.model_copy(
            update={"database_url": admin.replace("postgres@", "ketenhub_api@", 1), "create_tables": False}
        )
    )
    try:
        school = client_of(owner, create_app(api), "school:12AB00")
        assert _status(school, erased) == 200  # the restore brought the shredded key back
        hub_cli(as_owner, "backup", "reapply-shreds", str(shred_list))
        assert (_status(school, erased), _status(school, kept)) == (410, 200)
    finally:
        api.close()
        owner.close()
