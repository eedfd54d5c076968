"""A store made before the key table was keyed by pupil (2026-11-29) migrates on open, and its
events, whose headers name the key id alone (version 0x01), stay readable and erasable."""

from __future__ import annotations

import pytest

from infra.keystore import KeyStoreError, RecordErased
from infra.mapper import LEGACY_MAGIC, MAGIC, key_ref_of
from infra.settings import Settings
from infra.store import Store, open_store
from tests.infra.test_store import Note, _note

BSNS = ("999990007", "999990032", "999990044")

# The key table's first layout: keyed by key id, one key per (purpose, subject) by a UNIQUE index.
_FIRST_LAYOUT = (
    "CREATE TABLE hub_data_keys (key_id TEXT PRIMARY KEY, purpose TEXT NOT NULL, subject TEXT NOT NULL,"
    " kek_version BIGINT NOT NULL, wrapped BLOB NOT NULL, created_at TEXT NOT NULL, UNIQUE (purpose, subject))"
    " WITHOUT_ROWID"
)
_COLUMNS = "key_id, purpose, subject, kek_version, wrapped, created_at"


def _as_first_layout(store: Store, notes: list[Note]) -> None:
    """Turn a new store into one made by the release before: first key-table layout, no
    hub_key_ids, and every event's header the version 0x01 one (magic and key id only)."""
    recorder = store.records.recorder
    with store.db.transaction() as tx:
        rows = tx.execute(f"SELECT {_COLUMNS} FROM hub_data_keys").all()
        tx.execute("DROP TABLE hub_data_keys")
        tx.execute("DROP TABLE hub_key_ids")
        tx.execute(store.db.ddl(_FIRST_LAYOUT))  # under its own name, so PostgreSQL names its index as then
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
    with pytest.raises(KeyStoreError, match="hub db migrate"):
        open_store(settings.model_copy(update={"create_tables": False}))
    open_store(settings).close()  # the owner's migration
    api = open_store(settings.model_copy(update={"create_tables": False}))
    try:
        assert api.records.repository.get(notes[0].id).bsn == BSNS[0]
    finally:
        api.close()


def test_the_migration_runs_once(migrated: Store, settings: Settings) -> None:
    # Two processes that both saw the old layout: the second migrates nothing once it has the lock.
    migrated.keys._migrate()
    if migrated.db.dialect == "postgres":  # the key's name is a new store's, not "..._pkey1"
        with migrated.db.transaction(write=False) as tx:
            assert tx.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'hub_data_keys'::regclass AND contype = 'p'"
            ).all() == [("hub_data_keys_pkey",)]
    migrated.close()
    again = open_store(settings)
    try:
        with again.db.transaction(write=False) as tx:
            assert tx.execute("SELECT COUNT(*) FROM hub_key_ids").one() == (2,)
        assert again.records.repository.get(migrated.notes[0].id).naam == "Fleur O."  # type: ignore[attr-defined]
    finally:
        again.close()
