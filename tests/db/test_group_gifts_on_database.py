"""Group gifts on the real database: a close racing payment webhooks, and two replicas' deadline
jobs.

Every contribution ends exactly one way, counted into the recipient's reward or refunded, whatever
order the organiser's close and the contributions' payment notifications commit in.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass

import pytest

from core.audit import verify
from core.catalog import Catalog
from core.checkout import Checkout
from core.collections import ContributionState
from core.funded import Funded, programme_id_for
from core.group_gifts import GroupGifts, StartCollection, parse_collect
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.orders import OrderStatus
from core.payments import PaymentEvent, PaymentEventKind
from core.rewards import Budget, Recipient
from tests.db.conftest import Backend
from tests.fakes import FakeGateway, FakeProvider, SequentialIds
from tests.unit.conftest import BOOKS, TEA

ORGANISER = ChatUser("slack", "T0HARBOUR", "U0LIN", "Lin Quayside")
ADA = ChatUser("slack", "T0HARBOUR", "U0ADA", "Ada Lovelace")
ADA_DM = ConversationRef("slack", '{"team":"T0HARBOUR","user":"U0ADA"}')
CHANNEL = ConversationRef("slack", '{"team":"T0HARBOUR","channel":"C0FAREWELL","ts":"1.2"}')
CHIPPERS = [
    ChatUser("slack", "T0HARBOUR", f"U0C{i}", name)
    for i, name in enumerate(("Bo Lighthouse", "Cy Pier", "Di Jetty"))
]

# When the close starts, as a share of how long a payment webhook takes on this machine right now.
DELAYS = (0.0, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1.0, 1.2, 1.5)


class CountingGateway(FakeGateway):
    """Stripe with idempotency keys, plus every refund call as made (a duplicate call shows
    here)."""

    def __init__(self) -> None:
        super().__init__()
        self.refund_calls: list[str] = []

    async def refund(self, *, intent_id: str, idempotency_key: str) -> None:
        self.refund_calls.append(idempotency_key)
        await super().refund(intent_id=intent_id, idempotency_key=idempotency_key)


@dataclass
class Replica:
    """One bot process's group-gift services over the shared database."""

    checkout: Checkout
    gifts: GroupGifts


@dataclass
class Office:
    backend: Backend
    gateway: CountingGateway
    replicas: tuple[Replica, Replica]

    @property
    def first(self) -> Replica:
        return self.replicas[0]

    async def started(self, round_: int) -> str:
        card = await self.first.gifts.start(
            StartCollection(ORGANISER, Recipient(ADA, ADA_DM), parse_collect('"Farewell" 90 EUR'))
        )
        await self.first.gifts.card_posted(card.collection_id, CHANNEL)
        return card.collection_id

    async def chip_in(self, collection_id: str, person: ChatUser, amount: str) -> str:
        dm = ConversationRef("slack", f'{{"team":"T0HARBOUR","user":"{person.user_id}"}}')
        summary = await self.first.gifts.chip_in(
            collection_id, person, amount, True, dm, f"chip-{collection_id}-{person.user_id}"
        )
        return summary.order_id

    async def close_after(self, replica: Replica, collection_id: str, seconds: float) -> None:
        await asyncio.sleep(seconds)  # lands before, between and after the webhooks' commits
        await replica.gifts.close(collection_id, ORGANISER)

    async def payment_event(self, order_id: str) -> PaymentEvent:
        async with self.backend.database.unit_of_work() as uow:
            order = await uow.orders.get(order_id)
        return PaymentEvent(
            f"evt-{order_id}",
            PaymentEventKind.SUCCEEDED,
            order.payment_intent_id or "",
            order.id,
            order.card_amount,
        )

    async def pay(self, order_id: str, replica: Replica | None = None) -> None:
        event = await self.payment_event(order_id)
        await (replica or self.first).checkout.handle_payment_event(event)


def replica(backend: Backend, gateway: CountingGateway, ids: SequentialIds) -> Replica:
    uow = backend.database.unit_of_work
    checkout = Checkout(
        uow=uow,
        catalog=Catalog([BOOKS, TEA]),
        gateway=gateway,
        providers={"builtin": FakeProvider()},
        clock=backend.clock,
        ids=ids,
        public_base_url="https://vouchers.example.com/",
    )
    funded = Funded(uow=uow, ids=ids, clock=backend.clock, refund=checkout.refund)
    checkout.absorb = funded.absorb
    gifts = GroupGifts(
        uow=uow,
        checkout=checkout,
        funded=funded,
        clock=backend.clock,
        ids=ids,
        default_currency="EUR",
    )
    return Replica(checkout, gifts)


@pytest.fixture
def office(backend: Backend) -> Office:
    gateway, ids = (
        CountingGateway(),
        SequentialIds(),
    )  # one id sequence: ids stay unique across both
    return Office(
        backend, gateway, (replica(backend, gateway, ids), replica(backend, gateway, ids))
    )


async def test_a_close_racing_payment_webhooks_counts_or_refunds_each_contribution_exactly_once(
    office: Office,
) -> None:
    outcomes: Counter[str] = Counter()
    for round_ in range(20):
        collection_id = await office.started(round_)
        amounts = ("10", "25", "15.50")
        orders = [
            await office.chip_in(collection_id, p, a)
            for p, a in zip(CHIPPERS, amounts, strict=True)
        ]
        started = time.perf_counter()
        await office.pay(orders[0])  # counted before anything races
        webhook = time.perf_counter() - started
        closer, webhooks = office.replicas[round_ % 2], office.replicas[(round_ + 1) % 2]
        await asyncio.gather(
            office.close_after(closer, collection_id, webhook * DELAYS[round_ % len(DELAYS)]),
            office.pay(orders[1], webhooks),
            office.pay(orders[2], closer),
        )

        async with office.backend.database.unit_of_work() as uow:
            collection = await uow.collections.get(collection_id)
            reward = await uow.rewards.get(collection.reward_id)
            statuses = {o: (await uow.orders.get(o)).status for o in orders}
        states = {o: collection.contribution(o).state for o in orders}  # type: ignore[union-attr]
        for order_id in orders:
            counted = states[order_id] is ContributionState.COUNTED
            refunded = states[order_id] is ContributionState.REFUNDED
            assert counted != refunded, (
                round_,
                order_id,
                states[order_id],
            )  # never both, never neither
            assert statuses[order_id] is (OrderStatus.ISSUED if counted else OrderStatus.REFUNDED)
            assert (f"{order_id}:refund" in office.gateway.refunds) is refunded
            outcomes["counted" if counted else "refunded"] += 1
        counted_sum = sum(c.amount.minor for c in collection.contributions if c.state == "counted")
        assert reward.amount == Money(counted_sum, "EUR") == collection.total
        assert states[orders[0]] is ContributionState.COUNTED

    assert sum(outcomes.values()) == 60
    assert (
        outcomes["refunded"] and outcomes["counted"] > 20
    )  # the close landed before and after some
    assert Counter(office.gateway.refund_calls) == Counter(set(office.gateway.refund_calls))
    async with office.backend.database.unit_of_work() as uow:
        budget = await uow.ledger.budget(programme_id_for("EUR"))
        rewards_total = sum(
            r.amount.minor for r in await uow.rewards.list_for_recipient(ADA.key, limit=100)
        )
        entries = await uow.audit.entries()
    assert budget == Budget(credited=rewards_total, reserved=rewards_total, spent=0)
    assert budget.available == 0  # every cent paid in is reserved for Ada, none spendable by others
    assert verify(entries).intact


async def test_two_replicas_deadline_jobs_refund_each_expired_collection_exactly_once(
    office: Office,
) -> None:
    collections = []
    for round_ in range(4):
        collection_id = await office.started(round_)
        orders = [await office.chip_in(collection_id, p, "10") for p in CHIPPERS]
        for order_id in orders:
            await office.pay(order_id)
        collections.append((collection_id, orders))
    office.backend.clock.advance(days=31)

    for _ in range(3):  # the jobs overlap (a lease that ran out mid-run), then run again
        await asyncio.gather(*(r.gifts.settle_due() for r in office.replicas))

    every_order = [o for _, orders in collections for o in orders]
    assert sorted(office.gateway.refund_calls) == sorted(f"{o}:refund" for o in every_order)
    async with office.backend.database.unit_of_work() as uow:
        for collection_id, orders in collections:
            collection = await uow.collections.get(collection_id)
            assert collection.status == "expired" and collection.due_at is None
            assert {c.state for c in collection.contributions} == {ContributionState.REFUNDED}
            for order_id in orders:
                assert (await uow.orders.get(order_id)).status is OrderStatus.REFUNDED
        refunded = [e for e in await uow.audit.entries() if e.action == "order.refunded"]
        assert await uow.rewards.list_for_recipient(ADA.key) == []
    assert Counter(e.subject for e in refunded) == Counter(every_order)  # once each, never twice


async def test_two_closes_racing_fund_one_reward_and_the_other_is_told_it_is_closed(
    office: Office,
) -> None:
    collection_id = await office.started(0)
    order_id = await office.chip_in(collection_id, CHIPPERS[0], "10")
    await office.pay(order_id)

    results = await asyncio.gather(
        *(r.gifts.close(collection_id, ORGANISER) for r in office.replicas), return_exceptions=True
    )

    assert sorted(type(r).__name__ for r in results) == ["CollectionCard", "CollectionNotOpen"]
    async with office.backend.database.unit_of_work() as uow:
        rewards = await uow.rewards.list_for_recipient(ADA.key)
    assert [r.amount for r in rewards] == [Money(1000, "EUR")]


async def test_refunds_left_due_by_a_stripe_outage_are_made_once_when_both_replicas_retry(
    office: Office,
) -> None:
    collections = []
    for round_ in range(3):
        collection_id = await office.started(round_)
        orders = [await office.chip_in(collection_id, p, "10") for p in CHIPPERS]
        for order_id in orders:
            await office.pay(order_id)
        collections.append(orders)
    office.backend.clock.advance(days=31)
    office.gateway.refunds_failing = 1000  # Stripe is down: every collection expires, none refunded
    await office.first.gifts.settle_due()
    assert office.gateway.refunds == []
    office.gateway.refunds_failing = 0

    for _ in range(3):
        await asyncio.gather(*(r.gifts.settle_due() for r in office.replicas))

    every_order = [o for orders in collections for o in orders]
    # Both replicas may ask Stripe at once; the idempotency key makes that one refund.
    assert sorted(set(office.gateway.refunds)) == sorted(f"{o}:refund" for o in every_order)
    async with office.backend.database.unit_of_work() as uow:
        statuses = {(await uow.orders.get(o)).status for o in every_order}
        refunded = [e.subject for e in await uow.audit.entries() if e.action == "order.refunded"]
    assert statuses == {OrderStatus.REFUNDED}
    assert Counter(refunded) == Counter(every_order)


async def test_a_replica_takes_over_the_refunds_of_a_collection_another_one_expired_and_left(
    office: Office,
) -> None:
    collection_id = await office.started(0)
    orders = [await office.chip_in(collection_id, p, "10") for p in CHIPPERS]
    for order_id in orders:
        await office.pay(order_id)
    office.backend.clock.advance(days=31)
    office.gateway.refunds_failing = 1000  # Stripe down while the first replica expires it
    await office.first.gifts.settle_due()
    office.gateway.refunds_failing = 0
    office.gateway.refund_calls.clear()  # the refused one
    other = office.replicas[1]

    await other.gifts.settle_due()  # the first one's run may still be at it: left to it
    assert office.gateway.refund_calls == []

    office.backend.clock.advance(minutes=5)  # the first replica never came back
    await other.gifts.settle_due()

    assert sorted(office.gateway.refund_calls) == sorted(f"{o}:refund" for o in orders)
    async with office.backend.database.unit_of_work() as uow:
        assert (await uow.collections.get(collection_id)).due_at is None
