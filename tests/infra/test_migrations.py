"""Schema versions: every store reaches the head revision through the migrations, the migrated
schema is exactly infra/schema.py, and Alembic never touches eventsourcing's own tables."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from typer.testing import CliRunner

from hub.cli import app
from infra.migrate import VERSION_TABLE, SchemaOutOfDate, connect, current, head, include_name, owns, upgrade
from infra.schema import metadata
from infra.settings import Settings
from infra.store import Store, open_store
from tests.infra.test_store import _note
from tests.ops.helpers import env_of, hub_cli


def _differences(database_url: str, **opts: Any) -> list[Any]:
    with connect(database_url) as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": VERSION_TABLE, **opts}
        )
        return list(compare_metadata(context, metadata))


def _as_previous_release(store: Store) -> None:
    """A store as the release before schema versions left it: the baseline's tables, no version table."""
    with store.db.transaction() as tx:
        tx.execute(f"DROP TABLE {VERSION_TABLE}")
        tx.execute("DROP TABLE hub_involvement")  # added by 0002


def test_a_new_store_is_at_the_head_and_its_schema_is_the_declared_one(settings: Settings) -> None:
    open_store(settings).close()
    assert current(settings.database_url) == head()
    assert _differences(settings.database_url, include_name=include_name) == []


def test_alembic_leaves_eventsourcing_tables_alone(settings: Settings) -> None:
    store = open_store(settings)
    note = _note(store)
    events_table = store.records.recorder.events_table_name  # type: ignore[attr-defined]
    store.close()
    # Unfiltered, a comparison would drop the tables eventsourcing made: the filter is what spares them.
    unfiltered = {d[1].name for d in _differences(settings.database_url) if d[0] == "remove_table"}
    assert events_table in unfiltered and not any(owns(name) for name in unfiltered)
    upgrade(settings.database_url)  # at the head: nothing runs, nothing is dropped
    again = open_store(settings)
    try:
        assert again.records.repository.get(note.id).naam == note.naam
    finally:
        again.close()


def test_a_store_of_the_previous_release_is_adopted_by_hub_db_migrate(settings: Settings) -> None:
    store = open_store(settings)
    notes = [_note(store), _note(store, bsn="999990032")]
    _as_previous_release(store)
    store.close()
    assert "current: none" in hub_cli(settings, "db", "status").output
    with pytest.raises(SchemaOutOfDate, match="hub db migrate"):
        open_store(settings.model_copy(update={"create_tables": False}))
    assert f"schema at revision {head()}" in hub_cli(settings, "db", "migrate").output
    assert hub_cli(settings, "db", "status", "--check").output.splitlines()[0] == f"current: {head()}"
    api = open_store(settings.model_copy(update={"create_tables": False}))
    try:
        assert [api.records.repository.get(n.id).bsn for n in notes] == [n.bsn for n in notes]
    finally:
        api.close()
    assert _differences(settings.database_url, include_name=include_name) == []


def test_a_directory_from_before_changed_at_gets_the_column(settings: Settings) -> None:
    store = open_store(settings)
    note = _note(store)
    _as_previous_release(store)
    with store.db.transaction() as tx:
        tx.execute(
            "INSERT INTO hub_directory (seq, record_id, kind, purpose, owner_org, subject) VALUES (?, ?, ?, ?, ?, ?)",
            (1, note.id.hex, "note", "verzuimmelding", "school:12AB00", note.subject),
        )
        tx.execute("ALTER TABLE hub_directory DROP COLUMN changed_at")
    store.close()
    upgrade(settings.database_url)
    again = open_store(settings)
    try:
        with again.db.transaction(write=False) as tx:
            # Counted from the migration: an unknown last change never erases early.
            assert tx.execute("SELECT COUNT(*) FROM hub_directory WHERE changed_at IS NOT NULL").one() == (1,)
        assert again.records.repository.get(note.id).naam == note.naam
    finally:
        again.close()
    assert _differences(settings.database_url, include_name=include_name) == []


def test_existing_meldingen_and_overdrachten_are_adopted_into_the_involvement_register(settings: Settings) -> None:
    """0002: the school that pushed a melding or sent an overdracht is its school of registration,
    and leerplicht of the melding's woongemeente is involved, since before the register existed."""
    store = open_store(settings)
    _as_previous_release(store)
    rows = [
        (1, "a" * 32, "verzuimmelding", "school:12AB00", "ps_one", "GM0479"),
        (2, "b" * 32, "verzuimmelding", "school:12AB00", "ps_one", "GM0479"),  # the same facts once
        (3, "c" * 32, "overdracht", "school:34CD01", "ps_two", None),
        (4, "d" * 32, "toestemming", "swv:PO2801", "ps_two", None),  # a consent makes no one involved
    ]
    with store.db.transaction() as tx:
        tx.executemany(
            "INSERT INTO hub_directory (seq, record_id, kind, purpose, owner_org, subject, gemeente, changed_at)"
            " VALUES (?, ?, ?, 'p', ?, ?, ?, '2026-01-01T00:00:00Z')",
            rows,
        )
    store.close()
    upgrade(settings.database_url)
    again = open_store(settings)
    try:
        with again.db.transaction(write=False) as tx:
            adopted = tx.execute(
                "SELECT subject, org_id, relation, source, since, until FROM hub_involvement ORDER BY subject, org_id"
            ).all()
    finally:
        again.close()
    epoch = "1970-01-01T00:00:00.000Z"
    assert [tuple(r) for r in adopted] == [
        ("ps_one", "leerplicht:GM0479", "leerplicht", "overgenomen", epoch, None),
        ("ps_one", "school:12AB00", "school_van_inschrijving", "overgenomen", epoch, None),
        ("ps_two", "school:34CD01", "school_van_inschrijving", "overgenomen", epoch, None),
    ]


def test_db_status_check_fails_on_a_store_behind_the_head(settings: Settings) -> None:
    store = open_store(settings)
    _as_previous_release(store)
    store.close()
    result = CliRunner().invoke(app, ["db", "status", "--check"], env=env_of(settings))
    assert result.exit_code == 1 and f"head:    {head()}" in result.output


def test_asking_the_revision_of_a_missing_sqlite_store_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "absent.sqlite"
    assert current(f"sqlite:///{path}") is None
    assert not path.exists()


def test_asking_the_revision_takes_no_write_lock_on_sqlite(tmp_path: Path) -> None:
    """An API start or `hub db status` behind a long write (a retention run) must not wait for it."""
    url = f"sqlite:///{tmp_path}/hub.sqlite"
    upgrade(url)
    writer = sqlite3.connect(tmp_path / "hub.sqlite", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        found: list[str | None] = []
        reader = threading.Thread(target=lambda: found.append(current(url)), daemon=True)
        reader.start()
        reader.join(timeout=10)  # a reader that needed the write lock would wait 30 s, then fail
        assert found == [head()]
    finally:
        writer.close()


_OPEN_NEW_STORE = """
import sys
from pathlib import Path
from infra.settings import Settings
from infra.store import open_store
var = Path(sys.argv[2])
open_store(Settings(database_url=sys.argv[1], var_dir=var, master_key_file=var / "master.key",
           pepper_file=var / "pepper.key", signing_key_file=var / "hub-signing.key", _env_file=None)).close()
"""


def test_processes_opening_a_new_store_at_once_all_open(settings: Settings) -> None:
    """Each creates the hub's tables and eventsourcing's under the schema lock, one at a time (on
    PostgreSQL, two CREATE TABLE IF NOT EXISTS of one table at once fail on the catalogue)."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises the CREATE TABLE IF NOT EXISTS itself")
    store = open_store(settings)  # the secrets exist; the tables go, so the store is new again
    with store.db.transaction() as tx:
        tx.execute("DROP SCHEMA public CASCADE")
        tx.execute("CREATE SCHEMA public")
    store.close()
    command = [sys.executable, "-c", _OPEN_NEW_STORE, settings.database_url, str(settings.var_dir)]
    racers = [subprocess.Popen(command, stderr=subprocess.PIPE) for _ in range(3)]
    outcomes = [(racer.wait(timeout=120), racer.stderr.read().decode()[-300:]) for racer in racers]  # type: ignore[union-attr]
    assert outcomes == [(0, "")] * 3
    assert current(settings.database_url) == head()


def test_0003_drops_unkeyed_answers_and_names_the_pupil_of_each(settings: Settings) -> None:
    """A store at 0002: its answers hold a plain SHA-256 of the request and name no pupil, so no
    shred could reach them; 0003 deletes them and adds the pupil and purpose of each answer."""
    store = open_store(settings)
    with store.db.transaction() as tx:
        tx.execute("DROP INDEX hub_idempotency_pupil")
        tx.execute("ALTER TABLE hub_idempotency DROP COLUMN subject")
        tx.execute("ALTER TABLE hub_idempotency DROP COLUMN purpose")
        tx.execute(f"UPDATE {VERSION_TABLE} SET version_num = '0002'")
        tx.execute(
            "INSERT INTO hub_idempotency (org_id, idem_key, request_hash, status, response, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            ("school:12AB00", "old-push-0001", "ab" * 32, 201, b"sealed", "2026-12-01T09:00:00+00:00"),
        )
    store.close()
    assert current(settings.database_url) == "0002"
    upgrade(settings.database_url)
    assert current(settings.database_url) == head()
    again = open_store(settings.model_copy(update={"create_tables": False}))
    try:
        with again.db.transaction(write=False) as tx:
            assert tx.execute("SELECT COUNT(*) FROM hub_idempotency").one() == (0,)
    finally:
        again.close()
    assert _differences(settings.database_url, include_name=include_name) == []
