"""kill -9 while 200 paid checkouts flow: after restarts, every paid order has one voucher,
delivered.

200 buyers (half in Slack, half in Teams) each place an order. Then "Stripe" confirms every payment
with a signed webhook, paced over a few seconds and retried until a replica says 2xx, while replicas
are killed with SIGKILL at random moments (payment being applied, voucher being issued, messages
being sent) and started again. Short outbox leases and a quick recovery loop keep the run short: a
message claimed by a killed replica is free again after 10 s, an order stuck in `issuing` is picked
up after 3 s.

None may be missing; a crash may repeat what the killed replica was sending at that moment: one
message per conversation, in as many conversations as the relay sends to at once.
"""

from __future__ import annotations

import asyncio
import inspect
import random
import time

import pytest

from core.delivery import Relay
from core.orders import OrderStatus
from tests.e2e.world import eventually
from tests.faults.cluster import Cluster
from tests.faults.ledger import OrderOutcome, marks, outcome
from tests.faults.people import (
    deliver,
    payment_event,
    place_orders,
    post_event,
    slack_buyers,
    teams_buyers,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

SETTINGS = {
    "OUTBOX_LEASE_SECONDS": "10",
    "RECOVERY_INTERVAL_SECONDS": "1",
    "STUCK_ORDER_SECONDS": "3",
}
ORDERS = 200
PAYMENTS_PER_SECOND = 40
KILLS = {"sqlite": 2, "postgres": 3}
IN_FLIGHT = (
    inspect.signature(Relay).parameters["parallel"].default
)  # conversations a relay sends to at once


async def confirm_payments(cluster: Cluster, bodies: list[bytes], replayed: set[int]) -> None:
    """Every payment confirmed at a steady pace; some also replayed at once, as Stripe may."""

    async def confirm(n: int, body: bytes) -> None:
        await asyncio.sleep(n / PAYMENTS_PER_SECOND)
        if n in replayed:
            await post_event(cluster, body)
        await deliver(cluster, body, timeout=120)

    await asyncio.gather(*(confirm(n, body) for n, body in enumerate(bodies)))


async def kill_replicas(
    cluster: Cluster, kills: int, window: float, seed: random.Random
) -> list[float]:
    """SIGKILL a random replica at random moments in the first `window` seconds, restarting each;
    when."""
    started = time.monotonic()
    moments = sorted(seed.uniform(0.3, window) for _ in range(kills))
    killed_at = []
    for moment in moments:
        await asyncio.sleep(max(0.0, started + moment - time.monotonic()))
        replica = seed.choice(cluster.replicas)
        assert await replica.kill() != 0
        killed_at.append(time.monotonic() - started)
        await asyncio.sleep(seed.uniform(0.2, 1.0))
        await replica.start(timeout=60)
    return killed_at


async def all_delivered(cluster: Cluster) -> bool:
    counts = await cluster.reader.counts_by_status()
    return (
        counts.get(str(OrderStatus.DELIVERED), 0) == ORDERS
        and await cluster.reader.outbox_depth() == 0
    )


async def test_replicas_killed_mid_flow_lose_no_voucher_and_repeat_at_most_one_message_per_crash(
    cluster: Cluster, backend: str
) -> None:
    seed = random.Random(20261126)  # the same kill moments and victims on every run
    buyers = [
        *slack_buyers(cluster, "kill", ORDERS // 2),
        *teams_buyers(cluster, "kill", ORDERS // 2),
    ]
    orders = await place_orders(cluster, buyers, timeout=90)
    mark = marks(cluster)
    bodies = [payment_event("payment_intent.succeeded", order) for order in orders.values()]
    seed.shuffle(bodies)
    replayed = set(seed.sample(range(ORDERS), ORDERS // 10))

    killed_at, _ = await asyncio.gather(
        kill_replicas(cluster, KILLS[backend], ORDERS / PAYMENTS_PER_SECOND, seed),
        confirm_payments(cluster, bodies, replayed),
    )
    await eventually(
        lambda: all_delivered(cluster), timeout=60, what="every order delivered after the crashes"
    )

    outcomes: list[OrderOutcome] = [await outcome(cluster, buyer, mark) for buyer in buyers]
    problems = [p for result in outcomes for p in result.problems()]
    duplicates = sum(result.duplicates for result in outcomes)
    assert not problems, "\n".join(problems[:10])
    assert await cluster.reader.vouchers_issued() == ORDERS
    assert max(result.duplicates for result in outcomes) <= len(killed_at)
    assert duplicates <= len(killed_at) * IN_FLIGHT, (
        f"{duplicates} messages repeated, {len(killed_at)} crashes"
    )
    assert cluster.unhandled_errors() == [], cluster.unhandled_errors()[:3]
