"""Background work inside the server: the outbox dispatcher, crash recovery and scheduled jobs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, Protocol

from adapters.db.errors import DatabaseUnavailable
from bot.metrics import Metrics
from core.checkout import Checkout
from core.delivery import BATCH, Relay

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[object]]
OUTAGE_PAUSE_MAX = 5.0  # seconds between attempts while the database is down: recovery within this


class JobLeases(Protocol):
    """adapters.db.leases.SqlJobLeases: who runs a scheduled job now (one replica at a time)."""

    async def try_lease(self, name: str, holder: str, ttl: timedelta) -> bool: ...


def replica_name() -> str:
    """This process among the replicas: host, pid and a random suffix (pids repeat across
    containers)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Leased:
    """Runs `job` at most once per `interval` across replicas, on whichever replica holds its lease.

    The lease is the schedule: taken for `interval`, never released, renewed by its holder when due.
    Other replicas look every quarter interval, so when the holder dies one takes over soon after.
    """

    def __init__(
        self, name: str, interval: float, job: Job, leases: JobLeases, holder: str
    ) -> None:
        self.name = name
        self.poll = interval / 4
        self._interval = interval
        self._job = job
        self._leases = leases
        self._holder = holder
        self._next_run = 0.0

    async def __call__(self) -> object:
        if time.monotonic() < self._next_run:
            return 0
        if not await self._leases.try_lease(
            self.name, self._holder, timedelta(seconds=self._interval)
        ):
            return 0
        self._next_run = time.monotonic() + self._interval
        return await self._job()


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
        except (
            DatabaseUnavailable
        ) as exc:  # the recovery loop finishes it once the database is back
            log.warning("background task stopped by a database outage", extra={"error": str(exc)})
        except Exception:  # the recovery loop finishes whatever this left undone
            log.exception("background task failed")


class Workers:
    """Loops that run beside the web server; stopped gracefully, draining the outbox first.

    `periodic` jobs run once per interval across replicas when `leases` is given (each job's lease
    is named after its function, so they need distinct names), else in each replica; `every_replica`
    jobs (refreshing what a replica keeps in memory) always run in each replica.
    """

    def __init__(
        self,
        *,
        relay: Relay,
        checkout: Checkout,
        metrics: Metrics,
        idle_seconds: float = 0.2,
        recovery_seconds: float = 10.0,
        periodic: list[tuple[float, Callable[[], Awaitable[object]]]] | None = None,
        every_replica: list[tuple[float, Callable[[], Awaitable[object]]]] | None = None,
        background: BackgroundTasks | None = None,
        leases: JobLeases | None = None,
        holder: str | None = None,
        relays: int = 2,
    ) -> None:
        self._relay = relay
        self._relays = relays
        self._checkout = checkout
        self._metrics = metrics
        self._idle = idle_seconds
        self._recovery = recovery_seconds
        self._periodic = periodic or []
        self._every_replica = every_replica or []
        self._background = background or BackgroundTasks()
        self._leases = leases
        self.holder = holder or replica_name()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._backlog = asyncio.Event()

    def start(self) -> None:
        self._stopping.clear()
        self._tasks = [
            asyncio.create_task(
                self._forever(self._deliver_due, lambda: self._idle, until_idle=True), name="outbox"
            ),
            asyncio.create_task(
                self._forever(self._checkout.recover, lambda: self._recovery), name="recovery"
            ),
        ]
        self._tasks += [
            asyncio.create_task(
                self._forever(self._help_with_backlog, lambda: self._idle, until_idle=True),
                name=f"outbox-{n}",
            )
            for n in range(1, self._relays)
        ]
        names = [_job_name(job) for _, job in self._periodic]
        if self._leases is not None and len(set(names)) < len(names):
            raise ValueError(f"periodic jobs share a lease name: {sorted(names)}")
        for interval, job in self._periodic:
            if self._leases is None:
                task = self._forever(job, _every(interval))
            else:
                leased = Leased(_job_name(job), interval, job, self._leases, self.holder)
                task = self._forever(leased, _every(leased.poll))
            self._tasks.append(asyncio.create_task(task, name="periodic"))
        for interval, job in self._every_replica:
            self._tasks.append(
                asyncio.create_task(self._forever(job, _every(interval)), name="local")
            )

    async def stop(self, drain_seconds: float = 10.0) -> None:
        # Each loop finishes the run it is in: cancelled halfway, a query leaves its pooled
        # connection to be rolled back while the engine is disposed (an error and a traceback on
        # every such shutdown).
        self._stopping.set()
        self._backlog.set()  # the relays waiting for a backlog see the stop
        if self._tasks:
            _, stuck = await asyncio.wait(self._tasks, timeout=drain_seconds)
            for task in stuck:
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

    async def _help_with_backlog(self) -> int:
        """Another claimer while the outbox is backed up. Paced sends wait for their slots, so one
        run ends with a tail of waiting sends and then a gap (marks, the next claim and its reads);
        a second relay claims its batch meanwhile, as another replica would (the claim keeps each
        conversation in order), and sleeps while there is no backlog."""
        await self._backlog.wait()
        if self._stopping.is_set():
            return 0
        return await self._deliver_due()

    async def _deliver_due(self) -> int:
        results = await self._relay.run_once()
        if len(results) >= BATCH:
            self._backlog.set()
        else:
            self._backlog.clear()
        for result in results:
            self._metrics.delivery_outcomes.labels(kind=result.kind, outcome=result.outcome).inc()
            if result.outcome == "sent":
                self._metrics.delivery.labels(kind=result.kind).observe(result.seconds_since_queued)
        return sum(r.outcome == "sent" for r in results)

    async def _forever(
        self,
        job: Callable[[], Awaitable[object]],
        pause: Callable[[], float],
        until_idle: bool = False,
    ) -> None:
        """Run `job` forever, pausing between runs; with `until_idle`, only once a run found nothing
        to do."""
        outage = 0.0
        while not self._stopping.is_set():
            busy: object = 0
            try:
                busy = await job()
                outage = 0.0
            except asyncio.CancelledError:
                raise
            except (
                DatabaseUnavailable
            ) as exc:  # expected during an outage: no traceback, back off a little
                outage = min(OUTAGE_PAUSE_MAX, outage * 2 or 0.5)
                extra = {"job": _job_name(job), "error": str(exc)}
                log.warning("background job waits for the database", extra=extra)
                await self._pause(outage)
                continue
            except (
                Exception
            ):  # a loop must outlive one failure (a bug in one message, a provider outage)
                log.exception("background job failed", extra={"job": _job_name(job)})
                await self._pause(1)
            if not (busy and until_idle):
                await self._pause(pause())

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake at once when the workers are stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)


def _every(seconds: float) -> Callable[[], float]:
    return lambda: seconds


def _job_name(job: Callable[..., object]) -> str:
    return str(getattr(job, "name", None) or getattr(job, "__name__", None) or repr(job))
