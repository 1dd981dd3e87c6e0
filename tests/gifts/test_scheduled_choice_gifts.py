"""A "their choice" gift delivered at a set time, in the core over the in-memory fakes: funded when
paid, unseen and unspendable until its notice is sent at its time, and cancelled (the reward
withdrawn, the gifts ledger balanced, the buyer refunded) until then."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.checkout import PlaceOrder
from core.errors import RewardNotFound
from core.funded import programme_id_for
from core.gifting import Gifts
from core.gifts import GiftNotCancellable, GiftRequest, GiftStatus
from core.identity import ConversationRef
from core.money import Money
from core.orders import OrderStatus
from core.outbox import MessageKind, MessageStatus
from core.reward_life import RewardLife
from core.rewards import Budget, Reward, RewardStatus
from core.views import GiftReceipt, RewardNotice
from tests.fakes import MemoryUnitOfWork
from tests.gifts.conftest import ADA, ADA_DM, ORGANISER, Group
from tests.unit.conftest import TEA

LIN_DM = ConversationRef("slack", '{"team":"T0001","user":"U0LIN"}')
IN_THREE_DAYS = timedelta(days=3)


async def paid_choice_gift(group: Group, key: str = "choice-later") -> str:
    """Lin's €40 their-choice gift for Ada, to be delivered in three days, paid; its order id."""
    at = group.clock.now() + IN_THREE_DAYS
    gift = GiftRequest(ADA, ADA_DM, "Happy birthday!", at)
    order = PlaceOrder(ORGANISER, "choice:EUR", Money(4000, "EUR"), LIN_DM, key, gift=gift)
    summary = await group.checkout.place_order(order)
    await group.pay(summary.order_id)
    return summary.order_id


def gifts_of(group: Group) -> Gifts:
    return Gifts(
        uow=lambda: MemoryUnitOfWork(group.store, group.clock),
        checkout=group.checkout,
        clock=group.clock,
    )


def life_of(group: Group) -> RewardLife:
    uow = lambda: MemoryUnitOfWork(group.store, group.clock)  # noqa: E731
    return RewardLife(uow=uow, clock=group.clock, ids=group.checkout.shop.ids)


def the_reward(group: Group) -> Reward:
    (reward,) = group.store.rewards.values()
    return reward


def notices_to_ada(group: Group) -> list[object]:
    return [n for c, n in group.sender.sent if c == ADA_DM and isinstance(n, RewardNotice)]


def gifts_budget(group: Group) -> Budget:
    entries = [e for e in group.store.ledger if e.programme_id == programme_id_for("EUR")]
    return Budget.of(entries)


async def test_a_scheduled_their_choice_gift_is_funded_when_paid_and_hidden_from_the_recipient(
    group: Group,
) -> None:
    order_id = await paid_choice_gift(group)
    await group.relay.run_once()

    reward = the_reward(group)
    assert reward.status is RewardStatus.SCHEDULED and reward.amount == Money(4000, "EUR")
    assert group.store.orders[order_id].status is OrderStatus.ISSUED  # settled: no voucher, ever
    assert gifts_budget(group) == Budget(credited=4000, reserved=4000, spent=0)
    (receipt,) = [n for c, n in group.sender.sent if c == LIN_DM and isinstance(n, GiftReceipt)]
    assert receipt.can_cancel and receipt.deliver_at == group.clock.now() + IN_THREE_DAYS
    assert notices_to_ada(group) == []

    assert (await group.checkout.wallet(ADA)).rewards == ()
    assert await life_of(group).rewards_for(ADA) == ()
    with pytest.raises(RewardNotFound):  # Choose your voucher, from a forged button
        await life_of(group).recipient_reward(reward.id, ADA)
    spend = PlaceOrder(ADA, TEA.id, Money(2500, "EUR"), ADA_DM, "ada-early", reward_id=reward.id)
    with pytest.raises(RewardNotFound):
        await group.checkout.place_order(spend)


async def test_its_notice_waits_for_its_time_then_the_recipient_can_see_and_spend_the_reward(
    group: Group,
) -> None:
    order_id = await paid_choice_gift(group)
    (notice,) = [m for m in group.store.outbox.values() if m.kind is MessageKind.REWARD_NOTICE]
    due = group.clock.now() + IN_THREE_DAYS
    assert (notice.created_at, notice.next_attempt_at, notice.order_id) == (due, due, order_id)

    group.clock.advance(days=3, minutes=-1)
    await group.relay.run_once()
    assert notices_to_ada(group) == [] and the_reward(group).status is RewardStatus.SCHEDULED

    group.clock.advance(minutes=1)
    await group.relay.run_once()
    assert len(notices_to_ada(group)) == 1
    assert the_reward(group).status is RewardStatus.SENT
    (gift,) = group.store.gifts.values()
    assert gift.status is GiftStatus.DELIVERED and gift.delivered_at == group.clock.now()
    (shown,) = (await group.checkout.wallet(ADA)).rewards
    assert shown.spendable and shown.expires_on == (due + timedelta(days=365)).date().isoformat()
    receipt = await gifts_of(group).receipt(gift.id)
    assert receipt.status == "delivered" and not receipt.can_cancel
    with pytest.raises(GiftNotCancellable):
        await gifts_of(group).cancel(gift.id, ORGANISER)


async def test_cancelling_it_before_its_time_withdraws_the_reward_and_refunds_the_buyer(
    group: Group,
) -> None:
    order_id = await paid_choice_gift(group)
    (gift,) = group.store.gifts.values()

    receipt = await gifts_of(group).cancel(gift.id, ORGANISER)

    assert receipt.status == "cancelled" and receipt.refunded
    assert group.store.orders[order_id].status is OrderStatus.REFUNDED
    assert group.gateway.refunds == [f"{order_id}:refund"]
    assert the_reward(group).status is RewardStatus.WITHDRAWN  # cancelled, and never seen
    # The money left the gifts programme with the refund: nothing is left for anyone to spend.
    assert gifts_budget(group) == Budget(credited=4000, reserved=0, spent=4000)
    (notice,) = [m for m in group.store.outbox.values() if m.kind is MessageKind.REWARD_NOTICE]
    assert notice.status is MessageStatus.DEAD

    group.clock.advance(days=4)
    await group.relay.run_once()
    assert notices_to_ada(group) == [] and (await group.checkout.wallet(ADA)).rewards == ()


async def test_a_cancel_whose_refund_failed_is_retried_without_withdrawing_twice(
    group: Group,
) -> None:
    order_id = await paid_choice_gift(group)
    (gift,) = group.store.gifts.values()
    group.gateway.refunds_failing = 1

    with pytest.raises(Exception):  # noqa: B017 - the payment service's outage, whatever its kind
        await gifts_of(group).cancel(gift.id, ORGANISER)
    assert the_reward(group).status is RewardStatus.WITHDRAWN  # stopped first: never delivered
    assert group.store.orders[order_id].status is OrderStatus.ISSUED

    receipt = await gifts_of(group).cancel(gift.id, ORGANISER)
    assert receipt.refunded and group.store.orders[order_id].status is OrderStatus.REFUNDED
    assert gifts_budget(group) == Budget(credited=4000, reserved=0, spent=4000)


async def test_an_admins_refund_before_its_time_also_withdraws_the_reward_and_stops_the_notice(
    group: Group,
) -> None:
    order_id = await paid_choice_gift(group)

    await group.checkout.refund(order_id, "admin:ops@harbour.example")

    assert the_reward(group).status is RewardStatus.WITHDRAWN
    assert gifts_budget(group) == Budget(credited=4000, reserved=0, spent=4000)
    (gift,) = group.store.gifts.values()
    assert gift.status is GiftStatus.CANCELLED
    group.clock.advance(days=4)
    await group.relay.run_once()
    assert notices_to_ada(group) == [] and (await group.checkout.wallet(ADA)).rewards == ()


@pytest.mark.parametrize("head_start", [0, 1, 2, 3, 5, 8])  # 0-3: the cancel wins, 5-8: delivery
async def test_a_cancel_racing_the_delivery_at_its_time_either_wins_or_finds_it_delivered(
    group: Group, head_start: int
) -> None:
    order_id = await paid_choice_gift(group, f"choice-race-{head_start}")
    (gift,) = group.store.gifts.values()
    group.clock.advance(days=3)

    async def cancel() -> str:
        for _ in range(head_start):
            await asyncio.sleep(0)
        try:
            await gifts_of(group).cancel(gift.id, ORGANISER)
        except GiftNotCancellable:
            return "delivered first"
        return "cancelled"

    _, outcome = await asyncio.gather(group.relay.run_once(), cancel())

    # Either way the gift, its reward, the order and the ledger agree. (A cancel that wins while
    # the notice is being sent cannot unsend it: the Choose button then finds no reward.)
    reward, order = the_reward(group), group.store.orders[order_id]
    if outcome == "cancelled":
        assert group.store.gifts[gift.id].status is GiftStatus.CANCELLED
        assert (reward.status, order.status) == (RewardStatus.WITHDRAWN, OrderStatus.REFUNDED)
        assert gifts_budget(group) == Budget(credited=4000, reserved=0, spent=4000)
    else:
        assert group.store.gifts[gift.id].status is GiftStatus.DELIVERED
        assert (reward.status, order.status) == (RewardStatus.SENT, OrderStatus.ISSUED)
        assert gifts_budget(group) == Budget(credited=4000, reserved=4000, spent=0)
        assert group.gateway.refunds == []
