"""Requests' blocking work runs on a few store threads, off the event loop (hub.threads.StoreThreads)."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from hub.container import Hub, build_hub
from infra.settings import Settings


def test_one_store_thread_on_sqlite_four_on_postgres_unless_set(hub: Hub, settings: Settings) -> None:
    """SQLite has one writer, so more threads only contend for it (docs/benchmarks.md, http)."""
    assert hub.threads.count == (1 if settings.database_url.startswith("sqlite") else 4)
    tuned = build_hub(settings.model_copy(update={"store_threads": 3}))
    try:
        assert tuned.threads.count == 3
    finally:
        tuned.close()


def test_health_answers_while_every_store_thread_is_busy(hub: Hub, app) -> None:
    """A long use case holds a store thread, not the event loop: the probe still answers."""
    release = threading.Event()
    with TestClient(app) as client:
        busy = [client.portal.start_task_soon(hub.threads.run, release.wait, 15) for _ in range(hub.threads.count)]
        try:
            assert client.get("/health").status_code == 200
        finally:
            release.set()
        # True: released by the line above, so /health answered while every store thread waited.
        assert [b.result(timeout=30) for b in busy] == [True] * hub.threads.count
