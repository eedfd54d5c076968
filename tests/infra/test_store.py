"""The encrypted event store on both backends: sealing, binding, shredding, rotation, secrets."""

from __future__ import annotations

import base64
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

from domain.records import PupilRecord
from infra import keysql
from infra.db import Statement, Tx
from infra.keystore import KeyStore, MasterKeyMismatch, RecordErased, StaleKey
from infra.mapper import MAGIC, TamperedRecord, UnsealedEvent, key_ref_of
from infra.pgcluster import Cluster
from infra.secretfiles import SecretMissing
from infra.settings import Settings
from infra.sqlitepool import HubSQLitePool
from infra.store import Store, open_store
from tests.conftest import make_settings

BSN = "999990019"  # elfproef-valid, in the range the Dutch government reserves for tests
NAME = "Fleur Oosterhuis-Brakel"


class Note(PupilRecord):
    """A minimal personal record for storage tests."""

    PURPOSE = "verzuimmelding"

    class Created(PupilRecord.Created):
        naam: str
        bsn: str

    def __init__(self, purpose: str, subject: str, naam: str, bsn: str) -> None:
        super().__init__(purpose, subject)
        self.naam = naam
        self.bsn = bsn

    class Renamed(PupilRecord.Event):
        naam: str

        def apply(self, aggregate: Note) -> None:
            aggregate.naam = self.naam

    def rename(self, naam: str) -> None:
        self.trigger_event(self.Renamed, naam=naam)


def _note(store: Store, bsn: str = BSN, naam: str = NAME) -> Note:
    note = Note.start(subject=store.pseudonyms.of("bsn", bsn), naam=naam, bsn=bsn)
    store.records.save(note)
    return note


def _forms(value: str) -> list[bytes]:
    raw = value.encode()
    return [
        raw,
        raw.hex().encode(),
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw),
        value.upper().encode(),
        value.lower().encode(),
    ]


def _all_bytes_sqlite(database_url: str) -> bytes:
    path = Path(database_url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def _all_bytes_postgres(database_url: str) -> bytes:
    chunks: list[bytes] = []
    with psycopg.connect(database_url) as conn:
        tables = [
            r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        ]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                chunks.extend(v if isinstance(v, bytes) else str(v).encode() for v in row)
    return b"\n".join(chunks)


def test_round_trip_and_snapshot(store: Store) -> None:
    note = _note(store)
    loaded = store.records.repository.get(note.id)
    assert (loaded.naam, loaded.bsn) == (NAME, BSN)
    loaded.rename("Fleur O.")
    store.records.save(loaded)
    store.records.take_snapshot(note.id)
    assert store.records.snapshots is not None
    (snapshot,) = store.records.snapshots.get(note.id)
    assert snapshot.state["naam"] == "Fleur O."
    assert store.records.repository.get(note.id).naam == "Fleur O."


def test_no_personal_data_in_the_raw_database(store: Store, database_url: str) -> None:
    """The known BSN and name appear nowhere: not plain, hex, base64, nor in any column."""
    note = _note(store)
    note.rename(NAME + " jr")
    store.records.save(note)
    store.records.take_snapshot(note.id)
    store.close()
    raw = (_all_bytes_sqlite if database_url.startswith("sqlite") else _all_bytes_postgres)(database_url)
    assert len(raw) > 1000  # we really read the data
    for secret in (BSN, NAME, "Oosterhuis"):
        for form in _forms(secret):
            assert form not in raw, f"{secret!r} found in the raw database as {form[:20]!r}"


def test_stored_state_is_sealed_with_a_header(store: Store) -> None:
    note = _note(store)
    (stored,) = store.records.recorder.select_events(note.id)
    with store.db.transaction(write=False) as tx:
        key_id, subject = tx.execute("SELECT key_id, subject FROM hub_data_keys").one()  # type: ignore[misc]
    # The header names the key and its pupil (by pseudonym, never the BSN): see infra/mapper.py.
    assert stored.state.startswith(b"KH\x02" + bytes.fromhex(key_id) + bytes((len(subject),)) + subject.encode())
    assert b"naam" not in stored.state


def test_ciphertext_moved_to_another_record_fails_clearly(store: Store) -> None:
    a, b = _note(store), _note(store, bsn="999990020"[:8] + "7")
    (stored_a,) = store.records.recorder.select_events(a.id)
    forged = StoredEvent(b.id, 1, stored_a.topic, stored_a.state)
    with pytest.raises(TamperedRecord, match="does not authenticate"):
        store.records.mapper.to_domain_event(forged)
    flipped = bytearray(stored_a.state)
    flipped[-1] ^= 1
    with pytest.raises(TamperedRecord):
        store.records.mapper.to_domain_event(StoredEvent(a.id, 1, stored_a.topic, bytes(flipped)))


def test_a_header_naming_another_pupils_key_fails_clearly(store: Store) -> None:
    """The header is not secret and not authenticated itself: pointing it at another pupil's key
    must fail as tampering, and a malformed header must fail as one too, never crash."""
    a, b = _note(store), _note(store, bsn="999990032")
    (stored_a,), (stored_b,) = (store.records.recorder.select_events(n.id) for n in (a, b))
    (_, body_a), (_, body_b) = key_ref_of(stored_a.state), key_ref_of(stored_b.state)
    swapped = stored_b.state[:body_b] + stored_a.state[body_a:]
    with pytest.raises(TamperedRecord, match="does not authenticate"):
        store.records.mapper.to_domain_event(StoredEvent(a.id, 1, stored_a.topic, swapped))
    key_id_end = len(MAGIC) + 16
    for broken in (
        stored_a.state[: key_id_end + 5],  # pupil cut short
        stored_a.state[:key_id_end] + b"\x02\xff\xfe" + stored_a.state[body_a:],  # not UTF-8
        stored_a.state[:key_id_end] + b"\x00" + stored_a.state[body_a:],  # no pupil
        stored_a.state[:key_id_end] + b"\x02a\x00" + stored_a.state[body_a:],  # not printable
        b"KH\x03" + stored_a.state[3:],
    ):  # unknown version
        with pytest.raises(TamperedRecord, match="no Ketenhub header"):
            store.records.mapper.to_domain_event(StoredEvent(a.id, 1, stored_a.topic, broken))


def test_a_subject_the_header_cannot_carry_is_refused(store: Store) -> None:
    for subject in ("p" * 256, "pseudo\nnym", "pseudo\x00nym"):
        with pytest.raises(UnsealedEvent, match="printable text of at most 255 bytes"):
            store.records.save(Note.start(subject=subject, naam=NAME, bsn=BSN))


class Plain(Aggregate):
    """An aggregate that declares no purpose: the store must refuse it."""


def test_event_without_purpose_is_refused(store: Store) -> None:
    with pytest.raises(UnsealedEvent):
        store.records.save(Plain())


def test_shred_one_pupil_leaves_others_readable(store: Store) -> None:
    gone, kept = _note(store), _note(store, bsn="999990032")
    subject = store.pseudonyms.of("bsn", BSN)
    assert store.keys.shred("verzuimmelding", subject, "test") == 1
    with pytest.raises(RecordErased) as erased:
        store.records.repository.get(gone.id)
    assert erased.value.purpose == "verzuimmelding"
    assert store.records.repository.get(kept.id).bsn == "999990032"
    # Reading the notification log after a shred must not crash a follower.
    notifications = store.records.notification_log.select(start=1, limit=10)
    assert len(notifications) == 2


def test_a_first_push_committed_while_a_shred_runs_is_erased_and_listed(
    pg_cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL reads each statement of a shred in its own snapshot: a pupil's first key
    committed just before the DELETE must be shredded *and* listed (a read answers erased, and
    a restore re-applies it), never deleted unlisted (a read answering "unknown key"). SQLite
    cannot interleave here: the shred holds the write lock from BEGIN."""
    settings = make_settings(pg_cluster.new_database(), tmp_path / "var")
    shredder, pusher = open_store(settings), open_store(settings)
    try:
        _note(pusher, bsn="999990032")  # the purpose key exists
        subject, pushed, logged = shredder.pseudonyms.of("bsn", BSN), [], []
        execute = Tx.execute

        def push_first(tx: Tx, sql: Statement | str, params=()):  # type: ignore[no-untyped-def]
            if sql is keysql.DELETE_PUPIL_KEY and not pushed:
                racer = threading.Thread(target=lambda: pushed.append(_note(pusher)))
                racer.start()
                racer.join()
            return execute(tx, sql, params)

        monkeypatch.setattr(Tx, "execute", push_first)
        count = shredder.keys.shred("verzuimmelding", subject, "test", log=lambda _tx, s: logged.extend(s))
        monkeypatch.setattr(Tx, "execute", execute)
        assert pushed and count == 1 and logged == [subject]
        with shredder.db.transaction(write=False) as tx:
            assert tx.execute("SELECT COUNT(*) FROM hub_shredded WHERE subject = ?", (subject,)).one() == (1,)
        with pytest.raises(RecordErased):
            shredder.records.repository.get(pushed[0].id)
    finally:
        shredder.close()
        pusher.close()


def test_shred_whole_purpose(store: Store) -> None:
    a, b = _note(store), _note(store, bsn="999990032")
    assert store.keys.shred("verzuimmelding", None, "retention") == 2
    for note in (a, b):
        with pytest.raises(RecordErased):
            store.records.repository.get(note.id)
    # The purpose can be used again, under a new purpose key.
    c = _note(store, bsn="999990044")
    assert store.records.repository.get(c.id).bsn == "999990044"


def test_write_to_a_key_shredded_in_flight_is_refused(settings: Settings, store: Store) -> None:
    """Another process shreds the pupil's key after this one sealed an event under its cached copy."""
    _note(store)
    note = Note.start(subject=store.pseudonyms.of("bsn", BSN), naam=NAME, bsn=BSN)
    stored = [store.records.mapper.to_stored_event(e) for e in note.collect_events()]
    other = open_store(settings)
    try:
        assert other.keys.shred("verzuimmelding", store.pseudonyms.of("bsn", BSN), "race") == 1
    finally:
        other.close()
    with pytest.raises(StaleKey):
        store.records.recorder.insert_events(stored, keys=store.keys)
    assert store.records.recorder.select_events(note.id) == []


def test_a_push_after_a_shred_elsewhere_gets_a_fresh_key(settings: Settings, store: Store) -> None:
    first = _note(store)
    other = open_store(settings)
    try:
        other.keys.shred("verzuimmelding", store.pseudonyms.of("bsn", BSN), "erasure request")
    finally:
        other.close()
    second = _note(store)  # the stale cached key is refused in the transaction, then replaced
    assert store.records.repository.get(second.id).naam == NAME
    with pytest.raises(RecordErased):
        store.records.repository.get(first.id)
    with store.db.transaction(write=False) as tx:
        assert tx.execute("SELECT COUNT(*) FROM hub_data_keys").one()[0] == 1


def test_a_new_key_under_a_purpose_key_rotated_away_elsewhere_is_refused(settings: Settings, store: Store) -> None:
    """This process caches the purpose key new pupils' keys are wrapped under; another process
    rotates it away meanwhile. The key sealed under the old one must not be stored (it would be
    unreadable after a restart); the save re-seals under the new purpose key."""
    _note(store)  # makes the purpose key (not cached until read committed) ...
    _note(store, bsn="999990068")  # ... which this new pupil's key reads, and caches
    note = Note.start(subject=store.pseudonyms.of("bsn", "999990044"), naam=NAME, bsn="999990044")
    stored = [store.records.mapper.to_stored_event(e) for e in note.collect_events()]
    other = open_store(settings)
    try:
        assert other.keys.rotate("verzuimmelding") == 2
    finally:
        other.close()
    with pytest.raises(StaleKey):
        store.records.recorder.insert_events(stored, keys=store.keys)
    assert store.records.recorder.select_events(note.id) == []
    later = _note(store, bsn="999990056")
    with store.db.transaction(write=False) as tx:
        assert tx.execute("SELECT DISTINCT kek_version FROM hub_data_keys").all() == [(2,)]
    fresh = open_store(settings)  # nothing cached: the key is unwrapped from the store
    try:
        assert fresh.records.repository.get(later.id).naam == NAME
    finally:
        fresh.close()


def test_a_purposes_first_write_and_a_rotation_elsewhere_do_not_deadlock(
    settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first write of a purpose makes its purpose key; a rotation by another process starts
    just then. The rotation must wait for the write (or the write for it), never each for the
    other: on PostgreSQL the writer's lock on the key table is taken before the purpose key is
    made, else the rotation holds that lock while it waits on the new purpose key's row (the
    library's retry then hides the deadlock, and the rotation makes v1 instead of v2); on SQLite
    the rotation takes the write lock before it reads, else it fails with "database is locked"."""
    made, go = threading.Event(), threading.Event()
    new_kek = KeyStore._new_kek

    def pause_after_making(self: KeyStore, tx: Tx, purpose: str, version: int) -> tuple[int, bytes, bytes]:
        result = new_kek(self, tx, purpose, version)
        if threading.current_thread().name == "first-write":
            made.set()
            go.wait(10)
        return result

    monkeypatch.setattr(KeyStore, "_new_kek", pause_after_making)
    other = open_store(settings)
    errors: list[BaseException] = []

    def run(fn: Callable[[], object]) -> None:
        try:
            fn()
        except BaseException as e:  # reported by the assertion below
            errors.append(e)

    writer = threading.Thread(target=run, args=(lambda: _note(store),), name="first-write")
    rotation = threading.Thread(target=run, args=(lambda: other.keys.rotate("verzuimmelding"),))
    try:
        writer.start()
        assert made.wait(10)
        rotation.start()
        rotation.join(1.5)  # long enough for PostgreSQL's deadlock check (deadlock_timeout 1 s)
        go.set()
        writer.join(30)
        rotation.join(30)
    finally:
        go.set()
        other.close()
    assert not errors, errors
    with store.db.transaction(write=False) as tx:
        assert tx.execute("SELECT version FROM hub_purpose_keys").all() == [(2,)]
        assert tx.execute("SELECT kek_version FROM hub_data_keys").all() == [(2,)]


class Transfer(Note):
    """A record of a second purpose, which has no purpose key yet."""

    PURPOSE = "warme-overdracht"


def test_a_process_left_on_a_rotated_master_makes_no_purpose_key_and_no_rotation(
    settings: Settings, store: Store
) -> None:
    _note(store)
    operator = open_store(settings)
    try:
        operator.keys.rotate_master(os.urandom(32))
    finally:
        operator.close()
    first = Transfer.start(subject=store.pseudonyms.of("bsn", BSN), naam=NAME, bsn=BSN)
    with pytest.raises(MasterKeyMismatch, match="rotated"):
        store.records.save(first)  # its purpose key would be wrapped under the old master
    with pytest.raises(MasterKeyMismatch, match="rotated"):
        store.keys.rotate_master(os.urandom(32))  # would overwrite the first rotation's key unseen
    with store.db.transaction(write=False) as tx:
        assert tx.execute("SELECT purpose, version FROM hub_purpose_keys").all() == [("verzuimmelding", 1)]
        assert tx.execute("SELECT COUNT(*) FROM hub_data_keys").one() == (1,)


def test_processes_writing_known_pupils_at_once_wait_for_each_other(settings: Settings, store: Store) -> None:
    """Such a write reads (the live-key check, the log's state) before it writes. On SQLite a
    transaction that has read cannot wait for the write lock: unless write transactions take it
    at BEGIN (infra/sqlitepool.py), a commit by another process in between fails the push
    ("database is locked")."""
    stores = [store, *(open_store(settings) for _ in range(2))]
    errors: list[BaseException] = []

    def rename_many(s: Store, note: Note) -> None:
        try:
            for i in range(60):
                note.rename(f"{NAME} {i}")
                s.records.save(note)
        except BaseException as e:  # reported by the assertion below
            errors.append(e)

    try:
        notes = [_note(s, bsn=bsn) for s, bsn in zip(stores, ("999990007", "999990020", "999990032"), strict=True)]
        threads = [threading.Thread(target=rename_many, args=pair) for pair in zip(stores, notes, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        assert [store.records.repository.get(n.id).naam for n in notes] == [f"{NAME} 59"] * 3
    finally:
        for s in stores[1:]:
            s.close()


def test_a_failed_write_leaves_no_orphan_key(store: Store) -> None:
    """A new pupil's key is stored in the transaction of its first event, or not at all."""
    note = Note.start(subject=store.pseudonyms.of("bsn", BSN), naam=NAME, bsn=BSN)

    def fail(_tx: object) -> None:
        raise RuntimeError("side write fails")

    with pytest.raises(RuntimeError):
        store.records.save(note, side_writes=[fail])
    with store.db.transaction(write=False) as tx:
        assert tx.execute("SELECT COUNT(*) FROM hub_data_keys").one()[0] == 0
    retry = _note(store)  # the pending key is stored with the next write that uses it
    assert store.records.repository.get(retry.id).naam == NAME


def test_a_write_failing_in_python_inside_the_recorder_commits_nothing(
    store: Store, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PostgreSQL recorder catches a failed insert to keep its pipeline quiet: the side writes
    already sent (a new pupil's key, the access-log entry) must still roll back with it."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("a parameter the driver cannot adapt")

    if database_url.startswith("postgres"):
        monkeypatch.setattr(store.records.recorder, "_insert_stored_events", broken)
    else:
        monkeypatch.setattr(SQLiteApplicationRecorder, "_insert_events", broken)
    note = Note.start(subject=store.pseudonyms.of("bsn", BSN), naam=NAME, bsn=BSN)

    def mark(tx: Tx) -> None:
        tx.execute("INSERT INTO hub_meta (name, value) VALUES (?, ?)", ("side-write", b"x"))

    with pytest.raises(ValueError):
        store.records.save(note, side_writes=[mark])
    with store.db.transaction(write=False) as tx:
        assert tx.execute("SELECT COUNT(*) FROM hub_data_keys").one() == (0,)
        assert tx.execute("SELECT COUNT(*) FROM hub_meta WHERE name = 'side-write'").one() == (0,)


def test_rotation_rewraps_keys_and_keeps_records_readable(store: Store) -> None:
    note = _note(store)
    with store.db.transaction(write=False) as tx:
        before = tx.execute("SELECT wrapped, kek_version FROM hub_data_keys").all()
    (stored_before,) = store.records.recorder.select_events(note.id)
    assert store.keys.rotate("verzuimmelding") == 1
    with store.db.transaction(write=False) as tx:
        after = tx.execute("SELECT wrapped, kek_version FROM hub_data_keys").all()
        versions = tx.execute("SELECT version FROM hub_purpose_keys WHERE purpose = ?", ("verzuimmelding",)).all()
    assert before[0][0] != after[0][0] and after[0][1] == before[0][1] + 1
    assert versions == [(2,)]  # the old purpose key is gone
    (stored_after,) = store.records.recorder.select_events(note.id)
    assert stored_after.state == stored_before.state  # events untouched
    assert store.records.repository.get(note.id).naam == NAME


def test_rotation_survives_a_fresh_process(settings: Settings) -> None:
    first = open_store(settings)
    note = _note(first)
    first.keys.rotate("verzuimmelding")
    first.close()
    second = open_store(settings)
    try:
        assert second.records.repository.get(note.id).naam == NAME
    finally:
        second.close()


def test_wrong_master_key_cannot_open_the_store(settings: Settings) -> None:
    open_store(settings).close()
    settings.master_key_file.write_bytes(bytes(32))
    with pytest.raises(MasterKeyMismatch, match="does not match"):
        open_store(settings)


def test_lost_master_key_is_a_clear_startup_error(settings: Settings) -> None:
    s = open_store(settings)
    _note(s)
    s.close()
    settings.master_key_file.unlink()
    with pytest.raises(SecretMissing, match="will not invent a new key"):
        open_store(settings)
    assert not settings.master_key_file.exists()


def test_secret_files_are_private(store: Store, settings: Settings) -> None:
    for path in (settings.master_key_file, settings.pepper_file, settings.signing_key_file):
        assert path.stat().st_mode & 0o777 == 0o600


def test_pseudonyms_are_keyed(store: Store, settings: Settings, tmp_path: Path) -> None:
    import hashlib

    p = store.pseudonyms.of("bsn", BSN)
    assert p == store.pseudonyms.of("bsn", BSN)
    assert p != store.pseudonyms.of("onderwijsnummer", BSN)
    assert p not in {hashlib.sha256(BSN.encode()).hexdigest(), hashlib.blake2b(BSN.encode()).hexdigest()}
    other = Settings(
        database_url=f"sqlite:///{tmp_path}/other.sqlite",
        master_key_file=tmp_path / "m",
        pepper_file=tmp_path / "p",
        signing_key_file=tmp_path / "s",
        _env_file=None,
    )
    second = open_store(other)
    try:
        assert second.pseudonyms.of("bsn", BSN) != p
    finally:
        second.close()


def test_aggregate_ids_are_random(store: Store) -> None:
    note = _note(store)
    assert isinstance(note.id, uuid.UUID) and note.id.version == 4


def test_sqlite_connections_cache_their_statements(store: Store, database_url: str) -> None:
    """eventsourcing's pool caches one prepared statement per connection; the hub's writes are
    several statements per transaction, so the store swaps in a caching pool before connecting."""
    datastore = store.records.factory.datastore  # type: ignore[attr-defined]
    if not database_url.startswith("sqlite"):
        assert not isinstance(datastore, SQLiteDatastore)
        return
    assert isinstance(datastore.pool, HubSQLitePool)
    _note(store)
    with datastore.get_connection(commit=False) as connection:
        assert connection._sqlite_conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("write", [True, False])
def test_sqlite_write_transactions_hold_the_write_lock_from_begin(tmp_path: Path, write: bool) -> None:
    """A write transaction takes SQLite's write lock at BEGIN (IMMEDIATE), before its first read;
    a read-only one takes none. (PostgreSQL locks rows and tables as it goes.)"""
    import sqlite3

    path = tmp_path / "hub.sqlite"
    store = open_store(make_settings(f"sqlite:///{path}", tmp_path / "var"))
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        with store.db.transaction(write=write):
            if write:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            else:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
    finally:
        other.close()
        store.close()
