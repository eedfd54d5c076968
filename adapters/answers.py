"""Idempotent pushes: the same key and body give the first answer again; another body gives 409."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.errors import Conflict, Gone
from adapters.ports import AnswerTaken, DirectoryEntry, IdempotentAnswer, Persistence, Requester


@dataclass(frozen=True)
class Answer:
    """What a use case answers: the HTTP-neutral status and body, and whether it is a replay."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


# The status of a remembered answer whose pupil's key was shredded since (a tombstone: no body).
ERASED = 410

# What a push gets from `once`: (status, body, pupil pseudonym, purpose) → the answer to store.
AnswerFor = Callable[[int, dict[str, Any], str, str], IdempotentAnswer | None]


@dataclass(frozen=True)
class Idempotency:
    """The `Idempotency-Key` of a push and the hash of what was pushed."""

    key: str
    request_hash: str


def once(
    p: Persistence,
    who: Requester,
    idem: Idempotency | None,
    run: Callable[[AnswerFor], Answer],
    subject: str | None = None,
) -> Answer:
    """Run a push at most once per idempotency key.

    `run` gets a function that turns its (status, body, pupil pseudonym, purpose) into the
    answer to store in the same transaction as its events (or None when the push carries no key).
    `subject`, the pupil the push names, goes with a refusal into the access log.
    """
    if idem is None:
        return run(lambda status, body, subject, purpose: None)
    previous = p.previous_answer(who.org.org_id, idem.key)
    if previous is None:
        try:
            return run(
                lambda status, body, subject, purpose: IdempotentAnswer(
                    who.org.org_id, idem.key, idem.request_hash, status, body, subject, purpose
                )
            )
        except AnswerTaken:
            previous = p.previous_answer(who.org.org_id, idem.key)
            assert previous is not None
    if previous.status == ERASED:  # never run again: the push would store the erased data anew
        raise Gone("what this Idempotency-Key answered for was erased (its key was destroyed)", subject=subject)
    if previous.request_hash != idem.request_hash:
        raise Conflict("this Idempotency-Key was used before with a different request; use a new key for a new push")
    return Answer(previous.status, previous.body, replayed=True)


def id_page(page: list[tuple[int, DirectoryEntry]], after: int) -> Answer:
    """A cursor page of record ids: `volgende` is the cursor to ask after next."""
    items = [{"id": str(e.record_id), "cursor": seq} for seq, e in page]
    return Answer(200, {"items": items, "volgende": page[-1][0] if page else after})
