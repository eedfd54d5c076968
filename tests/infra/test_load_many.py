"""`StorePersistence.load_many` on both backends: the same records as `load` of each, in one read.

A mix of record kinds, purposes and versions across many pupils, one pupil erased for one purpose
(its records of that purpose, and no others, answer RecordGone), an unknown id, an empty list,
duplicates; the page's events in ONE statement and its keys in one more; a shred seen at the next
call; and the casus listing loading its page through it.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from adapters import casuslijst
from adapters.casustoegang import PURPOSE
from adapters.ports import RecordGone, RecordMissing, load_many_as
from domain.parties import Role
from domain.records import PupilRecord
from hub.bench import casussen
from infra import keystore, persistence
from infra.db import Statement, Tx
from infra.persistence import StorePersistence
from infra.store import Store

PUPILS = 24


class Note(PupilRecord):
    """A record of one purpose, changed a few times."""

    PURPOSE = "verzuimmelding"

    class Created(PupilRecord.Created):
        naam: str

    def __init__(self, purpose: str, subject: str, naam: str) -> None:
        super().__init__(purpose, subject)
        self.naam = naam
        self.history: list[str] = []

    class Renamed(PupilRecord.Event):
        naam: str

        def apply(self, aggregate: Note) -> None:
            aggregate.history.append(aggregate.naam)
            aggregate.naam = self.naam

    def rename(self, naam: str) -> None:
        self.trigger_event(self.Renamed, naam=naam)


class Handover(PupilRecord):
    """A record of another kind and purpose, so of another data key of the same pupil."""

    PURPOSE = "warme-overdracht"

    class Created(PupilRecord.Created):
        school: str

    def __init__(self, purpose: str, subject: str, school: str) -> None:
        super().__init__(purpose, subject)
        self.school = school
        self.received = False

    class Received(PupilRecord.Event):
        def apply(self, aggregate: Handover) -> None:
            aggregate.received = True

    def receive(self) -> None:
        self.trigger_event(self.Received)


def _fill(store: Store) -> tuple[list[uuid.UUID], dict[str, list[uuid.UUID]]]:
    """Per pupil a note at version 1 to 4 and, for every other pupil, a handover received or not:
    the ids in a shuffled order (not the store's), and each pupil's record ids."""
    records: list[Any] = []
    of_pupil: dict[str, list[uuid.UUID]] = {}
    for n in range(PUPILS):
        subject = store.pseudonyms.of("bsn", f"pupil-{n}")
        note = Note.start(subject=subject, naam=f"leerling {n}")
        for k in range(n % 4):
            note.rename(f"leerling {n}.{k}")
        records.append(note)
        if n % 2 == 0:
            handover = Handover.start(subject=subject, school=f"{n:02d}AB00")
            if n % 4 == 0:
                handover.receive()
            records.append(handover)
        of_pupil[subject] = [r.id for r in records if r.subject == subject]
    store.records.save(*records[: len(records) // 2])
    store.records.save(*records[len(records) // 2 :])
    ids = [r.id for r in records]
    return ids[1::2] + ids[::2], of_pupil


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and vars(a) == vars(b)


class _Statements:
    """The statements sent through infra.db.Tx, by SQL text."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def of(self, needle: str) -> list[str]:
        return [s for s in self.sql if needle in s]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> _Statements:
    statements = _Statements()
    execute = Tx.execute

    def spy(tx: Tx, statement: Statement | str, params: Any = ()) -> Tx:
        statements.sql.append(statement.sql(tx.dialect) if isinstance(statement, Statement) else statement)
        return execute(tx, statement, params)

    monkeypatch.setattr(Tx, "execute", spy)
    return statements


def _events_table(store: Store) -> str:
    return str(store.records.recorder.events_table_name)  # type: ignore[attr-defined]


def test_load_many_equals_load_of_each(store: Store, p: StorePersistence) -> None:
    ids, _ = _fill(store)
    loaded = p.load_many(ids)
    assert list(loaded) == ids  # in the order asked
    for record_id in ids:
        assert _same(loaded[record_id], p.load(record_id))
    assert {type(r) for r in loaded.values()} == {Note, Handover}
    assert {r.version for r in loaded.values()} == {1, 2, 3, 4}


def test_an_erased_pupil_is_gone_for_exactly_its_records_of_that_purpose(store: Store, p: StorePersistence) -> None:
    ids, of_pupil = _fill(store)
    erased = store.pseudonyms.of("bsn", "pupil-4")  # a note at version 1, a received handover
    assert store.keys.shred(Note.PURPOSE, erased, "test") == 1
    unknown = uuid.uuid4()
    loaded = p.load_many([unknown, *ids])
    gone = {record_id for record_id, record in loaded.items() if isinstance(record, RecordGone)}
    erased_notes = {i for i in of_pupil[erased] if i in gone}
    assert len(gone) == 1 and gone == erased_notes
    for record_id in ids:
        if record_id in gone:
            with pytest.raises(RecordGone):
                p.load(record_id)
        else:
            assert _same(loaded[record_id], p.load(record_id))
    # Its handover, under the pupil's other data key, is still there.
    assert any(isinstance(loaded[i], Handover) for i in of_pupil[erased])
    assert unknown not in loaded
    with pytest.raises(RecordMissing):
        p.load(unknown)


def test_a_shred_takes_effect_at_the_next_call(store: Store, p: StorePersistence) -> None:
    ids, of_pupil = _fill(store)
    subject = store.pseudonyms.of("bsn", "pupil-7")
    assert not any(isinstance(r, RecordGone) for r in p.load_many(ids).values())
    store.keys.shred(Note.PURPOSE, subject, "test")
    after = p.load_many(ids)
    assert {i for i, r in after.items() if isinstance(r, RecordGone)} == set(of_pupil[subject])


def test_empty_unknown_and_duplicate_ids(store: Store, p: StorePersistence, sent: _Statements) -> None:
    assert p.load_many([]) == {}
    assert sent.sql == []  # nothing to read, nothing read
    assert p.load_many([uuid.uuid4(), uuid.uuid4()]) == {}
    ids, _ = _fill(store)
    twice = p.load_many([ids[3], ids[0], ids[3]])
    assert list(twice) == [ids[3], ids[0]]
    assert _same(twice[ids[3]], p.load(ids[3]))


def test_one_statement_for_the_events_and_one_for_the_keys(
    store: Store, p: StorePersistence, sent: _Statements, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids, _ = _fill(store)

    def no_single_reads(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("load_many read a record's events or key on its own")

    monkeypatch.setattr(type(store.records.recorder), "select_events", no_single_reads)
    monkeypatch.setattr(keystore.KeyStore, "key_for_read", no_single_reads)
    sent.sql[:] = []
    loaded = p.load_many(ids)
    assert len(loaded) == len(ids) and len({r.subject for r in loaded.values()}) == PUPILS
    assert len(sent.of(_events_table(store))) == 1
    assert len(sent.of("hub_data_keys")) == 1
    assert len(sent.sql) == 2


def test_many_records_in_chunks(store: Store, p: StorePersistence, monkeypatch: pytest.MonkeyPatch) -> None:
    """More records than one statement takes (made small here): read in chunks, the same records."""
    ids, _ = _fill(store)
    store.keys.shred(Handover.PURPOSE, store.pseudonyms.of("bsn", "pupil-0"), "test")
    whole = p.load_many(ids)
    monkeypatch.setattr(persistence, "_RECORDS_AT_ONCE", 5)
    monkeypatch.setattr(keystore, "_KEYS_AT_ONCE", 3)
    chunked = p.load_many(ids)
    assert list(chunked) == list(whole)
    for record_id, record in whole.items():
        assert (
            isinstance(chunked[record_id], RecordGone)
            if isinstance(record, RecordGone)
            else _same(chunked[record_id], record)
        )


def test_load_many_as_keeps_the_kind_asked_for(store: Store, p: StorePersistence) -> None:
    ids, _ = _fill(store)
    subject = store.pseudonyms.of("bsn", "pupil-1")
    store.keys.shred(Note.PURPOSE, subject, "test")
    notes = load_many_as(p, Note, ids)
    loaded = p.load_many(ids)
    assert set(notes) == {i for i, r in loaded.items() if isinstance(r, Note | RecordGone)}
    assert all(not isinstance(r, Handover) for r in notes.values())
    assert sum(isinstance(r, RecordGone) for r in notes.values()) == 1


def test_the_case_listing_loads_its_page_at_once(
    store: Store, p: StorePersistence, sent: _Statements, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SWV's page: its cases' events in one statement, none loaded on its own; an erased case
    listed as erased, every weighed item logged, a pupil who left not listed."""
    filled = casussen.fill(p, 60)
    swv = casussen.party(Role.SWV, casussen.SWV)
    ours = {i: c for i, c in filled.cases.items() if c.swv == casussen.SWV}
    erased = next(i for i, c in ours.items() if c.open and c.registered)
    store.keys.shred(PURPOSE, ours[erased].subject, "test")

    def no_single_loads(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the listing loaded a case on its own")

    monkeypatch.setattr(StorePersistence, "load", no_single_loads)
    start, sent.sql[:] = p.access_log.size(), []
    answer = casuslijst.listing(p, swv, 0, 100, True)
    assert answer.status == 200
    assert len(sent.of(_events_table(store))) == 1
    items = {uuid.UUID(item["id"]): item for item in answer.body["items"]}
    assert items[erased] == {"id": str(erased), "cursor": items[erased]["cursor"], "gewist": True}
    weighed = {i for i, item in items.items() if "afweging" in item}
    assert weighed == {i for i, c in ours.items() if c.open and c.registered and i != erased}
    assert p.access_log.size() - start == len(weighed)
