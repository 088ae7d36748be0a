"""Back-pressure for CPU-bound work (embedding, search, answering) in the API.

One client must not be able to stall everyone else within its own rate limit. The gate bounds

* the work running at once (``model_concurrency`` worker threads, off the event loop),
* the requests waiting for a worker (``model_queue``) and how long they wait (``model_queue_timeout_s``),
* the requests one client address has in work or waiting (``per_client_concurrency``).

A request that does not get a slot is refused at once (or after the bounded wait) with a German JSON
error and ``Retry-After`` – never a minute-long wait behind somebody else's flood.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


class Saturated(Exception):
    """No worker free within the bounded wait (or the waiting room is full): answer 503."""

    retry_after = 2


class ClientBusy(Exception):
    """This client already has its share of requests in work: answer 429."""

    retry_after = 1


class WorkGate:
    def __init__(self, concurrency: int, queue: int, queue_timeout_s: float, per_client: int) -> None:
        self.concurrency = concurrency
        self.queue = queue
        self.queue_timeout_s = queue_timeout_s
        self.per_client = per_client
        self.in_flight: Counter[str] = Counter()
        self.waiting = 0
        self.running = 0
        self.peak_running = 0
        self._semaphore: asyncio.Semaphore | None = None
        self._threads: anyio.CapacityLimiter | None = None

    def _primitives(self) -> tuple[asyncio.Semaphore, anyio.CapacityLimiter]:
        # created lazily inside the server's event loop
        if self._semaphore is None or self._threads is None:
            self._semaphore = asyncio.Semaphore(self.concurrency)
            self._threads = anyio.CapacityLimiter(self.concurrency)
        return self._semaphore, self._threads

    async def run(self, client: str, work: Callable[[], T]) -> T:
        """Run ``work`` in a worker thread once this client and the server have room for it."""
        semaphore, threads = self._primitives()
        if self.in_flight[client] >= self.per_client:
            raise ClientBusy
        self.in_flight[client] += 1
        try:
            if semaphore.locked():
                if self.waiting >= self.queue:
                    raise Saturated
                self.waiting += 1
                try:
                    async with asyncio.timeout(self.queue_timeout_s):
                        await semaphore.acquire()
                except TimeoutError as exc:
                    raise Saturated from exc
                finally:
                    self.waiting -= 1
            else:
                await semaphore.acquire()
            try:
                self.running += 1
                self.peak_running = max(self.peak_running, self.running)
                return await anyio.to_thread.run_sync(work, limiter=threads)
            finally:
                self.running -= 1
                semaphore.release()
        finally:
            self.in_flight[client] -= 1
            if self.in_flight[client] <= 0:
                del self.in_flight[client]

    def stats(self) -> dict[str, Any]:
        return {"running": self.running, "waiting": self.waiting, "peak_running": self.peak_running}
