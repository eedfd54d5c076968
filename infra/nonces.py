"""Replay protection: a signature nonce may be used once per key within the clock window."""

from __future__ import annotations

import time

from sqlalchemy import bindparam as p
from sqlalchemy import delete

from infra.db import INSERTS, Database, Statement
from infra.schema import nonces

_PURGE = Statement(delete(nonces).where(nonces.c.seen_at < p("before")))
# ON CONFLICT keeps two concurrent requests with one nonce from both passing.
_FIRST_USE = Statement(
    lambda d: INSERTS[d](nonces).on_conflict_do_nothing(index_elements=[nonces.c.key_id, nonces.c.nonce])
)


class NonceLedger:
    """Remembers nonces for twice the clock window, then forgets them."""

    def __init__(self, db: Database, window_seconds: int) -> None:
        self._db = db
        self._window = window_seconds
        self._last_purge = 0.0

    def first_use(self, key_id: str, nonce: str) -> bool:
        """Record the nonce; False when it was seen before."""
        now = time.time()
        # Not durable: a nonce lost to a power cut could only let a request that was signed
        # minutes before it be replayed, and it is flushed with the request's own commit anyway.
        with self._db.transaction(durable=False) as tx:
            if now - self._last_purge > self._window:
                # A nonce older than the window cannot pass the `created` check anyway.
                tx.execute(_PURGE, {"before": int(now) - 2 * self._window})
                self._last_purge = now
            inserted = tx.execute(_FIRST_USE, {"key_id": key_id, "nonce": nonce, "seen_at": int(now)}).rowcount()
        return inserted == 1
