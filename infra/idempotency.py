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

from infra.db import Database, Tx
from infra.recorders import SideWrite
from infra.sealing import seal, unseal

TABLES = (
    "CREATE TABLE IF NOT EXISTS hub_idempotency ("
    " org_id TEXT NOT NULL, idem_key TEXT NOT NULL, request_hash TEXT NOT NULL,"
    " status BIGINT NOT NULL, response BLOB NOT NULL, created_at TEXT NOT NULL,"
    " PRIMARY KEY (org_id, idem_key))",
)


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
            row = tx.execute(
                "SELECT request_hash, status, response FROM hub_idempotency WHERE org_id = ? AND idem_key = ?",
                (org_id, idem_key),
            ).one()
        if row is None:
            return None
        body = json.loads(unseal(self._key, bytes(row[2]), self._aad(org_id, idem_key)))
        return StoredAnswer(str(row[0]), int(row[1]), body)

    def remember(self, org_id: str, idem_key: str, req_hash: str, status: int, body: dict[str, Any]) -> SideWrite:
        """A side write for `Records.save`: fails the whole transaction if the key was taken meanwhile."""
        sealed = seal(self._key, json.dumps(body, sort_keys=True, default=str).encode(), self._aad(org_id, idem_key))

        def write(tx: Tx) -> None:
            tx.execute(
                "INSERT INTO hub_idempotency (org_id, idem_key, request_hash, status, response, created_at)"
                " VALUES (?,?,?,?,?,?)",
                (org_id, idem_key, req_hash, status, sealed, datetime.now(UTC).isoformat(timespec="seconds")),
            )

        return write
