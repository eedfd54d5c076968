"""Per-party rate limits: a token bucket per key id, its size and rate set per role.

A limit protects the other parties from one party's runaway client; the hub's capacity as a whole
is guarded by admission (hub/admission.py). The bucket is taken only after the signature has been
verified, and given back when the nonce turns out replayed, so nobody can spend another party's
tokens with that party's key id or a captured request. The headers follow
draft-ietf-httpapi-ratelimit-headers-10: `RateLimit-Policy` names the bucket (q its size, w the
seconds it takes to fill), `RateLimit` what is left (r) and when the bucket is full again (t).
Buckets live in the worker's memory: with N workers a party may get up to N times its rate.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from infra.settings import RateLimit

POLICY = "partij"
_IDLE_BUCKETS = 10_000  # buckets kept before full ones are forgotten (a full bucket holds no state)


@dataclass(frozen=True)
class Verdict:
    """Whether a request may go on, and the headers that tell its client where it stands."""

    allowed: bool
    headers: dict[str, str]
    retry_after: int


@dataclass
class _Bucket:
    limit: RateLimit
    tokens: float
    at: float

    def refill(self, now: float) -> None:
        self.tokens = min(float(self.limit.burst), self.tokens + (now - self.at) * self.limit.rate)
        self.at = now


class RateLimiter:
    """Token buckets by key id, thread-safe (store threads take from them)."""

    def __init__(self, limits: Mapping[str, RateLimit], clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key_id: str, role: str) -> Verdict:
        limit = self.limits[role]
        with self._lock:
            now = self.clock()
            bucket = self._buckets.get(key_id)
            if bucket is None or bucket.limit != limit:
                bucket = self._new(key_id, limit, now)
            bucket.refill(now)
            allowed = bucket.tokens >= 1
            if allowed:
                bucket.tokens -= 1
            tokens = bucket.tokens
        return Verdict(allowed, _headers(limit, tokens), 0 if allowed else math.ceil((1 - tokens) / limit.rate))

    def refund(self, key_id: str) -> None:
        """Give back the token of a request that turned out not to be one (a replay)."""
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is not None:
                bucket.tokens = min(float(bucket.limit.burst), bucket.tokens + 1)

    def _new(self, key_id: str, limit: RateLimit, now: float) -> _Bucket:
        if len(self._buckets) >= _IDLE_BUCKETS:
            for bucket in self._buckets.values():
                bucket.refill(now)
            self._buckets = {k: b for k, b in self._buckets.items() if b.tokens < b.limit.burst}
        bucket = self._buckets[key_id] = _Bucket(limit, float(limit.burst), now)
        return bucket


def _headers(limit: RateLimit, tokens: float) -> dict[str, str]:
    window = math.ceil(limit.burst / limit.rate)
    until_full = math.ceil((limit.burst - tokens) / limit.rate)
    return {
        "RateLimit-Policy": f'"{POLICY}";q={limit.burst};w={window}',
        "RateLimit": f'"{POLICY}";r={math.floor(tokens)};t={until_full}',
    }
