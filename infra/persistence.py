"""The adapters' unit of work, implemented on the store: records, directory, log, answers."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

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
from infra.db import Tx
from infra.directory import Directory
from infra.idempotency import IdempotencyStore
from infra.involvement import InvolvementRegister
from infra.keystore import RecordErased
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
