"""Rewards on the real database: programmes, ledger, rewards and admins, and budgets under
concurrency."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from adapters.db import Database
from core.catalog import Catalog
from core.checkout import Checkout, PlaceOrder
from core.confirmations import Confirmations, Sent, Taken
from core.delivery import Relay
from core.errors import ConcurrentUpdate, DuplicateRequest, ProgrammeNotFound, RewardNotFound
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.orders import OrderStatus
from core.recognition import Recognition
from core.reward_sends import SendRewards
from core.rewards import (
    BudgetExceeded,
    LedgerEntry,
    LedgerKind,
    Programme,
    Recipient,
    Reward,
    RewardStatus,
)
from core.views import RewardNotice, VoucherDelivery
from tests.db.conftest import ADA, GRACE, Backend, later
from tests.fakes import FakeGateway, FakeProvider, FakeSender, SequentialIds
from tests.unit.conftest import BOOKS

HR = ChatUser("slack", "T0HARBOUR", "U0HR", "Hana from HR")
KUDOS = Programme("kudos", "Harbour Kudos", "USD", expiry_days=90, per_reward_limit=10000)


def dm(user: ChatUser) -> ConversationRef:
    return ConversationRef(user.platform, f'{{"user": "{user.user_id}"}}')


def reward(
    backend: Backend, reward_id: str, *, to: ChatUser = ADA, minor: int = 2500, days: int = 90
) -> Reward:
    now = backend.clock.now()
    return Reward(
        id=reward_id,
        programme_id="kudos",
        giver=HR,
        recipient=to,
        conversation=dm(to),
        amount=Money(minor, "USD"),
        reason="Five years of quiet excellence",
        created_at=now,
        expires_at=now + timedelta(days=days),
        request_key=f"req-{reward_id}",
        giver_conversation=dm(HR),
    )


def entry(backend: Backend, entry_id: str, kind: LedgerKind, minor: int) -> LedgerEntry:
    return LedgerEntry(
        entry_id, "kudos", kind, minor, backend.clock.now(), "slack:U0HR", reward_id="rwd_1"
    )


# --- repositories ---------------------------------------------------------------------------------


async def test_a_programme_round_trips_is_visible_in_its_own_unit_of_work_and_saves_by_version(
    backend: Backend,
) -> None:
    async with backend.database.unit_of_work() as uow:
        await uow.programmes.add(replace(KUDOS))
        assert await uow.programmes.get("kudos") == KUDOS
        await uow.commit()
    with pytest.raises(DuplicateRequest):
        async with backend.database.unit_of_work() as uow:
            await uow.programmes.add(replace(KUDOS, name="Again"))
            await uow.commit()

    async with backend.database.unit_of_work() as first, backend.database.unit_of_work() as second:
        mine, theirs = await first.programmes.get("kudos"), await second.programmes.get("kudos")
        await first.programmes.save(replace(mine, per_giver_monthly_limit=50000))
        await first.commit()
        await second.programmes.save(theirs)
        with pytest.raises(ConcurrentUpdate):
            await second.commit()

    async with backend.database.unit_of_work() as uow:
        assert await uow.programmes.list() == [
            replace(KUDOS, per_giver_monthly_limit=50000, version=2)
        ]
        with pytest.raises(ProgrammeNotFound):
            await uow.programmes.get("nowhere")


async def test_the_budget_sums_the_ledger_including_this_units_entries_which_come_oldest_first(
    backend: Backend,
) -> None:
    async with backend.database.unit_of_work() as uow:
        await uow.programmes.add(replace(KUDOS))
        await uow.ledger.add(entry(backend, "led_1", LedgerKind.CREDIT, 10000))
        await uow.ledger.add(entry(backend, "led_2", LedgerKind.RESERVE, 2500))
        assert (await uow.ledger.budget("kudos")).available == 7500
        await uow.commit()
    async with backend.database.unit_of_work() as uow:
        for n, kind in enumerate(
            (LedgerKind.DEBIT, LedgerKind.RESTORE, LedgerKind.RESERVE, LedgerKind.RELEASE)
        ):
            await uow.ledger.add(entry(backend, f"led_{n + 3}", kind, 1000))
        await uow.commit()

    async with backend.database.unit_of_work() as uow:
        budget = await uow.ledger.budget("kudos")
        entries = await uow.ledger.entries("kudos")
        empty = await uow.ledger.budget("other")
    assert (budget.credited, budget.reserved, budget.spent, budget.available) == (
        10000,
        2500,
        0,
        7500,
    )
    assert [e.id for e in entries] == [f"led_{n}" for n in range(1, 7)]
    assert entries[0] == entry(backend, "led_1", LedgerKind.CREDIT, 10000)
    assert empty.available == 0


async def test_a_reward_round_trips_and_its_request_key_is_unique(backend: Backend) -> None:
    granted = reward(backend, "rwd_1")
    async with backend.database.unit_of_work() as uow:
        await uow.rewards.add(granted)
        assert await uow.rewards.get("rwd_1") == granted
        await uow.commit()
    with pytest.raises(DuplicateRequest):
        async with backend.database.unit_of_work() as uow:
            await uow.rewards.add(replace(granted, id="rwd_2"))
            await uow.commit()

    async with backend.database.unit_of_work() as uow:
        stored = await uow.rewards.get("rwd_1")
        assert await uow.rewards.find_by_request_key("req-rwd_1") == stored
        with pytest.raises(RewardNotFound):
            await uow.rewards.get("rwd_none")
    assert stored == replace(granted, version=1) and stored.giver_conversation == dm(HR)


async def test_rewards_are_listed_per_recipient_per_giver_and_by_expiry(backend: Backend) -> None:
    rewards = [
        reward(backend, "rwd_a", minor=1000, days=10),
        reward(backend, "rwd_b", minor=2000, days=5),
        reward(backend, "rwd_c", to=GRACE, minor=3000, days=1),
        replace(reward(backend, "rwd_d", minor=4000, days=2), status=RewardStatus.CANCELLED),
    ]
    rewards[1].created_at = later(backend.clock, 60)
    async with backend.database.unit_of_work() as uow:
        for granted in rewards:
            await uow.rewards.add(granted)
        await uow.commit()

    async with backend.database.unit_of_work() as uow:
        mine = await uow.rewards.list_for_recipient(ADA.key)
        given = await uow.rewards.given_since("kudos", HR.key, backend.clock.now())
        given_later = await uow.rewards.given_since("kudos", HR.key, later(backend.clock, 1))
        expiring = await uow.rewards.list_expiring(backend.clock.now() + timedelta(days=6))

    assert [r.id for r in mine] == ["rwd_b", "rwd_d", "rwd_a"]  # newest first, ties by id
    assert (given, given_later) == (6000, 2000)
    assert [r.id for r in expiring] == ["rwd_c", "rwd_b"]


async def test_reward_admins_are_granted_once_revoked_and_listed(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.reward_admins.add("slack:U0HR")
        await uow.reward_admins.add("slack:U0HR")
        await uow.reward_admins.add("teams:8f1c-aad")
        await uow.commit()
    async with database.unit_of_work() as uow:
        await uow.reward_admins.remove("teams:8f1c-aad")
        await uow.commit()

    async with database.unit_of_work() as uow:
        assert await uow.reward_admins.list() == ["slack:U0HR"]
        assert await uow.reward_admins.contains("slack:U0HR")
        assert not await uow.reward_admins.contains("teams:8f1c-aad")


# --- use cases ------------------------------------------------------------------------------------


@dataclass
class Office:
    backend: Backend
    recognition: Recognition
    checkout: Checkout
    relay: Relay
    sender: FakeSender

    def send(self, *recipients: ChatUser, minor: int = 2500, key: str = "r-1") -> SendRewards:
        return SendRewards(
            HR,
            tuple(Recipient(r, dm(r)) for r in recipients),
            Money(minor, "USD"),
            "Five years of quiet excellence",
            "kudos",
            key,
        )


@pytest.fixture
async def office(backend: Backend) -> Office:
    ids, uow = SequentialIds(), backend.database.unit_of_work
    recognition = Recognition(
        uow=uow, clock=backend.clock, ids=ids, configured_admins={"slack:U0HR"}
    )
    checkout = Checkout(
        uow=uow,
        catalog=Catalog([BOOKS]),
        gateway=FakeGateway(),
        providers={"builtin": FakeProvider()},
        clock=backend.clock,
        ids=ids,
        public_base_url="https://vouchers.example.com",
    )
    sender = FakeSender("slack")
    relay = Relay(
        uow=uow,
        catalog=lambda: checkout.catalog,
        senders={"slack": sender},
        clock=backend.clock,
        checkout_url=checkout.checkout_url,
    )
    await recognition.budgets.create_programme(replace(KUDOS), "setup")
    await recognition.budgets.credit("kudos", Money(10000, "USD"), "setup")
    return Office(backend, recognition, checkout, relay, sender)


async def test_concurrent_sends_never_take_the_budget_below_zero(office: Office) -> None:
    results = await asyncio.gather(
        *(
            office.recognition.sender.send(office.send(ADA, minor=500, key=f"c-{i}"))
            for i in range(30)
        ),
        return_exceptions=True,
    )

    assert sum(not isinstance(r, Exception) for r in results) == 20
    assert all(isinstance(r, BudgetExceeded) for r in results if isinstance(r, Exception))
    assert await office.recognition.budgets.budget("kudos") == Money(0, "USD")
    async with office.backend.database.unit_of_work() as uow:
        assert len(await uow.rewards.list_for_recipient(ADA.key, limit=100)) == 20


async def test_twenty_concurrent_presses_of_send_on_one_stored_confirmation_send_once(
    office: Office,
) -> None:
    confirmations = Confirmations(
        office.recognition.sender, office.backend.database.pending_confirmations()
    )
    await confirmations.propose(office.send(ADA, GRACE, key="confirm-race"))

    async def shown(sent: Sent) -> tuple[str, str]:
        return "sent", "sent"

    results = await asyncio.gather(
        *(confirmations.send("confirm-race", HR, shown) for _ in range(20))
    )

    assert results.count("sent") == 1
    assert all(isinstance(r, Taken) for r in results if r != "sent")
    assert await office.recognition.budgets.budget("kudos") == Money(5000, "USD")


async def test_a_reward_pays_for_a_voucher_and_both_messages_reach_the_recipient(
    office: Office,
) -> None:
    report = await office.recognition.sender.send(office.send(ADA, minor=5000))
    reward_id = report.sent[0].reward_id

    placed = await office.checkout.place_order(
        PlaceOrder(ADA, BOOKS.id, Money(2500, "USD"), dm(ADA), "spend-1", reward_id=reward_id)
    )
    await office.relay.run_once()

    async with office.backend.database.unit_of_work() as uow:
        order = await uow.orders.get(placed.order_id)
        spent = await uow.rewards.get(reward_id)
        budget = await uow.ledger.budget("kudos")
    assert order.status is OrderStatus.DELIVERED and order.reward_minor == 2500
    assert (spent.available, spent.status) == (2500, RewardStatus.OPENED)
    assert (budget.available, budget.reserved, budget.spent) == (5000, 2500, 2500)
    notices = [type(n) for _, n in office.sender.sent]
    assert RewardNotice in notices and VoucherDelivery in notices
