"""Rewards: who may send, budgets that never go below zero, and spending a reward at checkout."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import ClassVar

import pytest

from core.delivery import Relay
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.orders import OrderStatus
from core.payments import PaymentEvent, PaymentEventKind
from core.recognition import Recognition
from core.reward_sends import SendRewards
from core.rewards import (
    Budget,
    BudgetExceeded,
    NotRewardAdmin,
    NotRewardRecipient,
    Programme,
    Recipient,
    RewardNotSpendable,
)
from core.views import RewardNotice
from tests.fakes import MemoryUnitOfWork, SequentialIds
from tests.unit.conftest import ADA, BOOKS, GRACE, World

HR = ChatUser("slack", "T0001", "U0HR", "Hana from HR")
LIN = ChatUser("slack", "T0001", "U0LIN", "Lin")


def dm(user: ChatUser) -> ConversationRef:
    return ConversationRef(user.platform, f'{{"user": "{user.user_id}"}}')


@dataclass
class Rewarding:
    world: World
    recognition: Recognition

    def send(
        self, *recipients: ChatUser, minor: int = 2500, key: str = "r-1", giver: ChatUser = HR
    ) -> SendRewards:
        return SendRewards(
            giver,
            tuple(Recipient(r, dm(r)) for r in recipients),
            Money(minor, "USD"),
            "Five years of quiet excellence",
            "kudos",
            key,
        )

    async def budget(self) -> Budget:
        async with MemoryUnitOfWork(self.world.store, self.world.clock) as uow:
            return await uow.ledger.budget("kudos")


@pytest.fixture
async def rewarding(world: World) -> Rewarding:
    recognition = Recognition(
        uow=lambda: MemoryUnitOfWork(world.store, world.clock),
        clock=world.clock,
        ids=SequentialIds(),
        configured_admins={"slack:U0HR"},
    )
    await recognition.budgets.create_programme(
        Programme("kudos", "Kudos", "USD", per_reward_limit=10000, card_topup=True), "setup"
    )
    await recognition.budgets.credit("kudos", Money(10000, "USD"), "setup")
    return Rewarding(world, recognition)


async def test_authorize_refuses_and_audits_a_giver_who_is_not_an_admin_without_any_send(
    rewarding: Rewarding,
) -> None:
    await rewarding.recognition.givers.authorize(HR)  # an admin passes, and nothing is recorded
    audited = len(rewarding.world.store.audit)

    with pytest.raises(NotRewardAdmin):
        await rewarding.recognition.givers.authorize(ADA)

    refusal = rewarding.world.store.audit[-1]
    assert len(rewarding.world.store.audit) == audited + 1
    assert (refusal.actor, refusal.action) == ("slack:U0ADA", "reward.refused")
    assert rewarding.world.store.rewards == {} and (await rewarding.budget()).reserved == 0


async def test_only_reward_admins_may_send_and_refusals_are_audited(rewarding: Rewarding) -> None:
    with pytest.raises(NotRewardAdmin):
        await rewarding.recognition.sender.send(rewarding.send(GRACE, giver=ADA))

    assert rewarding.world.store.rewards == {}
    assert rewarding.world.store.audit[-1].action == "reward.refused"
    await rewarding.recognition.givers.grant_admin("slack:U0ADA", "admin:ops")
    report = await rewarding.recognition.sender.send(rewarding.send(GRACE, giver=ADA))
    assert [r.recipient_name for r in report.sent] == ["Grace"]


async def test_sending_to_three_reserves_the_budget_and_notifies_each_recipient(
    rewarding: Rewarding,
) -> None:
    preview = await rewarding.recognition.sender.preview(rewarding.send(ADA, GRACE, LIN))
    assert (
        preview.total == Money(7500, "USD")
        and preview.budget_after == Money(2500, "USD")
        and preview.can_send
    )
    assert rewarding.world.store.rewards == {}

    report = await rewarding.recognition.sender.send(rewarding.send(ADA, GRACE, LIN))
    again = await rewarding.recognition.sender.send(rewarding.send(ADA, GRACE, LIN))

    assert len(report.sent) == 3 and again.sent == ()
    assert report.budget_left == Money(2500, "USD")
    budget = await rewarding.budget()
    assert (budget.available, budget.reserved, budget.spent) == (2500, 7500, 0)
    await rewarding.world.relay.run_once()
    notices = [n for _, n in rewarding.world.sender.sent if isinstance(n, RewardNotice)]
    assert sorted(n.reward.recipient_name for n in notices) == ["Ada", "Grace", "Lin"]
    assert notices[0].reward.expires_on == "2027-02-24"


async def test_a_reward_over_the_budget_or_a_limit_is_refused_with_the_reason(
    rewarding: Rewarding,
) -> None:
    with pytest.raises(BudgetExceeded, match="at most \\$100"):
        await rewarding.recognition.sender.send(rewarding.send(ADA, minor=15000))
    with pytest.raises(BudgetExceeded, match="not enough"):
        await rewarding.recognition.sender.send(rewarding.send(ADA, GRACE, LIN, minor=5000))
    with pytest.raises(BudgetExceeded, match="yourself"):
        await rewarding.recognition.sender.send(rewarding.send(HR))
    assert rewarding.world.store.rewards == {}


async def test_concurrent_sends_never_take_the_budget_below_zero(rewarding: Rewarding) -> None:
    results = await asyncio.gather(
        *(
            rewarding.recognition.sender.send(rewarding.send(ADA, minor=500, key=f"c-{i}"))
            for i in range(50)
        ),
        return_exceptions=True,
    )

    assert sum(not isinstance(r, Exception) for r in results) == 20
    assert all(isinstance(r, BudgetExceeded) for r in results if isinstance(r, Exception))
    assert (await rewarding.budget()).available == 0


async def spend(rewarding: Rewarding, user: ChatUser, minor: int, key: str) -> str:
    reward_id = next(iter(rewarding.world.store.rewards))
    order = rewarding.world.order_for(user=user, product=BOOKS, minor=minor, key=key)
    summary = await rewarding.world.checkout.place_order(replace(order, reward_id=reward_id))
    return summary.order_id


async def test_a_voucher_worth_less_than_the_reward_needs_no_card_and_leaves_the_rest(
    rewarding: Rewarding,
) -> None:
    await rewarding.recognition.sender.send(rewarding.send(ADA, minor=5000))

    order_id = await spend(rewarding, ADA, 2500, "spend-1")

    world = rewarding.world
    assert world.store.orders[order_id].status is OrderStatus.ISSUED
    assert world.gateway.intents == {}
    reward = next(iter(world.store.rewards.values()))
    assert reward.available == 2500 and reward.status == "opened"
    budget = await rewarding.budget()
    assert (budget.available, budget.reserved, budget.spent) == (5000, 2500, 2500)


async def test_a_voucher_worth_more_than_the_reward_is_topped_up_by_card(
    rewarding: Rewarding,
) -> None:
    await rewarding.recognition.sender.send(rewarding.send(ADA, minor=1000))

    order_id = await spend(rewarding, ADA, 2500, "spend-2")

    world = rewarding.world
    order = world.store.orders[order_id]
    assert order.status is OrderStatus.AWAITING_PAYMENT and order.card_amount == Money(1500, "USD")
    assert [i.amount for i in world.gateway.intents.values()] == [Money(1500, "USD")]
    event = PaymentEvent(
        "evt_top",
        PaymentEventKind.SUCCEEDED,
        order.payment_intent_id or "",
        order.id,
        Money(1500, "USD"),
    )
    await world.checkout.handle_payment_event(event)
    assert world.store.orders[order_id].status is OrderStatus.ISSUED
    reward = next(iter(world.store.rewards.values()))
    assert reward.status == "redeemed" and reward.available == 0
    budget = await rewarding.budget()
    assert (budget.available, budget.reserved, budget.spent) == (9000, 0, 1000)


async def test_a_reward_can_only_be_spent_by_its_recipient(rewarding: Rewarding) -> None:
    await rewarding.recognition.sender.send(rewarding.send(ADA))

    with pytest.raises(NotRewardRecipient):
        await spend(rewarding, GRACE, 2500, "steal")
    assert rewarding.world.store.orders == {}


async def test_a_reward_is_shown_to_its_recipient_only(rewarding: Rewarding) -> None:
    report = await rewarding.recognition.sender.send(rewarding.send(ADA))
    reward_id = report.sent[0].reward_id

    assert (
        await rewarding.recognition.rewards.recipient_reward(reward_id, ADA)
    ).reward_id == reward_id
    with pytest.raises(NotRewardRecipient):
        await rewarding.recognition.rewards.recipient_reward(reward_id, GRACE)


async def test_a_cancelled_reward_cannot_be_spent_and_releases_its_budget(
    rewarding: Rewarding,
) -> None:
    report = await rewarding.recognition.sender.send(rewarding.send(ADA))
    await rewarding.recognition.rewards.cancel(report.sent[0].reward_id, "admin:ops")

    with pytest.raises(RewardNotSpendable):
        await spend(rewarding, ADA, 1000, "late")
    assert (await rewarding.budget()).available == 10000


async def test_expiry_releases_the_reserved_amount_and_reminders_come_first(
    rewarding: Rewarding,
) -> None:
    await rewarding.recognition.sender.send(rewarding.send(ADA))
    rewarding.world.clock.advance(days=85)
    assert await rewarding.recognition.rewards.remind_due() == 1
    assert await rewarding.recognition.rewards.remind_due() == 0

    rewarding.world.clock.advance(days=6)
    await rewarding.recognition.rewards.expire_due()

    reward = next(iter(rewarding.world.store.rewards.values()))
    assert reward.status == "expired"
    assert (await rewarding.budget()).available == 10000
    with pytest.raises(RewardNotSpendable):
        await spend(rewarding, ADA, 1000, "after-expiry")


async def test_an_abandoned_top_up_checkout_gives_the_reward_back(rewarding: Rewarding) -> None:
    await rewarding.recognition.sender.send(rewarding.send(ADA, minor=1000))
    order_id = await spend(rewarding, ADA, 2500, "abandon")
    rewarding.world.clock.advance(minutes=31)

    await rewarding.world.checkout.recover()

    assert rewarding.world.store.orders[order_id].status is OrderStatus.EXPIRED
    reward = next(iter(rewarding.world.store.rewards.values()))
    assert reward.available == 1000 and reward.held == 0


async def test_the_giver_is_told_when_a_recipient_cannot_be_reached(rewarding: Rewarding) -> None:
    from core.errors import DeliveryError
    from core.views import RewardUndeliverable

    class Unreachable:
        platform = "slack"
        sent: ClassVar[list[object]] = []

        async def send(self, conversation: ConversationRef, notice: object) -> None:
            if isinstance(notice, RewardNotice):
                raise DeliveryError("403 BotNotInConversationRoster")
            self.sent.append((conversation, notice))

    sender, world = Unreachable(), rewarding.world
    relay = Relay(
        uow=lambda: MemoryUnitOfWork(world.store, world.clock),
        catalog=lambda: world.checkout.catalog,
        senders={"slack": sender},
        clock=world.clock,
        checkout_url=world.checkout.checkout_url,
    )
    await rewarding.recognition.sender.send(replace(rewarding.send(ADA), reply_to=dm(HR)))

    await relay.run_once()
    await relay.run_once()

    told = [(c, n) for c, n in sender.sent if isinstance(n, RewardUndeliverable)]
    assert len(told) == 1 and told[0][0] == dm(HR)
    assert told[0][1].reward.recipient_name == "Ada" and "Roster" in told[0][1].error
