"""The composition root: settings → infra → the services the routers use."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from nacl.signing import SigningKey

from consent.receipts import Notary
from infra.logging import configure
from infra.nonces import NonceLedger
from infra.orgs import OrgRegistry
from infra.persistence import StorePersistence
from infra.settings import Settings
from infra.store import Store, open_store

T = TypeVar("T")


class StoreThreads:
    """The few threads that run requests' blocking work (store reads and writes, signature checks).

    Few on purpose: a request's work is Python under one GIL and, on SQLite, writes behind one
    writer lock, so the framework's forty-thread pool mostly hands the GIL and the lock around.
    The event loop itself stays free for reading requests and answering health checks while a
    store thread is busy.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self._pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="hub-store")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on a store thread, with the caller's context (the request's log fields)."""
        call = partial(contextvars.copy_context().run, fn, *args)
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


@dataclass
class Hub:
    """Everything a request handler or a CLI command needs, built once."""

    settings: Settings
    store: Store
    orgs: OrgRegistry
    nonces: NonceLedger
    signing_key: SigningKey
    persistence: StorePersistence
    threads: StoreThreads

    @property
    def signing_key_id(self) -> str:
        # Derived from the public key so that a rotated hub key gets a new id by itself.
        return "hub-" + self.signing_key.verify_key.encode().hex()[:16]

    @property
    def notary(self) -> Notary:
        return Notary(self.signing_key, self.signing_key_id)

    def close(self) -> None:
        self.threads.close()
        self.store.close()


def build_hub(settings: Settings | None = None) -> Hub:
    settings = settings or Settings()
    configure(settings.log_format, settings.log_level)
    store = open_store(settings)
    return Hub(
        settings=settings,
        store=store,
        orgs=OrgRegistry(store.db),
        nonces=NonceLedger(store.db, settings.signature_window_seconds),
        signing_key=SigningKey(store.secrets.signing_seed),
        persistence=StorePersistence(store),
        threads=StoreThreads(settings.store_threads or (1 if store.db.dialect == "sqlite" else 4)),
    )
