"""Background work inside the server: the outbox dispatcher, crash recovery and catalog sync."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from core.checkout import Checkout
from core.delivery import Relay

from bot.metrics import Metrics

log = logging.getLogger(__name__)


class BackgroundTasks:
    """Fire-and-forget work that must not be garbage-collected mid-flight, awaited on shutdown."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait(self, seconds: float) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=seconds)

    @staticmethod
    async def _logged(work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:  # the recovery loop finishes whatever this left undone
            log.exception("background task failed")


class Workers:
    """Loops that run beside the web server; stopped gracefully, draining the outbox first."""

    def __init__(
        self,
        *,
        relay: Relay,
        checkout: Checkout,
        metrics: Metrics,
        idle_seconds: float = 0.2,
        recovery_seconds: float = 10.0,
        periodic: list[tuple[float, Callable[[], Awaitable[object]]]] | None = None,
        background: BackgroundTasks | None = None,
    ) -> None:
        self._relay = relay
        self._checkout = checkout
        self._metrics = metrics
        self._idle = idle_seconds
        self._recovery = recovery_seconds
        self._periodic = periodic or []
        self._background = background or BackgroundTasks()
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._forever(self._deliver_due, lambda: self._idle, wake=True), name="outbox"),
            asyncio.create_task(self._forever(self._checkout.recover, lambda: self._recovery), name="recovery"),
        ]
        for interval, job in self._periodic:
            self._tasks.append(asyncio.create_task(self._forever(job, lambda i=interval: i), name="periodic"))

    def wake(self) -> None:
        """Deliver now rather than at the next poll (called after a webhook queued messages)."""
        self._wake.set()

    async def stop(self, drain_seconds: float = 10.0) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._background.wait(drain_seconds)
        await self.drain(drain_seconds)

    async def drain(self, seconds: float) -> None:
        """Send what is due until nothing is left or time is up (graceful shutdown)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not await self._deliver_due():
                return

    async def _deliver_due(self) -> int:
        results = await self._relay.run_once()
        for result in results:
            self._metrics.delivery_outcomes.labels(kind=result.kind, outcome=result.outcome).inc()
            if result.outcome == "sent":
                self._metrics.delivery.labels(kind=result.kind).observe(result.seconds_since_queued)
        return sum(r.outcome == "sent" for r in results)

    async def _forever(
        self, job: Callable[[], Awaitable[object]], pause: Callable[[], float], wake: bool = False
    ) -> None:
        while True:
            busy: object = 0
            try:
                busy = await job()
            except asyncio.CancelledError:
                raise
            except Exception:  # a loop must outlive one failure (database outage, a bug in one message)
                log.exception("background job failed", extra={"job": getattr(job, "__name__", repr(job))})
                await asyncio.sleep(1)
            if busy and wake:
                continue
            if wake:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), pause())
                self._wake.clear()
            else:
                await asyncio.sleep(pause())
