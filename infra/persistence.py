"""The adapters' unit of work, implemented on the store: records, directory, log, answers."""

from __future__ import annotations

from collections.abc import Sequence
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
    PreviousAnswer,
    RecordGone,
    RecordMissing,
)
from audit.entries import AccessEntry
from infra.accesslog import AccessLogStore, utc_now
from infra.directory import Directory
from infra.idempotency import IdempotencyStore
from infra.keystore import RecordErased
from infra.recorders import SideWrite
from infra.store import Store


class StorePersistence:
    """`adapters.ports.Persistence` on the hub's store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.access_log = AccessLogStore(store.db)
        self.directory = Directory(store.db)
        self.answers = IdempotencyStore(store.db, store.keys.sub_key("idempotency"))

    def pseudonym(self, kind: str, value: str) -> str:
        return self.store.pseudonyms.of(kind, value)

    def load(self, record_id: UUID, version: int | None = None) -> Any:
        try:
            return self.store.records.repository.get(record_id, version=version)
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
        side.append(self.access_log.side_write(log, at))
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
