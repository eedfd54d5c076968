"""Idempotent pushes: one `Idempotency-Key` per organisation gives one result, ever.

The record is written in the same transaction as the events it answers for, so a
crash either keeps both or neither. Stored answers are sealed: they are small and
hold no pupil data by design, but the hub never leaves a response body in the clear.

The request hash is an HMAC under a key derived from the answer key: the body holds the
BSN, name and date of birth, and a plain hash of it would give the BSN up to a brute force
over the nine digits. Each row names its pupil (by pseudonym) and purpose, so that a shred
of that key leaves only a tombstone (`forget_in`): status 410, no hash, no answer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam as p
from sqlalchemy import insert, select, update

from infra.db import Database, Statement, Tx
from infra.schema import idempotency as idem
from infra.sealing import seal, unseal

if TYPE_CHECKING:  # infra.recorders imports the key store, which imports this module
    from infra.recorders import SideWrite

# The status of a tombstone: the answer of a push whose pupil's key was shredded.
GONE = 410

_FIND = Statement(
    select(idem.c.request_hash, idem.c.status, idem.c.response).where(
        idem.c.org_id == p("org_id"), idem.c.idem_key == p("idem_key")
    )
)
# A plain INSERT: a key taken meanwhile fails the whole transaction (the primary key).
_REMEMBER = Statement(insert(idem))
_TOMBSTONE = {"status": GONE, "request_hash": "", "response": b""}
_LIVE = idem.c.status != GONE
_FORGET_PUPIL = Statement(
    update(idem).where(idem.c.purpose == p("purpose"), idem.c.subject == p("subject"), _LIVE).values(**_TOMBSTONE)
)
_FORGET_PURPOSE = Statement(update(idem).where(idem.c.purpose == p("purpose"), _LIVE).values(**_TOMBSTONE))


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer to a push, replayed for every retry with the same key and body.

    A tombstone (`status` 410) has no hash and an empty body: the push's data was erased."""

    request_hash: str
    status: int
    body: dict[str, Any]


def hash_key(answer_key: bytes) -> bytes:
    """The request-hash key: one-way from the answer key, so it outlives master rotations as that does."""
    return hashlib.blake2b(b"idempotency-hash", key=answer_key, digest_size=32, person=b"ketenhub-subkey").digest()


def keyed_request_hash(key: bytes, method: str, path: str, body: bytes) -> str:
    """HMAC-SHA-256 of the request: without the hub's key it cannot be recomputed, so not brute-forced."""
    return hmac.new(key, b"\n".join((method.encode(), path.encode(), body)), hashlib.sha256).hexdigest()


def forget_in(tx: Tx, purpose: str, subject: str | None) -> None:
    """Inside a shred's transaction: the answers for (purpose, subject), or for every pupil of
    the purpose, become tombstones. The row stays, so a retry answers 410 instead of running
    the push again (which would store the erased data anew)."""
    if subject is None:
        tx.execute(_FORGET_PURPOSE, {"purpose": purpose})
    else:
        tx.execute(_FORGET_PUPIL, {"purpose": purpose, "subject": subject})


class IdempotencyStore:
    """Looks up and records the answers to idempotent pushes."""

    def __init__(self, db: Database, key: bytes) -> None:
        self._db = db
        self._key = key
        self._hash_key = hash_key(key)

    def _aad(self, org_id: str, idem_key: str) -> bytes:
        return f"idempotency|{org_id}|{idem_key}".encode()

    def request_hash(self, method: str, path: str, body: bytes) -> str:
        """What a retry must match: keyed, so the stored hash gives nothing of the body away."""
        return keyed_request_hash(self._hash_key, method, path, body)

    def find(self, org_id: str, idem_key: str) -> StoredAnswer | None:
        with self._db.transaction(write=False) as tx:
            row = tx.execute(_FIND, {"org_id": org_id, "idem_key": idem_key}).one()
        if row is None:
            return None
        if int(row[1]) == GONE:
            return StoredAnswer("", GONE, {})
        body = json.loads(unseal(self._key, bytes(row[2]), self._aad(org_id, idem_key)))
        return StoredAnswer(str(row[0]), int(row[1]), body)

    def remember(
        self,
        org_id: str,
        idem_key: str,
        req_hash: str,
        status: int,
        body: dict[str, Any],
        *,
        subject: str,
        purpose: str,
    ) -> SideWrite:
        """A side write for `Records.save`: fails the whole transaction if the key was taken meanwhile."""
        sealed = seal(self._key, json.dumps(body, sort_keys=True, default=str).encode(), self._aad(org_id, idem_key))

        def write(tx: Tx) -> None:
            tx.execute(
                _REMEMBER,
                {
                    "org_id": org_id,
                    "idem_key": idem_key,
                    "request_hash": req_hash,
                    "status": status,
                    "response": sealed,
                    "subject": subject,
                    "purpose": purpose,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                },
            )

        return write
