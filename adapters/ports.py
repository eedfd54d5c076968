"""What the adapters need from persistence, as protocols; infra implements them, hub wires them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from audit.entries import AccessEntry
from domain.betrokkenheid import Betrokkenheid, Bron, Involvement
from domain.parties import Organisation
from domain.records import PupilRecord

R = TypeVar("R", bound=PupilRecord)


class RecordGone(Exception):
    """The record was erased (its key shredded): answer 410, never a crash."""


class RecordMissing(Exception):
    """No such record."""


class ConcurrentChange(Exception):
    """Someone else changed the record first (optimistic concurrency): answer 409."""


class AnswerTaken(Exception):
    """Another request with the same idempotency key committed first."""


@dataclass(frozen=True)
class DirectoryEntry:
    """The non-personal index of a record: who owns it, where it is routed, whose pupil."""

    record_id: UUID
    kind: str
    purpose: str
    owner_org: str
    subject: str
    gemeente: str | None = None
    receiver_org: str | None = None


@dataclass(frozen=True)
class InvolvementChange:
    """A party becomes involved with a pupil, in the commit of the record or request that causes it."""

    subject: str
    org_id: str
    relation: Betrokkenheid
    source: Bron
    record_id: str | None = None
    id: str | None = None  # of a new involvement; default a random one


@dataclass(frozen=True)
class IdempotentAnswer:
    """The answer to remember for an idempotent push, and whose data it answers for: the answer
    goes when the pupil's key for that purpose is shredded."""

    org_id: str
    key: str
    request_hash: str
    status: int
    body: dict[str, Any]
    subject: str
    purpose: str


@dataclass(frozen=True)
class PreviousAnswer:
    """An answer given before under the same idempotency key."""

    request_hash: str
    status: int
    body: dict[str, Any]


class Persistence(Protocol):
    """The unit of work the adapters run on."""

    def pseudonym(self, kind: str, value: str) -> str: ...

    def load(self, record_id: UUID, version: int | None = None) -> PupilRecord: ...

    def load_many(self, record_ids: Sequence[UUID]) -> dict[UUID, PupilRecord | RecordGone]:
        """`load` of each record (its newest version), at once (a page of a listing): what `load`
        returns, or for an erased record the `RecordGone` it raises, as a value — one erased record
        spoils no page. A record `load` finds missing is absent; `load`'s other errors are raised.
        Keys are read afresh at each call, as by `load`: a shred takes effect at the next read."""
        ...

    def commit(
        self,
        records: Sequence[Any],
        *,
        log: Sequence[AccessEntry],
        directory: Sequence[DirectoryEntry] = (),
        answer: IdempotentAnswer | None = None,
        involvement: Sequence[InvolvementChange] = (),
    ) -> None: ...

    def log(self, entries: Sequence[AccessEntry]) -> None: ...

    def involved(self, subjects: Collection[str], at: datetime) -> dict[str, frozenset[str]]: ...

    def involvement(self, involvement_id: str) -> Involvement | None: ...

    def involvements(self, subject: str) -> list[Involvement]: ...

    def end_involvement(self, involvement_id: str, log: Sequence[AccessEntry]) -> None: ...

    def party(self, org_id: str) -> Organisation | None: ...

    def swv_of(self, school_org: str) -> str | None: ...

    def previous_answer(self, org_id: str, key: str) -> PreviousAnswer | None: ...

    def directory_entry(self, record_id: UUID) -> DirectoryEntry | None: ...

    def feed(self, kind: str, gemeente: str, after: int, limit: int) -> list[tuple[int, DirectoryEntry]]: ...

    def owned(self, kind: str, owner_org: str, after: int, limit: int) -> list[tuple[int, DirectoryEntry]]: ...

    def of_subject(self, subject: str) -> list[DirectoryEntry]: ...

    def received(self, kind: str, receiver_org: str, after: int, limit: int) -> list[tuple[int, DirectoryEntry]]: ...


@dataclass(frozen=True)
class Requester:
    """An authenticated caller: the organisation, the person acting, ids for the access log."""

    org: Organisation
    key_id: str
    actor: str | None
    request_id: str
    trace_id: str | None


def load_many_as(p: Persistence, kind: type[R], record_ids: Sequence[UUID]) -> dict[UUID, R | RecordGone]:
    """`load_many` of records that the caller's directory rows say are `kind`s: as `load_as` of each,
    a record of another kind is no record of the kind asked for, so absent, as a missing one is."""
    return {
        record_id: record
        for record_id, record in p.load_many(record_ids).items()
        if isinstance(record, (kind, RecordGone))
    }


def load_as(p: Persistence, kind: type[R], record_id: UUID, version: int | None = None) -> R:
    """The record `record_id` (at `version`), which the caller's directory row says is a `kind`.

    A record of another kind is no record of the kind asked for: RecordMissing.
    """
    record = p.load(record_id, version)
    if not isinstance(record, kind):
        raise RecordMissing(f"{record_id} is no {kind.__name__}")
    return record
