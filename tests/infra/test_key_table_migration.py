"""A store made before the key table was keyed by pupil (2026-11-29) upgrades through the
migrations (`hub db migrate`, or on open where the process may migrate), and its events, whose
headers name the key id alone (version 0x01), stay readable and erasable."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from infra.keystore import RecordErased
from infra.mapper import LEGACY_MAGIC, MAGIC, key_ref_of
from infra.migrate import SCHEMA_LOCK, VERSION_TABLE, SchemaOutOfDate, current, head
from infra.settings import Settings
from infra.store import Store, open_store
from tests.infra.test_store import Note, _note

BSNS = ("999990007", "999990032", "999990044")

# The key table's first layout: keyed by key id, one key per (purpose, subject) by a UNIQUE index.
_FIRST_LAYOUT = {
    "sqlite": "CREATE TABLE hub_data_keys (key_id TEXT PRIMARY KEY, purpose TEXT NOT NULL, subject TEXT NOT NULL,"
    " kek_version INTEGER NOT NULL, wrapped BLOB NOT NULL, created_at TEXT NOT NULL, UNIQUE (purpose, subject))"
    " WITHOUT ROWID",
    "postgres": "CREATE TABLE hub_data_keys (key_id TEXT PRIMARY KEY, purpose TEXT NOT NULL, subject TEXT NOT NULL,"
    " kek_version BIGINT NOT NULL, wrapped BYTEA NOT NULL, created_at TEXT NOT NULL, UNIQUE (purpose, subject))",
}
_COLUMNS = "key_id, purpose, subject, kek_version, wrapped, created_at"


def _as_first_layout(store: Store, notes: list[Note]) -> None:
    """Turn a new store into one made by a release before 2026-11-29: first key-table layout, no
    hub_key_ids, no schema version, and every event's header the version 0x01 one (magic and key
    id only)."""
    recorder = store.records.recorder
    with store.db.transaction() as tx:
        rows = tx.execute(f"SELECT {_COLUMNS} FROM hub_data_keys").all()
        tx.execute("DROP TABLE hub_data_keys")
        tx.execute("DROP TABLE hub_key_ids")
        tx.execute(f"DROP TABLE {VERSION_TABLE}")
        tx.execute("DROP TABLE hub_involvement")  # added by 0002
        tx.execute(_FIRST_LAYOUT[tx.dialect])  # under its own name, so PostgreSQL names its index as then
        tx.executemany(f"INSERT INTO hub_data_keys ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", rows)
        for note in notes:
            for stored in recorder.select_events(note.id):
                ref, body = key_ref_of(stored.state)
                tx.execute(
                    f"UPDATE {recorder.events_table_name} SET state = ?"  # type: ignore[attr-defined]
                    " WHERE originator_id = ? AND originator_version = ?",
                    (
                        LEGACY_MAGIC + bytes.fromhex(ref.key_id) + stored.state[body:],
                        stored.originator_id if tx.dialect == "postgres" else stored.originator_id.hex,
                        stored.originator_version,
                    ),
                )


@contextmanager
def _schema_locked(database_url: str) -> Iterator[None]:
    """Hold what a migration takes first: PostgreSQL's advisory lock, SQLite's write lock."""
    if database_url.startswith("postgresql"):
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (SCHEMA_LOCK,))
            yield
    else:
        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.close()


@pytest.fixture
def migrated(settings: Settings) -> Store:
    first = open_store(settings)
    notes = [_note(first, bsn=bsn) for bsn in BSNS[:2]]
    renamed = first.records.repository.get(notes[0].id)
    renamed.rename("Fleur O.")
    first.records.save(renamed)
    _as_first_layout(first, notes)
    (event, *_) = first.records.recorder.select_events(notes[0].id)
    assert event.state.startswith(LEGACY_MAGIC)  # the set-up did what it says
    first.close()
    store = open_store(settings)
    store.notes = notes  # type: ignore[attr-defined]
    yield store
    store.close()


def test_old_events_stay_readable_after_the_migration(migrated: Store) -> None:
    first, second = migrated.notes  # type: ignore[attr-defined]
    assert migrated.records.repository.get(first.id).naam == "Fleur O."
    assert migrated.records.repository.get(second.id).bsn == BSNS[1]
    with migrated.db.transaction(write=False) as tx:
        assert tx.execute("SELECT COUNT(*) FROM hub_key_ids").one() == (2,)
        assert tx.execute("SELECT COUNT(*) FROM hub_data_keys").one() == (2,)


def test_a_known_pupil_keeps_its_key_and_new_events_get_the_new_header(migrated: Store) -> None:
    first = migrated.records.repository.get(migrated.notes[0].id)  # type: ignore[attr-defined]
    first.rename("Fleur")
    migrated.records.save(first)
    third = _note(migrated, bsn=BSNS[2])
    old, new = list(migrated.records.recorder.select_events(first.id))[-2:]
    assert old.state.startswith(LEGACY_MAGIC) and new.state.startswith(MAGIC)
    assert key_ref_of(old.state)[0].key_id == key_ref_of(new.state)[0].key_id  # no second key
    assert migrated.records.repository.get(first.id).naam == "Fleur"
    assert migrated.records.repository.get(third.id).bsn == BSNS[2]
    with migrated.db.transaction(write=False) as tx:
        assert tx.execute("SELECT COUNT(*) FROM hub_data_keys").one() == (3,)


def test_a_shred_erases_the_old_events_of_the_pupil_only(migrated: Store) -> None:
    first, second = migrated.notes  # type: ignore[attr-defined]
    assert migrated.keys.shred("verzuimmelding", migrated.pseudonyms.of("bsn", BSNS[0]), "test") == 1
    with pytest.raises(RecordErased):
        migrated.records.repository.get(first.id)
    assert migrated.records.repository.get(second.id).bsn == BSNS[1]


def test_a_process_that_may_not_migrate_refuses_the_old_layout(settings: Settings) -> None:
    """The API role runs with HUB_CREATE_TABLES=false: on a store nobody migrated it must stop at
    start-up with the command to run, not answer 500 on every older record."""
    first = open_store(settings)
    notes = [_note(first, bsn=BSNS[0])]
    _as_first_layout(first, notes)
    first.close()
    with pytest.raises(SchemaOutOfDate, match="hub db migrate"):
        open_store(settings.model_copy(update={"create_tables": False}))
    open_store(settings).close()  # the owner's migration
    api = open_store(settings.model_copy(update={"create_tables": False}))
    try:
        assert api.records.repository.get(notes[0].id).bsn == BSNS[0]
    finally:
        api.close()


def test_two_processes_migrating_at_once_migrate_once(settings: Settings) -> None:
    """Two owners' `hub db migrate` racing on a store of the first layout: one re-keys, the other
    waits for its lock and then finds the head revision, so nothing is copied twice."""
    first = open_store(settings)
    notes = [_note(first, bsn=bsn) for bsn in BSNS[:2]]
    _as_first_layout(first, notes)
    first.close()
    command = [sys.executable, "-c", f"from infra.migrate import upgrade; upgrade({settings.database_url!r})"]
    with _schema_locked(settings.database_url):  # both get as far as the lock, then run in turn
        racers = [subprocess.Popen(command, stderr=subprocess.PIPE) for _ in range(2)]
        time.sleep(3)
        assert [racer.poll() for racer in racers] == [None, None]  # both wait for the lock
    assert [(racer.wait(timeout=120), racer.stderr.read()) for racer in racers] == [(0, b"")] * 2  # type: ignore[union-attr]
    assert current(settings.database_url) == head()
    again = open_store(settings.model_copy(update={"create_tables": False}))
    try:
        with again.db.transaction(write=False) as tx:
            assert tx.execute("SELECT COUNT(*) FROM hub_key_ids").one() == (2,)
            if tx.dialect == "postgres":  # the key's name is a new store's, not "..._pkey1"
                assert tx.execute(
                    "SELECT conname FROM pg_constraint WHERE conrelid = 'hub_data_keys'::regclass AND contype = 'p'"
                ).all() == [("hub_data_keys_pkey",)]
        assert again.records.repository.get(notes[0].id).bsn == BSNS[0]
    finally:
        again.close()
