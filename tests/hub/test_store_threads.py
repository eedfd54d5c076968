"""Requests' blocking work runs on a few store threads, off the event loop (hub.threads.StoreThreads)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from fastapi.testclient import TestClient

from hub.admission import ClientGone, Overloaded, Ticket, holding
from hub.container import Hub, build_hub
from hub.threads import StoreThreads
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


def test_a_requests_later_steps_are_not_turned_away_for_waiting() -> None:
    """HUB_QUEUE_WAIT_MS bounds the wait before a request's first work; once its signature check
    ran (its nonce written), its use case waits its turn rather than being refused a 503."""
    threads = StoreThreads(1, max_wait_seconds=0.2)
    release = threading.Event()

    async def scenario() -> tuple[bool, str]:
        blocker = asyncio.ensure_future(threads.run(release.wait, 5))
        await asyncio.sleep(0.05)
        asyncio.get_running_loop().call_later(0.5, release.set)
        with holding(Ticket()) as started:
            started.started = True
            later_step = await threads.run(lambda: True)
        await blocker
        release.clear()
        blocker = asyncio.ensure_future(threads.run(release.wait, 5))
        await asyncio.sleep(0.05)
        asyncio.get_running_loop().call_later(0.5, release.set)
        with holding(Ticket()):
            try:
                await threads.run(lambda: True)
                first_step = "started"
            except Overloaded:
                first_step = "503"
        await blocker
        return later_step, first_step

    try:
        assert asyncio.run(scenario()) == (True, "503")
    finally:
        threads.close()


def test_work_of_a_client_that_left_is_not_started() -> None:
    threads = StoreThreads(1)
    ran: list[bool] = []

    async def scenario() -> None:
        with holding(Ticket()) as admitted:
            admitted.gone.set()
            await threads.run(ran.append, True)

    try:
        with pytest.raises(ClientGone):
            asyncio.run(scenario())
        assert ran == []
    finally:
        threads.close()
