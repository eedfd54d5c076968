"""The few threads that run requests' blocking work, and the checks made as one picks a request up."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from hub.admission import ClientGone, Overloaded, Ticket, ticket

T = TypeVar("T")


class StoreThreads:
    """The few threads that run requests' blocking work (store reads and writes, signature checks).

    Few on purpose: a request's work is Python under one GIL and, on SQLite, writes behind one
    writer lock, so the framework's forty-thread pool mostly hands the GIL and the lock around.
    The event loop itself stays free for reading requests and answering health checks while a
    store thread is busy. Work that waited longer than `max_wait_seconds` for a thread, or whose
    client has gone, is not started: under overload the hub spends its threads on callers who
    still wait for the answer.
    """

    def __init__(self, count: int, max_wait_seconds: float = 60.0) -> None:
        self.count = count
        self.max_wait_seconds = max_wait_seconds
        self._pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="hub-store")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on a store thread, with the caller's context (the request's log fields).

        Raises `Overloaded` when no thread picked up a request's first work within
        `max_wait_seconds` (it is then never started; once a request's work has started, its
        later steps wait their turn), and `ClientGone` when its client had left by the time one did.
        """
        admitted = ticket()
        work = self._pool.submit(contextvars.copy_context().run, _unless_gone, admitted, fn, *args)
        answer = asyncio.wrap_future(work)
        if admitted is not None and admitted.started:
            return await answer
        done, _ = await asyncio.wait({answer}, timeout=self.max_wait_seconds)
        if not done and work.cancel():
            raise Overloaded(f"no store thread was free within {self.max_wait_seconds * 1000:.0f} ms")
        return await answer

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _unless_gone(admitted: Ticket | None, fn: Callable[..., T], *args: Any) -> T:
    if admitted is not None:
        if admitted.gone.is_set():
            raise ClientGone
        admitted.started = True
    return fn(*args)
