"""Idempotent pushes: one `Idempotency-Key` per organisation gives one result, ever.

The record is written in the same transaction as the events it answers for, so a
crash either keeps both or neither. Stored answers are sealed: they are small and
hold no pupil data by design, but the hub never leaves a response body in the clear.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam as p
from sqlalchemy import insert, select

from infra.db import Database, Statement, Tx
from infra.recorders import SideWrite
from infra.schema import idempotency as idem
from infra.sealing import seal, unseal

_FIND = Statement(
    select(idem.c.request_hash, idem.c.status, idem.c.response).where(
        idem.c.org_id == p("org_id"), idem.c.idem_key == p("idem_key")
    )
)
# A plain INSERT: a key taken meanwhile fails the whole transaction (the primary key).
_REMEMBER = Statement(insert(idem))


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer to a push, replayed for every retry with the same key and body."""

    request_hash: str
    status: int
    body: dict[str, Any]


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join((method.encode(), path.encode(), body))).hexdigest()


class IdempotencyStore:
    """Looks up and records the answers to idempotent pushes."""

    def __init__(self, db: Database, key: bytes) -> None:
        self._db = db
        self._key = key

    def _aad(self, org_id: str, idem_key: str) -> bytes:
        return f"idempotency|{org_id}|{idem_key}".encode()

    def find(self, org_id: str, idem_key: str) -> StoredAnswer | None:
        with self._db.transaction(write=False) as tx:
            row = tx.execute(_FIND, {"org_id": org_id, "idem_key": idem_key}).one()
        if row is None:
            return None
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
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                },
            )

        return write
