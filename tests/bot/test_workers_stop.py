"""Stopping the workers lets each loop finish the run it is in, instead of cancelling it halfway."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from bot.metrics import Metrics
from bot.workers import Workers


class IdleRelay:
    async def run_once(self) -> list[Any]:
        return []


class IdleCheckout:
    async def recover(self) -> int:
        return 0


def workers_with(job: Any, interval: float = 0.01) -> Workers:
    return Workers(
        relay=cast(Any, IdleRelay()),
        checkout=cast(Any, IdleCheckout()),
        metrics=Metrics(),
        periodic=[(interval, job)],
    )


async def test_a_job_halfway_through_when_the_workers_stop_finishes_its_run() -> None:
    started, release, finished = asyncio.Event(), asyncio.Event(), []

    async def settle_payouts() -> int:
        started.set()
        await release.wait()  # a query in flight
        finished.append("settled")
        return 1

    workers = workers_with(settle_payouts)
    workers.start()
    await asyncio.wait_for(started.wait(), 5)
    stopping = asyncio.create_task(workers.stop(drain_seconds=5))
    await asyncio.sleep(0.05)
    release.set()
    await asyncio.wait_for(stopping, 5)

    assert finished == ["settled"]


async def test_a_loop_waiting_between_runs_stops_at_once() -> None:
    async def nightly_report() -> int:
        return 0

    workers = workers_with(nightly_report, interval=3600)
    workers.start()
    await asyncio.sleep(0.05)

    await asyncio.wait_for(workers.stop(drain_seconds=30), 2)


async def test_a_job_that_never_finishes_is_cancelled_after_the_grace_period() -> None:
    async def hung_provider_call() -> int:
        await asyncio.Event().wait()
        return 0

    workers = workers_with(hung_provider_call)
    workers.start()
    await asyncio.sleep(0.05)

    await asyncio.wait_for(workers.stop(drain_seconds=0.2), 5)
