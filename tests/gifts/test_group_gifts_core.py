"""Group gifts and "their choice" gifts in the core, over the in-memory fakes: totals, close,
expiry, late contributions, and the code that never reaches a buyer."""

from __future__ import annotations

import pytest

from core.checkout import PlaceOrder
from core.collections import CollectionNotOpen, ContributionState, NotContributor, NotOrganiser
from core.gifts import GiftRequest
from core.group_gifts import StartCollection, parse_collect
from core.identity import ConversationRef
from core.money import Money
from core.orders import OrderStatus
from core.outbox import MessageKind
from core.rewards import Recipient, RewardStatus
from core.views import GiftReceipt, RewardNotice
from tests.gifts.conftest import ADA, ADA_DM, CHANNEL, ORGANISER, PEOPLE, Group


async def started(group: Group, text: str = '"Farewell" 60 EUR') -> str:
    card = await group.gifts.start(
        StartCollection(ORGANISER, Recipient(ADA, ADA_DM), parse_collect(text))
    )
    await group.gifts.card_posted(card.collection_id, CHANNEL)
    return card.collection_id


def test_the_collect_text_reads_a_quoted_title_a_goal_and_a_closing_date() -> None:
    parsed = parse_collect('"Farewell Ada" €150 by 2026-12-20')
    assert (parsed.title, parsed.goal and parsed.goal.number, parsed.by) == (
        "Farewell Ada",
        "150",
        "2026-12-20",
    )
    assert parse_collect("Farewell").goal is None


async def test_three_contributions_close_into_one_reward_for_the_sum(group: Group) -> None:
    collection_id = await started(group)
    orders = [
        await group.chip_in(p, amount, collection_id, show)
        for p, amount, show in zip(PEOPLE, ("10", "25", "15.50"), (True, False, False), strict=True)
    ]
    for order_id in orders:
        await group.pay(order_id)
    card = await group.gifts.card(collection_id)
    assert card.total == Money(5050, "EUR") and card.percent == 84
    assert [(c.name, c.amount) for c in card.contributors] == [
        ("Bo", Money(1000, "EUR")),
        ("Cy", None),
        ("Di", None),
    ]
    assert all(group.store.orders[o].status is OrderStatus.ISSUED for o in orders)

    with pytest.raises(NotOrganiser):
        await group.gifts.close(collection_id, PEOPLE[0])
    closed = await group.gifts.close(collection_id, ORGANISER)
    assert closed.status == "closed"

    (reward,) = group.store.rewards.values()
    assert reward.amount == Money(5050, "EUR") and reward.recipient == ADA
    assert reward.status is RewardStatus.SENT and "Farewell" in reward.reason
    assert group.store.vouchers == {}  # nothing was issued to anyone yet: Ada chooses
    await group.relay.run_once()
    notices = [(c, n) for c, n in group.sender.sent if isinstance(n, RewardNotice)]
    assert [c for c, _ in notices] == [ADA_DM]
    assert any(c == CHANNEL for c, _ in group.sender.sent)  # the card was redrawn in the channel


async def test_a_contribution_paid_after_the_close_is_refunded_not_lost(group: Group) -> None:
    collection_id = await started(group)
    early = await group.chip_in(PEOPLE[0], "20", collection_id, True)
    late = await group.chip_in(PEOPLE[1], "30", collection_id, True)
    await group.pay(early)
    await group.gifts.close(collection_id, ORGANISER)
    await group.pay(late)

    assert group.store.orders[late].status is OrderStatus.REFUNDED
    assert f"{late}:refund" in group.gateway.refunds
    (reward,) = group.store.rewards.values()
    assert reward.amount == Money(2000, "EUR")
    collection = group.store.collections[collection_id]
    assert collection.contribution(late).state is ContributionState.REFUNDED  # type: ignore[union-attr]
    with pytest.raises(CollectionNotOpen):
        await group.gifts.chip_in(collection_id, PEOPLE[2], "5", False, ADA_DM, "too-late")


async def test_a_collection_never_closed_refunds_everyone_after_its_deadline_once(
    group: Group,
) -> None:
    collection_id = await started(group)
    orders = [await group.chip_in(p, "10", collection_id, False) for p in PEOPLE]
    for order_id in orders:
        await group.pay(order_id)
    assert await group.gifts.settle_due() == 0  # not due yet

    group.clock.advance(days=31)
    group.gateway.refunds_failing = 1  # Stripe down for the first refund: the next run asks again
    await group.gifts.settle_due()
    await group.gifts.settle_due()
    await group.gifts.settle_due()

    assert all(group.store.orders[o].status is OrderStatus.REFUNDED for o in orders)
    assert sorted(group.gateway.refunds) == sorted(f"{o}:refund" for o in orders)
    assert group.store.rewards == {}
    assert group.store.collections[collection_id].due_at is None  # nothing left for the job


async def test_a_collection_with_a_closing_date_closes_itself_then(group: Group) -> None:
    collection_id = await started(group, "Farewell by 2026-12-01")
    await group.pay(await group.chip_in(PEOPLE[0], "12", collection_id, True))
    group.clock.advance(days=5, hours=1)
    await group.gifts.settle_due()
    assert group.store.collections[collection_id].status == "closed"
    (reward,) = group.store.rewards.values()
    assert reward.amount == Money(1200, "EUR")


async def test_a_their_choice_gift_becomes_a_reward_and_the_buyer_only_a_receipt(
    group: Group,
) -> None:
    buyer_dm = ConversationRef("slack", '{"team":"T0001","user":"U0LIN"}')
    order = PlaceOrder(
        ORGANISER,
        "choice:EUR",
        Money(4000, "EUR"),
        buyer_dm,
        "choice-1",
        gift=GiftRequest(ADA, ADA_DM, "Happy birthday!"),
    )
    summary = await group.checkout.place_order(order)
    await group.pay(summary.order_id)

    (reward,) = group.store.rewards.values()
    assert (reward.amount, reward.recipient, reward.reason) == (
        Money(4000, "EUR"),
        ADA,
        "Happy birthday!",
    )
    assert group.store.orders[summary.order_id].status is OrderStatus.ISSUED
    await group.relay.run_once()
    kinds = {(c, type(n)) for c, n in group.sender.sent}
    assert (ADA_DM, RewardNotice) in kinds and (buyer_dm, GiftReceipt) in kinds
    assert group.store.vouchers == {}
    assert not [m for m in group.store.outbox.values() if m.kind is MessageKind.VOUCHER_DELIVERY]


async def test_a_contribution_whose_counting_crashed_is_counted_by_recovery_not_issued(
    group: Group,
) -> None:
    collection_id = await started(group)
    order_id = await group.chip_in(PEOPLE[0], "10", collection_id, False)
    absorb = group.checkout.absorb

    async def crash(order_id: str) -> bool:
        raise RuntimeError("the process stopped")

    group.checkout.absorb = crash
    with pytest.raises(RuntimeError):
        await group.pay(order_id)
    assert group.store.orders[order_id].status is OrderStatus.PAID
    group.checkout.absorb = absorb
    group.clock.advance(minutes=5)
    await group.checkout.recover()

    assert group.store.orders[order_id].status is OrderStatus.ISSUED
    assert group.store.vouchers == {}
    assert (await group.gifts.card(collection_id)).total == Money(1000, "EUR")


async def test_a_contributor_shows_then_hides_their_amount_after_paying_and_the_card_is_redrawn(
    group: Group,
) -> None:
    collection_id = await started(group)
    await group.pay(await group.chip_in(PEOPLE[0], "10", collection_id, False))
    await group.pay(await group.chip_in(PEOPLE[1], "25", collection_id, False))
    await group.relay.run_once()
    drawn = len([c for c, _ in group.sender.sent if c == CHANNEL])

    assert await group.gifts.toggle_amount(collection_id, PEOPLE[0]) is True
    card = await group.gifts.card(collection_id)
    assert [(c.name, c.amount) for c in card.contributors] == [
        ("Bo", Money(1000, "EUR")),
        ("Cy", None),  # only Bo's own line changed
    ]
    await group.relay.run_once()
    assert len([c for c, _ in group.sender.sent if c == CHANNEL]) == drawn + 1  # redrawn in place

    assert await group.gifts.toggle_amount(collection_id, PEOPLE[0]) is False
    assert [c.amount for c in (await group.gifts.card(collection_id)).contributors] == [None, None]
    with pytest.raises(NotContributor):  # Di never chipped in: there is no line of hers to change
        await group.gifts.toggle_amount(collection_id, PEOPLE[2])
