"""An outside review of load_many (batched loading) and of the dependency-fault handling.

Each test is one attack and passes when the defence holds. Against load_many everything held
(shreds between its two reads, across purposes, rotated purpose and master keys, tampered events,
more than one chunk). Against the fault handling the review found six weaknesses, all fixed: a
bug raised while handling a database error, SQLite bugs whose message holds "busy" or "locked",
PostgreSQL's program-limit errors, and "disk is full" echoed in a value were each taken for a
fault (now told by the drivers' codes and eventsourcing's wrapping alone); readiness named the
server's directories and could write a master-key check (now by role, and read only).
"""

from __future__ import annotations

import asyncio
import errno
import os
import sqlite3
import threading
import time
import uuid
from typing import Any

import psycopg
import psycopg.errors
import pytest
from eventsourcing.persistence import OperationalError as ESOperationalError
from fastapi.testclient import TestClient
from starlette.testclient import TestClient as StarletteClient

from adapters.ports import RecordGone
from hub.app import create_app
from hub.container import build_hub
from hub.faults import DependencyFaults
from infra import keystore, persistence
from infra.faults import Fault, fault_of
from infra.keystore import MasterKeyMismatch
from infra.mapper import TamperedRecord, key_ref_of
from infra.persistence import StorePersistence
from infra.readiness import readiness
from infra.settings import Settings
from infra.store import Store, open_store
from tests.infra.test_load_many import Handover, Note


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and vars(a) == vars(b)


def _outcome(fn: Any) -> Any:
    try:
        return fn()
    except RecordGone:
        return "gone"


def _assert_like_load(p: StorePersistence, ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    loaded = p.load_many(ids)
    for record_id in ids:
        one = _outcome(lambda record_id=record_id: p.load(record_id))
        if one == "gone":
            assert isinstance(loaded[record_id], RecordGone), record_id
        else:
            assert _same(loaded[record_id], one), record_id
    return loaded


def _make(store: Store, pupils: int, tag: str = "p") -> tuple[list[uuid.UUID], dict[str, list[uuid.UUID]]]:
    records: list[Any] = []
    of_pupil: dict[str, list[uuid.UUID]] = {}
    for n in range(pupils):
        subject = store.pseudonyms.of("bsn", f"{tag}-{n}")
        note = Note.start(subject=subject, naam=f"n{n}")
        note.rename(f"n{n}'")
        hand = Handover.start(subject=subject, school=f"{n:04d}")
        records += [note, hand]
        of_pupil[subject] = [note.id, hand.id]
    store.records.save(*records)
    return [r.id for r in records], of_pupil


def _events_table(store: Store) -> str:
    return str(store.records.recorder.events_table_name)  # type: ignore[attr-defined]


def _oid(store: Store, record_id: uuid.UUID) -> Any:
    return record_id if store.db.dialect == "postgres" else record_id.hex


def _set_state(store: Store, record_id: uuid.UUID, version: int, state: bytes) -> None:
    with store.db.transaction() as tx:
        tx.execute(
            f"UPDATE {_events_table(store)} SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (state, _oid(store, record_id), version),
        )


# ---------------------------------------------------------------- Change A: load_many and keys


def test_review_a_shred_between_the_events_read_and_the_keys_read_is_honoured(
    store: Store, p: StorePersistence, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shred committed after load_many read the events but before it read their keys."""
    ids, of_pupil = _make(store, 6)
    victim = next(iter(of_pupil))
    real = keystore.KeyStore.keys_for_read

    def shred_first(self: keystore.KeyStore, refs: Any) -> Any:
        store.keys.shred(Note.PURPOSE, victim, "test")
        return real(self, refs)

    monkeypatch.setattr(keystore.KeyStore, "keys_for_read", shred_first)
    loaded = p.load_many(ids)
    note_id, hand_id = of_pupil[victim]
    assert isinstance(loaded[note_id], RecordGone)
    assert isinstance(loaded[hand_id], Handover)  # the other purpose's key is untouched
    assert sum(isinstance(r, RecordGone) for r in loaded.values()) == 1


def test_review_purpose_shred_and_pupil_shred_across_purposes(store: Store, p: StorePersistence) -> None:
    ids, of_pupil = _make(store, 8)
    pupils = list(of_pupil)
    store.keys.shred(Handover.PURPOSE, None, "test")  # the whole purpose, purpose keys too
    store.keys.shred(Note.PURPOSE, pupils[3], "test")
    mixed = ids[::-1]
    loaded = _assert_like_load(p, mixed)
    gone = {i for i, r in loaded.items() if isinstance(r, RecordGone)}
    assert gone == {h for _, h in of_pupil.values()} | {of_pupil[pupils[3]][0]}


def test_review_records_spanning_two_purpose_key_versions_and_a_stale_process(
    settings: Settings, store: Store, p: StorePersistence
) -> None:
    """Records under purpose-key v1 and v2 (rotated by another process while this one had v1
    cached); then a shred by that other process must take effect here at once."""
    old_ids, old_pupils = _make(store, 5, "old")
    assert not any(isinstance(r, RecordGone) for r in p.load_many(old_ids).values())  # v1 cached here
    other = open_store(settings)
    try:
        other.keys.rotate(Note.PURPOSE)
        new_ids, new_pupils = _make(other, 5, "new")  # data keys under v2
        ids = [*old_ids, *new_ids]
        with store.db.transaction(write=False) as tx:
            versions = {
                int(v)
                for (v,) in tx.execute("SELECT kek_version FROM hub_data_keys WHERE purpose = ?", (Note.PURPOSE,)).all()
            }
        assert versions == {2}
        _assert_like_load(p, ids)
        victim_old, victim_new = next(iter(old_pupils)), next(iter(new_pupils))
        other.keys.shred(Note.PURPOSE, victim_old, "test")
        other.keys.shred(Note.PURPOSE, victim_new, "test")
        loaded = _assert_like_load(p, ids)
        assert {i for i, r in loaded.items() if isinstance(r, RecordGone)} == {
            old_pupils[victim_old][0],
            new_pupils[victim_new][0],
        }
    finally:
        other.close()


def test_review_master_rotated_elsewhere_refuses_load_many_as_load(settings: Settings, store: Store) -> None:
    p = StorePersistence(store)
    ids, _ = _make(store, 4)
    assert len(p.load_many(ids)) == len(ids)  # purpose keys now cached under the old master
    operator = open_store(settings)
    try:
        operator.keys.rotate_master(os.urandom(32))
    finally:
        operator.close()
    with pytest.raises(MasterKeyMismatch):
        p.load(ids[0])
    with pytest.raises(MasterKeyMismatch):
        p.load_many(ids)
    with pytest.raises(MasterKeyMismatch):
        p.load_many(ids[:1])


@pytest.mark.parametrize("swap", ["two_aggregates_same_key", "two_versions", "two_pupils"])
def test_review_tampered_events_are_refused_by_load_many_as_by_load(
    store: Store, p: StorePersistence, swap: str
) -> None:
    ids, of_pupil = _make(store, 3)
    pupils = list(of_pupil)
    note_a = of_pupil[pupils[0]][0]
    rec = store.records.recorder
    if swap == "two_versions":  # v1 and v2 of one note swap their states
        s1, s2 = rec.select_events(note_a)
        _set_state(store, note_a, 1, s2.state)
        _set_state(store, note_a, 2, s1.state)
        target = note_a
    elif swap == "two_aggregates_same_key":  # a second note of the same pupil: same data key
        extra = Note.start(subject=pupils[0], naam="zelfde leerling")
        store.records.save(extra)
        (e1,) = rec.select_events(extra.id)
        a1 = rec.select_events(note_a)[0]
        _set_state(store, note_a, 1, e1.state)
        _set_state(store, extra.id, 1, a1.state)
        ids.append(extra.id)
        target = note_a
    else:  # another pupil's note state (its own, valid header) moved in
        note_b = of_pupil[pupils[1]][0]
        b1 = rec.select_events(note_b)[0]
        _set_state(store, note_a, 1, b1.state)
        target = note_a
    with pytest.raises(TamperedRecord):
        p.load(target)
    with pytest.raises(TamperedRecord):
        p.load_many(ids)
    with pytest.raises(TamperedRecord):
        p.load_many([target])


def test_review_a_header_renamed_to_another_pupil_is_refused_by_both(store: Store, p: StorePersistence) -> None:
    """The header names (key id, pupil): keep A's key id but name pupil B (both with keys of the
    purpose). The many-key statement's cross product must not pair A's key with B's name."""
    _, of_pupil = _make(store, 2)
    (a, b) = list(of_pupil)
    assert len(a) == len(b)
    note_a, note_b = of_pupil[a][0], of_pupil[b][0]
    s_a = store.records.recorder.select_events(note_a)[0].state
    ref, body = key_ref_of(s_a)
    forged = s_a[: body - len(a.encode())] + b.encode() + s_a[body:]
    assert key_ref_of(forged)[0] == (ref.key_id, b)
    _set_state(store, note_a, 1, forged)
    with pytest.raises(Exception) as single:
        p.load(note_a)
    with pytest.raises(Exception) as many:
        p.load_many([note_a, note_b])  # B's real key row is in the same statement
    assert type(many.value) is type(single.value)
    assert not isinstance(many.value, RecordGone)


def test_review_more_than_one_chunk_of_records_and_of_keys(store: Store, p: StorePersistence) -> None:
    """600 pupils, one record each, alternating purposes: 600 data keys (two key chunks of 512)
    and 600 records (two event chunks); erasures in both chunks; ids of both kinds interleaved."""
    records: list[Any] = []
    for n in range(600):
        subject = store.pseudonyms.of("bsn", f"c-{n}")
        records.append(
            Note.start(subject=subject, naam=f"{n}") if n % 2 else Handover.start(subject=subject, school=f"{n}")
        )
    store.records.save(*records)
    for n in (1, 2, 550, 599):
        r = records[n]
        store.keys.shred(r.purpose, r.subject, "test")
    ids = [r.id for r in records]
    ids = ids[::-3] + [i for i in ids if i not in set(ids[::-3])]
    assert persistence._RECORDS_AT_ONCE == 512 and keystore._KEYS_AT_ONCE == 512
    loaded = _assert_like_load(p, ids)
    assert len(loaded) == 600
    assert {i for i, r in loaded.items() if isinstance(r, RecordGone)} == {records[n].id for n in (1, 2, 550, 599)}


# ---------------------------------------------------------------- Change B: fault_of


def _raised(make: Any) -> BaseException:
    try:
        make()
    except BaseException as e:
        return e
    raise AssertionError("nothing raised")


def test_review_fault_of_plain_cases() -> None:
    assert fault_of(RuntimeError("x")) is None
    assert fault_of(psycopg.errors.UniqueViolation("duplicate key")) is None
    assert fault_of(psycopg.OperationalError("connection refused")) is Fault.UNAVAILABLE
    assert fault_of(OSError(errno.ENOSPC, "No space left on device")) is Fault.DISK_FULL
    # Made up with a message only, without SQLite's result code, it is no fault (told by codes alone).
    assert fault_of(sqlite3.OperationalError("database is locked")) is None
    assert fault_of(sqlite3.OperationalError("no such table: hub_meta")) is None

    def wrapped() -> None:
        try:
            raise sqlite3.OperationalError("no such table: x")
        except sqlite3.OperationalError as e:
            raise ESOperationalError(e) from e

    assert fault_of(_raised(wrapped)) is None


def test_review_a_bug_raised_while_handling_a_fault_stays_a_500() -> None:
    def suppressed() -> None:
        try:
            raise psycopg.OperationalError("server closed the connection")
        except psycopg.OperationalError:
            raise KeyError("bug in the fallback") from None

    def implicit() -> None:
        try:
            raise psycopg.OperationalError("server closed the connection")
        except psycopg.OperationalError:
            {}["bug"]

    assert fault_of(_raised(suppressed)) is None
    assert fault_of(_raised(implicit)) is None


def test_review_sqlite_bug_messages_with_fault_words_stay_500() -> None:
    for message in ("no such column: locked_at", 'near "busy": syntax error', "no such table: busy_slots"):
        assert fault_of(sqlite3.OperationalError(message)) is None, message


def test_review_postgres_program_limit_is_not_a_503() -> None:
    exc = psycopg.errors.ProgramLimitExceeded("index row size 3000 exceeds btree version 4 maximum 2704")
    assert fault_of(exc) is None


def test_review_disk_full_words_in_an_echoed_value_are_not_a_507() -> None:
    exc = psycopg.errors.InvalidTextRepresentation('invalid input syntax for type uuid: "disk is full"')
    assert fault_of(exc) is None
    assert fault_of(sqlite3.IntegrityError("CHECK constraint failed: no space left on device")) is None


# ---------------------------------------------------------------- Change B: the middleware


def _app_raising(exc: BaseException, after_start: bool = False) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if after_start:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        raise exc

    return DependencyFaults(app, retry_after_seconds=5)


def test_review_middleware_answers_without_leaking_driver_text() -> None:
    secret = (
        'connection to server at "10.1.2.3", port 5432 failed: FATAL: password authentication failed '
        'for user "hub_owner" /var/lib/ketenhub'
    )
    for exc, status in ((psycopg.OperationalError(secret), 503), (OSError(errno.ENOSPC, secret), 507)):
        r = StarletteClient(_app_raising(exc), raise_server_exceptions=True).get("/x")
        assert r.status_code == status
        assert r.headers["retry-after"] == ("5" if status == 503 else "60")
        assert r.headers["content-type"].startswith("application/problem+json")
        blob = r.text + repr(dict(r.headers))
        for leak in ("10.1.2.3", "password", "hub_owner", "/var/lib", "5432", "psycopg", "Traceback"):
            assert leak not in blob


def test_review_middleware_lets_bugs_and_late_faults_through() -> None:
    with pytest.raises(ValueError):
        StarletteClient(_app_raising(ValueError("bug"))).get("/x")
    with pytest.raises(psycopg.OperationalError):
        StarletteClient(_app_raising(psycopg.OperationalError("gone"), after_start=True)).get("/x")


def test_review_a_fault_inside_the_real_app_is_a_503_not_a_500(hub: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(hub)

    def down(*_a: Any, **_k: Any) -> Any:
        raise psycopg.OperationalError('connection to server at "10.9.9.9" failed')

    monkeypatch.setattr("hub.routers.health.readiness", down)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/health/ready")
    assert r.status_code == 503 and "10.9.9.9" not in r.text


# ---------------------------------------------------------------- Change B: readiness


def _hub_with(settings: Settings, **changes: Any) -> Any:
    return build_hub(settings.model_copy(update=changes))


def test_review_readiness_body_shape_when_ready(hub: Any) -> None:
    with TestClient(create_app(hub)) as client:
        r = client.get("/health/ready")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "checks": {"database": "ok", "sleutels": "ok", "schijf": "ok"}}


def test_review_readiness_503_names_no_paths(settings: Settings) -> None:
    h = _hub_with(settings, min_free_disk_mb=10**9)
    try:
        with TestClient(create_app(h), raise_server_exceptions=False) as client:
            r = client.get("/health/ready")
    finally:
        h.close()
    assert r.status_code == 503 and r.headers["retry-after"]
    assert str(settings.var_dir) not in r.text
    assert "/" not in r.json()["checks"]["schijf"]


def _meta(store: Store) -> list[Any]:
    with store.db.transaction(write=False) as tx:
        return sorted((str(n), bytes(v)) for n, v in tx.execute("SELECT name, value FROM hub_meta").all())


def test_review_readiness_writes_nothing_on_a_normal_store(store: Store, settings: Settings) -> None:
    before = _meta(store)
    assert readiness(store, settings).ready
    assert _meta(store) == before


def test_review_readiness_never_writes_a_master_key_check(store: Store, settings: Settings) -> None:
    with store.db.transaction() as tx:
        tx.execute("DELETE FROM hub_meta WHERE name = ?", ("master_check",))
    before = _meta(store)
    readiness(store, settings)
    assert _meta(store) == before


def test_review_readiness_answers_within_its_bound_while_sqlite_is_locked(settings: Settings) -> None:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the SQLite write lock")
    h = _hub_with(settings, database_timeout_seconds=1)  # bound: 1 s + 1 s grace
    path = settings.database_url.removeprefix("sqlite:///")
    held = threading.Event()

    def hold() -> None:
        c = sqlite3.connect(path, isolation_level=None)
        c.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(6)
        c.execute("ROLLBACK")
        c.close()

    try:
        with TestClient(create_app(h), raise_server_exceptions=False) as client:
            t = threading.Thread(target=hold)
            t.start()
            held.wait(5)
            start = time.monotonic()
            r = client.get("/health/ready")
            elapsed = time.monotonic() - start
            t.join()
            time.sleep(1.5)  # the probe's abandoned worker thread gets the lock and ends before close
    finally:
        h.close()
    assert r.status_code == 503
    assert elapsed < 3.5, f"answered after {elapsed:.1f} s"


def test_review_readiness_answers_within_its_bound_when_a_check_hangs(
    hub: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if hub.settings.database_url.startswith("postgres"):
        pytest.skip("one backend suffices")

    def slow(*_a: Any, **_k: Any) -> Any:
        time.sleep(5)
        raise RuntimeError("too late")

    monkeypatch.setattr("hub.routers.health.readiness", slow)
    with TestClient(create_app(hub), raise_server_exceptions=False) as client:
        start = time.monotonic()
        r = client.get("/health/ready")
        elapsed = time.monotonic() - start
        time.sleep(3.5)  # let the abandoned worker finish
    bound = hub.settings.database_timeout_seconds + 1
    assert elapsed < bound + 0.5, f"answered after {elapsed:.1f} s (bound {bound} s), status {r.status_code}"
    assert r.status_code == 503


_ = asyncio  # keep import for readers
