"""A backed-up outbox gets a second relay in each replica; an idle one is polled by one."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from bot.metrics import Metrics
from bot.workers import Workers
from core.delivery import BATCH, DeliveryResult
from core.outbox import MessageKind


class CountingRelay:
    """Runs like the outbox relay: each run takes a while (paced sends); counts runs at once."""

    def __init__(self, full_batches: int) -> None:
        self.full_batches = full_batches
        self.running = self.most_at_once = self.runs = 0

    async def run_once(self) -> list[DeliveryResult]:
        self.runs += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await asyncio.sleep(0.02)
            if self.full_batches <= 0:
                return []
            self.full_batches -= 1
            sent = DeliveryResult("m", MessageKind.REWARD_NOTICE, "sent", 0.0)
            return [sent] * BATCH
        finally:
            self.running -= 1


class IdleCheckout:
    async def recover(self) -> int:
        return 0


async def run_workers(relay: CountingRelay, seconds: float) -> None:
    workers = Workers(
        relay=cast(Any, relay), checkout=cast(Any, IdleCheckout()), metrics=Metrics(), relays=2
    )
    workers.start()
    await asyncio.sleep(seconds)
    await asyncio.wait_for(workers.stop(drain_seconds=5), 5)


async def test_a_backed_up_outbox_is_claimed_by_two_relays_at_once() -> None:
    relay = CountingRelay(full_batches=10)

    await run_workers(relay, 0.5)

    assert relay.full_batches == 0
    assert relay.most_at_once == 2


async def test_an_idle_outbox_is_polled_by_one_relay() -> None:
    relay = CountingRelay(full_batches=0)

    await run_workers(relay, 0.5)

    assert relay.most_at_once == 1
    assert 2 <= relay.runs <= 4  # a run every 0.2 s, then the drain on stop
