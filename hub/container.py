"""The composition root: settings → infra → the services the routers use."""

from __future__ import annotations

from dataclasses import dataclass

from nacl.signing import SigningKey

from consent.receipts import Notary
from hub.ratelimit import RateLimiter
from hub.threads import StoreThreads
from infra.logging import configure
from infra.nonces import NonceLedger
from infra.orgs import OrgRegistry
from infra.persistence import StorePersistence
from infra.settings import Settings
from infra.store import Store, open_store


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
    limiter: RateLimiter

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


def build_hub(settings: Settings | None = None, *, serving: bool = False) -> Hub:
    """`serving`: for the HTTP server, whose every statement is bounded (infra/db.py bound_statements)."""
    settings = settings or Settings()
    configure(settings.log_format, settings.log_level)
    store = open_store(settings, serving=serving)
    return Hub(
        settings=settings,
        store=store,
        orgs=OrgRegistry(store.db),
        nonces=NonceLedger(store.db, settings.signature_window_seconds),
        signing_key=SigningKey(store.secrets.signing_seed),
        persistence=StorePersistence(store),
        threads=StoreThreads(
            settings.store_threads or (1 if store.db.dialect == "sqlite" else 4), settings.queue_wait_ms / 1000
        ),
        limiter=RateLimiter(settings.rate_limits),
    )
