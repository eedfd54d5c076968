"""The adapters' unit of work, implemented on the store: records, directory, log, answers."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from functools import lru_cache, partial
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, StoredEvent
from sqlalchemy import any_, column, select, table
from sqlalchemy import bindparam as p
from sqlalchemy.sql.expression import TableClause

from adapters.ports import (
    AnswerTaken,
    ConcurrentChange,
    DirectoryEntry,
    IdempotentAnswer,
    InvolvementChange,
    PreviousAnswer,
    RecordGone,
    RecordMissing,
)
from audit.entries import AccessEntry
from domain.betrokkenheid import Involvement
from domain.parties import Organisation
from infra.accesslog import AccessLogStore, utc_now
from infra.db import Params, Statement, Tx, padded
from infra.directory import Directory
from infra.idempotency import IdempotencyStore
from infra.involvement import InvolvementRegister
from infra.keystore import RecordErased
from infra.mapper import SealingMapper
from infra.orgs import OrgRegistry
from infra.recorders import SideWrite
from infra.store import Store


class StorePersistence:
    """`adapters.ports.Persistence` on the hub's store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.access_log = AccessLogStore(store.db)
        self.directory = Directory(store.db)
        self.answers = IdempotencyStore(store.db, store.keys.sub_key("idempotency"))
        self.register = InvolvementRegister(store.db)
        self.orgs = OrgRegistry(store.db)

    def pseudonym(self, kind: str, value: str) -> str:
        return self.store.pseudonyms.of(kind, value)

    def load(self, record_id: UUID, version: int | None = None) -> Any:
        try:
            return self.store.records.repository.get(record_id, version=version, projector_func=_project)
        except RecordErased as e:
            raise RecordGone(str(e)) from e
        except AggregateNotFoundError as e:
            raise RecordMissing(str(record_id)) from e

    def load_many(self, record_ids: Sequence[UUID]) -> dict[UUID, Any]:
        """`load` of each record, at once: the stored events of them all in one statement, their
        data keys in one more (per 512), each record projected as `load` projects it. An erased
        record maps to a `RecordGone` (not raised), a missing one is absent; the keys are read
        afresh at every call, so a shred takes effect at the next read, as for `load`."""
        ids = list(dict.fromkeys(record_ids))
        repository = self.store.records.repository
        if repository.snapshot_store is not None or repository.cache is not None:
            return self._load_each(ids)  # snapshots or a cache: the repository's own way, record by record
        mapper = self.store.records.mapper
        assert isinstance(mapper, SealingMapper)
        loaded: dict[UUID, Any] = {}
        for start in range(0, len(ids), _RECORDS_AT_ONCE):
            chunk = ids[start : start + _RECORDS_AT_ONCE]
            opened = mapper.to_domain_events_of_many(self._stored_events(chunk))
            for record_id in chunk:
                events = opened.get(record_id)
                if isinstance(events, RecordErased):
                    loaded[record_id] = RecordGone(str(events))
                elif events:
                    loaded[record_id] = _project(None, events)
        return loaded

    def _load_each(self, record_ids: Sequence[UUID]) -> dict[UUID, Any]:
        loaded: dict[UUID, Any] = {}
        for record_id in record_ids:
            try:
                loaded[record_id] = self.load(record_id)
            except RecordGone as e:
                loaded[record_id] = e
            except RecordMissing:
                pass
        return loaded

    def _stored_events(self, record_ids: Sequence[UUID]) -> list[StoredEvent]:
        """The stored events of these records (at most `_RECORDS_AT_ONCE`), in one statement, each
        record's in version order, as the recorder's own `select_events` reads one record's."""
        recorder: Any = self.store.records.recorder  # eventsourcing's SQLite or PostgreSQL recorder
        db = self.store.db
        table = _events_table(recorder.events_table_name, getattr(recorder.datastore, "schema", None))
        params: Params
        if db.dialect == "postgres":
            statement, params = _events_of(table, 0), {"ids": list(record_ids)}
        else:  # stored as the hex of the id, as the SQLite recorder writes it
            hexes = padded([r.hex for r in record_ids])
            statement, params = _events_of(table, len(hexes)), {f"i{n}": h for n, h in enumerate(hexes)}
        with db.read() as tx:
            rows = tx.execute(statement, params).all()
        return [
            StoredEvent(oid if isinstance(oid, UUID) else UUID(oid), int(version), str(topic), bytes(state))
            for oid, version, topic, state in rows
        ]

    def commit(
        self,
        records: Sequence[Any],
        *,
        log: Sequence[AccessEntry],
        directory: Sequence[DirectoryEntry] = (),
        answer: IdempotentAnswer | None = None,
        involvement: Sequence[InvolvementChange] = (),
    ) -> None:
        side: list[SideWrite] = []
        if answer is not None:
            side.append(
                self.answers.remember(
                    answer.org_id,
                    answer.key,
                    answer.request_hash,
                    answer.status,
                    answer.body,
                    subject=answer.subject,
                    purpose=answer.purpose,
                )
            )
        at, new = utc_now(), {d.record_id for d in directory}
        side.extend(partial(Directory.add_in, entry=d, at=at) for d in directory)
        # Retention counts from a record's last change (infra/retention.py).
        side.extend(
            partial(Directory.touched_in, record_id=r.id, at=at)
            for r in records
            if r.id not in new and getattr(r, "pending_events", None)
        )
        side.extend(partial(_change_in, change=c, at=at) for c in involvement)
        side.append(self.access_log.side_write(log, at))
        if not records:  # an involvement change alone: its own transaction, with its log entries
            with self.store.db.transaction() as tx:
                for write in side:
                    write(tx)
            return
        try:
            self.store.records.save(*records, side_writes=side)
        except RecordErased as e:
            raise RecordGone(str(e)) from e
        except IntegrityError as e:
            if answer is not None and self.answers.find(answer.org_id, answer.key) is not None:
                raise AnswerTaken(answer.key) from e
            raise ConcurrentChange(str(e)) from e

    def log(self, entries: Sequence[AccessEntry]) -> None:
        self.access_log.append(entries)

    def involved(self, subjects: Collection[str], at: datetime) -> dict[str, frozenset[str]]:
        return self.register.involved(subjects, at)

    def involvement(self, involvement_id: str) -> Involvement | None:
        return self.register.get(involvement_id)

    def involvements(self, subject: str) -> list[Involvement]:
        return self.register.of_subject(subject)

    def end_involvement(self, involvement_id: str, log: Sequence[AccessEntry]) -> None:
        at = utc_now()
        with self.store.db.transaction() as tx:
            InvolvementRegister.end_id_in(tx, involvement_id, at)
            self.access_log.append_in(tx, log, at)

    def party(self, org_id: str) -> Organisation | None:
        return self.orgs.get(org_id)

    def swv_of(self, school_org: str) -> str | None:
        return self.orgs.swv_of_school(school_org)

    def previous_answer(self, org_id: str, key: str) -> PreviousAnswer | None:
        found = self.answers.find(org_id, key)
        return None if found is None else PreviousAnswer(found.request_hash, found.status, found.body)

    def directory_entry(self, record_id: UUID) -> DirectoryEntry | None:
        return self.directory.get(record_id)

    def feed(self, kind: str, gemeente: str, after: int, limit: int) -> list[tuple[int, DirectoryEntry]]:
        return self.directory.feed(kind, gemeente, after, limit)

    def of_subject(self, subject: str) -> list[DirectoryEntry]:
        return self.directory.of_subject(subject)

    def received(self, kind: str, receiver_org: str, after: int, limit: int) -> list[tuple[int, DirectoryEntry]]:
        return self.directory.received(kind, receiver_org, after, limit)

    def owned(self, kind: str, owner_org: str, after: int, limit: int) -> list[tuple[int, DirectoryEntry]]:
        return self.directory.owned(kind, owner_org, after, limit)


_RECORDS_AT_ONCE = 512  # records per events statement in `load_many` (one parameter each on SQLite)


@lru_cache(maxsize=8)
def _events_table(name: str, schema: str | None) -> TableClause:
    """The recorder's events table (eventsourcing's own, so not in infra/schema.py)."""
    return table(
        name, column("originator_id"), column("originator_version"), column("topic"), column("state"), schema=schema
    )


@lru_cache(maxsize=32)
def _events_of(events: TableClause, count: int) -> Statement:
    """The stored events of many records, each record's in version order: on PostgreSQL of the
    array `ids` (`count` 0), on SQLite of an IN list of `count` parameters i0, i1, …"""
    c = events.c
    of = c.originator_id == any_(p("ids")) if count == 0 else c.originator_id.in_([p(f"i{n}") for n in range(count)])
    return Statement(
        select(c.originator_id, c.originator_version, c.topic, c.state)
        .where(of)
        .order_by(c.originator_id, c.originator_version)
    )


def _project(aggregate: Any, events: Iterable[Any]) -> Any:
    """eventsourcing's `project_aggregate` without its per-event `isinstance` against a runtime
    Protocol, which costs more than the event's own `mutate` (a listing projects hundreds)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def _change_in(tx: Tx, change: InvolvementChange, at: str) -> None:
    InvolvementRegister.start_in(
        tx, change.subject, change.org_id, change.relation, change.source, change.record_id, at, change.id
    )
