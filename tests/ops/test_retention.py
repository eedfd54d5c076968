"""`hub retention run`: erase (crypto-shred) what has passed its purpose's retention, logged."""

from __future__ import annotations

import json

import pytest

from audit.entries import AccessEntry, Action
from domain.parties import Role
from hub.container import Hub
from infra.migrate import VERSION_TABLE, upgrade
from tests.hub.helpers import melding_body, new_bsn
from tests.ops.helpers import hub_cli

LONG_AGO = "2019-01-07T09:00:00.000Z"  # verzuimmelding keeps 5 years after the last change


@pytest.fixture
def school(register):
    register(Role.LEERPLICHT, "GM0479")
    return register(Role.SCHOOL, "12AB00").client


def _push(school, bsn: str) -> str:
    r = school.post("/v1/verzuimmeldingen", json=melding_body(bsn))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _age(hub: Hub, *record_ids: str, at: str = LONG_AGO) -> None:
    with hub.store.db.transaction() as tx:
        for rid in record_ids:
            tx.execute("UPDATE hub_directory SET changed_at = ? WHERE record_id = ?", (at, rid.replace("-", "")))


def _erasures(hub: Hub) -> list[AccessEntry]:
    entries = [AccessEntry.from_body(e.body) for e in hub.persistence.access_log.entries()]
    return [e for e in entries if e.action is Action.ERASE]


def _statuses(school, *record_ids: str) -> list[int]:
    return [school.get(f"/v1/verzuimmeldingen/{rid}").status_code for rid in record_ids]


def test_erases_only_pupils_whose_records_all_expired(hub: Hub, settings, school) -> None:
    gone, kept, fresh = new_bsn(), new_bsn(), new_bsn()
    old = _push(school, gone)
    kept_old, kept_new = _push(school, kept), _push(school, kept)
    recent = _push(school, fresh)
    _age(hub, old, kept_old)  # `kept` has one recent record: its key must stay

    dry = json.loads(hub_cli(settings, "retention", "run", "--dry-run", "--json").output)
    assert [e["records"] for e in dry["erased"]] == [[old]]
    assert _statuses(school, old) == [200] and _erasures(hub) == []

    out = json.loads(hub_cli(settings, "retention", "run", "--json").output)
    subject = hub.store.pseudonyms.of("bsn", gone)
    assert [(e["doel"], e["pseudoniem"], e["records"]) for e in out["erased"]] == [("verzuimmelding", subject, [old])]
    assert _statuses(school, old, kept_old, kept_new, recent) == [410, 200, 200, 200]

    [entry] = _erasures(hub)
    assert (entry.subject, entry.purpose, entry.org_id, entry.decision) == (subject, "verzuimmelding", "hub", "erased")
    assert entry.afweging["records"] == [old] and entry.afweging["laatste_wijziging"] == LONG_AGO
    logged = b"".join(e.body for e in hub.persistence.access_log.entries())
    assert all(bsn.encode() not in logged for bsn in (gone, kept, fresh))

    again = hub_cli(settings, "retention", "run")
    assert again.output.strip().endswith("erased 0 data key(s)") and len(_erasures(hub)) == 1


def test_now_moves_the_judgement(hub: Hub, settings, school) -> None:
    first, second = _push(school, new_bsn()), _push(school, new_bsn())
    assert json.loads(hub_cli(settings, "retention", "run", "--json").output)["erased"] == []
    out = json.loads(hub_cli(settings, "retention", "run", "--json", "--now", "2099-01-01T00:00:00Z").output)
    assert sorted(r for e in out["erased"] for r in e["records"]) == sorted([first, second])
    assert _statuses(school, first, second) == [410, 410]
    assert len(_erasures(hub)) == 2


def test_a_later_event_restarts_the_period(hub: Hub, settings, school) -> None:
    record = _push(school, new_bsn())
    _age(hub, record)
    r = school.post(f"/v1/verzuimmeldingen/{record}/correcties", json={"uren": 20, "reden": "telfout"})
    assert r.status_code == 200, r.text
    assert json.loads(hub_cli(settings, "retention", "run", "--json").output)["erased"] == []
    assert _statuses(school, record) == [200]


def test_a_new_melding_after_erasure_gets_a_fresh_key(hub: Hub, settings, school) -> None:
    bsn = new_bsn()
    old = _push(school, bsn)
    _age(hub, old)
    hub_cli(settings, "retention", "run")
    new = _push(school, bsn)
    assert _statuses(school, old, new) == [410, 200]


def test_bad_now_is_a_usage_error(settings) -> None:
    from typer.testing import CliRunner

    from hub.cli import app
    from tests.ops.helpers import env_of

    result = CliRunner().invoke(app, ["retention", "run", "--now", "gisteren"], env=env_of(settings))
    assert result.exit_code == 2 and "ISO 8601" in result.output


def test_directory_made_before_changed_at_is_migrated(hub: Hub, settings, school) -> None:
    """A store of a release before versions were kept and before `changed_at` existed: the
    baseline migration adds the column and counts older rows from now."""
    record = _push(school, new_bsn())
    with hub.store.db.transaction() as tx:
        tx.execute("ALTER TABLE hub_directory DROP COLUMN changed_at")
        tx.execute(f"DROP TABLE {VERSION_TABLE}")
        tx.execute("DROP TABLE hub_involvement")  # added by 0002
    upgrade(settings.database_url)
    upgrade(settings.database_url)  # a second run finds the store at the head and leaves it alone
    with hub.store.db.transaction(write=False) as tx:
        row = tx.execute("SELECT changed_at FROM hub_directory WHERE record_id = ?", (record.replace("-", ""),)).one()
    assert row is not None and row[0] is not None


@pytest.mark.postgres
def test_a_push_in_flight_keeps_the_key(pg_cluster, tmp_path) -> None:
    """A write that holds the key (FOR SHARE, as KeyStore.persist does) and touches the record
    commits first; the sweep, waiting on the key, then sees the new change and leaves the key alone."""
    import threading
    import time
    from datetime import UTC, datetime

    import psycopg

    from hub.app import create_app
    from hub.container import build_hub
    from infra.retention import RetentionSweep
    from tests.conftest import make_settings
    from tests.ops.helpers import signed_client

    settings = make_settings(pg_cluster.new_database(), tmp_path / "var")
    hub = build_hub(settings)
    try:
        app = create_app(hub)
        signed_client(hub, app, Role.LEERPLICHT, "GM0479")
        school = signed_client(hub, app, Role.SCHOOL, "12AB00")
        bsn = new_bsn()
        record = _push(school, bsn)
        _age(hub, record)
        subject = hub.store.pseudonyms.of("bsn", bsn)
        result: list[object] = []
        with psycopg.connect(settings.database_url) as writer:
            writer.execute("SELECT key_id FROM hub_data_keys WHERE subject = %s FOR SHARE", (subject,))
            writer.execute(
                "UPDATE hub_directory SET changed_at = %s WHERE record_id = %s",
                ("2030-01-01T00:00:00.000Z", record.replace("-", "")),
            )
            sweep = threading.Thread(
                target=lambda: result.append(RetentionSweep(hub.store.db).run(datetime(2030, 6, 1, tzinfo=UTC)))
            )
            sweep.start()
            time.sleep(0.5)
            assert sweep.is_alive(), "the sweep must wait for the write that holds the key"
            writer.commit()
        sweep.join(30)
        assert result == [[]]
        assert _statuses(school, record) == [200]
    finally:
        hub.close()


def test_a_push_committing_during_a_sqlite_sweep_neither_fails_it_nor_loses_its_change(tmp_path) -> None:
    """SQLite: a push holds the write lock and touches the record while the sweep starts. The
    sweep takes the write lock at BEGIN (infra/sqlitepool.py), so it waits, then sees the
    push's change and keeps the key; had it read first, it would fail ("database is locked")."""
    import sqlite3
    import threading
    import time
    from datetime import UTC, datetime

    from hub.app import create_app
    from hub.container import build_hub
    from infra.retention import RetentionSweep
    from tests.conftest import make_settings
    from tests.ops.helpers import signed_client

    settings = make_settings(f"sqlite:///{tmp_path}/hub.sqlite", tmp_path / "var")
    hub = build_hub(settings)
    try:
        app = create_app(hub)
        signed_client(hub, app, Role.LEERPLICHT, "GM0479")
        school = signed_client(hub, app, Role.SCHOOL, "12AB00")
        record = _push(school, new_bsn())
        _age(hub, record)
        result: list[object] = []
        errors: list[BaseException] = []

        def sweep() -> None:
            try:
                result.append(RetentionSweep(hub.store.db).run(datetime(2030, 6, 1, tzinfo=UTC)))
            except BaseException as e:  # reported by the assertion below
                errors.append(e)

        writer = sqlite3.connect(f"{tmp_path}/hub.sqlite", isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")
            writer.execute(
                "UPDATE hub_directory SET changed_at = ? WHERE record_id = ?",
                ("2030-01-01T00:00:00.000Z", record.replace("-", "")),
            )
            sweeping = threading.Thread(target=sweep)
            sweeping.start()
            time.sleep(0.5)
            assert sweeping.is_alive(), "the sweep must wait for the write lock"
            writer.execute("COMMIT")
        finally:
            writer.close()
        sweeping.join(30)
        assert errors == [] and result == [[]]
        assert _statuses(school, record) == [200]
    finally:
        hub.close()
