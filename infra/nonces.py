"""Replay protection: a signature nonce may be used once per key within the clock window."""

from __future__ import annotations

import time

from infra.db import Database

TABLES = (
    "CREATE TABLE IF NOT EXISTS hub_nonces ("
    " key_id TEXT NOT NULL, nonce TEXT NOT NULL, seen_at BIGINT NOT NULL,"
    " PRIMARY KEY (key_id, nonce))",
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
                tx.execute("DELETE FROM hub_nonces WHERE seen_at < ?", (int(now) - 2 * self._window,))
                self._last_purge = now
            # ON CONFLICT keeps two concurrent requests with one nonce from both passing.
            inserted = tx.execute(
                "INSERT INTO hub_nonces (key_id, nonce, seen_at) VALUES (?,?,?) ON CONFLICT (key_id, nonce) DO NOTHING",
                (key_id, nonce, int(now)),
            ).rowcount()
        return inserted == 1
