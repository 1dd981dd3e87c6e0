"""A scheduled "their choice" gift on the real database: its buyer's cancel racing the relay that
delivers it at its time, on two replicas.

Each round ends one way: delivered (the reward sent, the order kept) or cancelled (the reward
withdrawn, the order refunded), never both; the gifts ledger stays balanced either way.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta

import pytest

from core.checkout import PlaceOrder
from core.delivery import Relay
from core.funded import programme_id_for
from core.gifting import Gifts
from core.gifts import GiftNotCancellable, GiftRequest, GiftStatus
from core.identity import ConversationRef
from core.money import Money
from core.orders import OrderStatus
from core.rewards import RewardStatus
from tests.db.conftest import Backend
from tests.db.test_group_gifts_on_database import (
    ADA,
    ADA_DM,
    ORGANISER,
    CountingGateway,
    Office,
    Replica,
    replica,
)
from tests.fakes import FakeSender, SequentialIds

# Who starts first, and by what share of a relay run: from the cancel well ahead to the relay.
LEADS = (-1.0, -0.6, -0.3, -0.15, -0.05, 0.0, 0.05, 0.15, 0.3, 0.6, 1.0)
LIN_DM = ConversationRef("slack", '{"team":"T0HARBOUR","user":"U0LIN"}')


@pytest.fixture
def office(backend: Backend) -> Office:
    gateway, ids = CountingGateway(), SequentialIds()  # one id sequence: unique across both
    return Office(
        backend, gateway, (replica(backend, gateway, ids), replica(backend, gateway, ids))
    )


def relay_of(office: Office, at: Replica) -> Relay:
    return Relay(
        uow=office.backend.database.unit_of_work,
        catalog=lambda: at.checkout.catalog,
        senders={"slack": FakeSender("slack")},
        clock=office.backend.clock,
        checkout_url=at.checkout.checkout_url,
    )


def gifts_of(office: Office, at: Replica) -> Gifts:
    uow = office.backend.database.unit_of_work
    return Gifts(uow=uow, checkout=at.checkout, clock=office.backend.clock)


async def paid_gift(office: Office, round_: int) -> tuple[str, str]:
    """A €40 their-choice gift for Ada due in an hour, paid; its gift and order ids."""
    due = office.backend.clock.now() + timedelta(hours=1)
    gift = GiftRequest(ADA, ADA_DM, f"Round {round_}", due)
    command = PlaceOrder(
        ORGANISER, "choice:EUR", Money(4000, "EUR"), LIN_DM, f"race-{round_}", gift=gift
    )
    summary = await office.first.checkout.place_order(command)
    await office.pay(summary.order_id)
    async with office.backend.database.unit_of_work() as uow:
        found = await uow.gifts.for_order(summary.order_id)
    assert found is not None
    return found.id, summary.order_id


async def relay_after(relay: Relay, seconds: float) -> None:
    await asyncio.sleep(max(seconds, 0))
    await relay.run_once()


async def cancel_after(gifts: Gifts, gift_id: str, seconds: float) -> str:
    await asyncio.sleep(max(seconds, 0))
    try:
        await gifts.cancel(gift_id, ORGANISER)
    except GiftNotCancellable:
        return "delivered"
    return "cancelled"


async def test_a_cancel_racing_the_delivery_on_two_replicas_ends_one_way_each_time(
    office: Office,
) -> None:
    outcomes: Counter[str] = Counter()
    for round_ in range(len(LEADS)):
        gift_id, order_id = await paid_gift(office, round_)
        sender_at, canceller_at = office.replicas[round_ % 2], office.replicas[(round_ + 1) % 2]
        relay, gifts = relay_of(office, sender_at), gifts_of(office, canceller_at)
        started = time.perf_counter()
        await relay.run_once()  # the receipt: about as long as a run that sends the notice
        run = max(time.perf_counter() - started, 0.005)
        office.backend.clock.advance(hours=1)

        head_start = run * LEADS[round_]  # the relay's, over the cancel (negative: the cancel's)
        _, outcome = await asyncio.gather(
            relay_after(relay, -head_start), cancel_after(gifts, gift_id, head_start)
        )

        async with office.backend.database.unit_of_work() as uow:
            gift = await uow.gifts.get(gift_id)
            order = await uow.orders.get(order_id)
            reward = await uow.rewards.find_by_request_key(f"{order_id}:choice")
        assert reward is not None
        if outcome == "cancelled":
            assert gift.status is GiftStatus.CANCELLED, round_
            assert (reward.status, order.status) == (RewardStatus.WITHDRAWN, OrderStatus.REFUNDED)
        else:
            assert gift.status is GiftStatus.DELIVERED, round_
            assert (reward.status, order.status) == (RewardStatus.SENT, OrderStatus.ISSUED)
            assert f"{order_id}:refund" not in office.gateway.refunds
        outcomes[outcome] += 1

    assert sum(outcomes.values()) == len(LEADS)
    assert outcomes["cancelled"] and outcomes["delivered"]  # each side won some
    async with office.backend.database.unit_of_work() as uow:
        budget = await uow.ledger.budget(programme_id_for("EUR"))
    assert budget.available == 0 and budget.credited == budget.reserved + budget.spent
    assert budget.spent == 4000 * outcomes["cancelled"]
    assert budget.reserved == 4000 * outcomes["delivered"]
