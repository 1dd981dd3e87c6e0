"""Stripe at its worst: the same event replayed and sent concurrently to every replica, and events
that arrive out of order. Whatever the arrival, one voucher per paid order and one consistent
final state."""

from __future__ import annotations

import asyncio

import pytest

from core.orders import OrderStatus
from tests.e2e.world import eventually
from tests.faults.cluster import Cluster
from tests.faults.ledger import marks, outcome, settled
from tests.faults.people import (
    deliver,
    payment_event,
    place_orders,
    post_event,
    slack_buyers,
    teams_buyers,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

SUCCEEDED = "payment_intent.succeeded"
FAILED = "payment_intent.payment_failed"
SETTINGS = {"RECOVERY_INTERVAL_SECONDS": "1", "STUCK_ORDER_SECONDS": "3"}


async def test_one_event_replayed_and_sent_to_every_replica_at_once_issues_one_voucher(
    cluster: Cluster,
) -> None:
    buyers = [*slack_buyers(cluster, "race", 1), *teams_buyers(cluster, "race", 1)]
    orders = await place_orders(cluster, buyers)
    mark = marks(cluster)
    bodies = {key: payment_event(SUCCEEDED, order) for key, order in orders.items()}

    at_once = await asyncio.gather(
        *(post_event(cluster, body) for body in bodies.values() for _ in range(12))
    )
    replayed = [await post_event(cluster, body) for body in bodies.values() for _ in range(3)]

    assert [a.status for a in at_once] == [200] * len(at_once)
    assert [a.status for a in replayed] == [200] * len(replayed)
    for order in orders.values():
        await eventually(
            lambda o=order: settled(cluster, o.id), timeout=30, what=f"{order.id} delivered"
        )
    for buyer in buyers:
        result = await outcome(cluster, buyer, mark)
        assert result.problems() == []
        assert result.delivered.count("voucher") == 1 and result.duplicates == 0
    assert await cluster.reader.vouchers_issued() == len(orders)


async def test_a_failure_arriving_after_success_leaves_the_order_paid_and_delivered(
    cluster: Cluster,
) -> None:
    buyers = [*slack_buyers(cluster, "late", 1), *teams_buyers(cluster, "late", 1)]
    orders = await place_orders(cluster, buyers)
    mark = marks(cluster)

    for order in orders.values():
        await deliver(cluster, payment_event(SUCCEEDED, order))
        await eventually(
            lambda o=order: settled(cluster, o.id), timeout=30, what=f"{order.id} delivered"
        )
        failed = [await post_event(cluster, payment_event(FAILED, order)) for _ in range(2)]
        assert [a.status for a in failed] == [200, 200]

    for buyer in buyers:
        result = await outcome(cluster, buyer, mark)
        assert result.order.status is OrderStatus.DELIVERED and result.order.failure_reason == ""
        assert result.problems() == [] and result.duplicates == 0


async def test_success_and_failure_racing_for_one_payment_end_in_one_consistent_state(
    cluster: Cluster,
) -> None:
    buyers = [*slack_buyers(cluster, "tie", 2), *teams_buyers(cluster, "tie", 2)]
    orders = await place_orders(cluster, buyers)
    mark = marks(cluster)
    # A declined first attempt and the successful retry of the same PaymentIntent, in every order at
    # once; the success is also delivered under two event ids (a resend), each twice.
    events = [
        body
        for order in orders.values()
        for body in (
            payment_event(FAILED, order),
            payment_event(SUCCEEDED, order),
            payment_event(SUCCEEDED, order),
        )
        for _ in range(2)
    ]

    answers = await asyncio.gather(*(post_event(cluster, body) for body in events))

    assert [a.status for a in answers] == [200] * len(events)
    for order in orders.values():
        await eventually(
            lambda o=order: settled(cluster, o.id), timeout=30, what=f"{order.id} delivered"
        )
    for buyer in buyers:
        result = await outcome(cluster, buyer, mark)
        assert result.problems() == []
        assert result.delivered.count("voucher") == 1
    async with cluster.reader.unit_of_work() as uow:
        for order in orders.values():
            assert (await uow.vouchers.for_order(order.id)) is not None


async def test_no_replica_logged_an_unexpected_error(cluster: Cluster) -> None:
    assert cluster.unhandled_errors() == []
