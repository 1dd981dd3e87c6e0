"""The checkout core end to end on the real database: a paid order becomes exactly one delivered
voucher."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from core.audit import verify
from core.catalog import Catalog
from core.checkout import Checkout, PlaceOrder
from core.delivery import Relay
from core.errors import ProviderError
from core.identity import ConversationRef
from core.money import Money
from core.orders import Order, OrderStatus
from core.outbox import MessageKind
from core.payments import PaymentEvent, PaymentEventKind
from core.views import VoucherDelivery
from tests.db.conftest import Backend
from tests.fakes import FakeGateway, FakeProvider, FakeSender, SequentialIds
from tests.unit.conftest import ADA, BOOKS, TEA


@dataclass
class Shop:
    backend: Backend
    checkout: Checkout
    relay: Relay
    gateway: FakeGateway
    provider: FakeProvider
    sender: FakeSender

    async def paid_order(
        self, key: str = "req-1", event_id: str = "evt_1"
    ) -> tuple[str, PaymentEvent]:
        conversation = ConversationRef("slack", '{"channel": "DU0ADA"}')
        placed = await self.checkout.place_order(
            PlaceOrder(ADA, BOOKS.id, Money(2500, "USD"), conversation, key)
        )
        order = await self.order(placed.order_id)
        event = PaymentEvent(
            event_id,
            PaymentEventKind.SUCCEEDED,
            order.payment_intent_id or "",
            order.id,
            order.amount,
        )
        return order.id, event

    async def order(self, order_id: str) -> Order:
        async with self.backend.database.unit_of_work() as uow:
            return await uow.orders.get(order_id)


@pytest.fixture
def shop(backend: Backend) -> Shop:
    gateway, provider, sender = FakeGateway(), FakeProvider(), FakeSender("slack")
    checkout = Checkout(
        uow=backend.database.unit_of_work,
        catalog=Catalog([BOOKS, TEA]),
        gateway=gateway,
        providers={"builtin": provider},
        clock=backend.clock,
        ids=SequentialIds(),
        public_base_url="https://vouchers.example.com/",
    )
    relay = Relay(
        uow=backend.database.unit_of_work,
        catalog=lambda: checkout.catalog,
        senders={"slack": sender},
        clock=backend.clock,
        checkout_url=checkout.checkout_url,
    )
    return Shop(backend, checkout, relay, gateway, provider, sender)


async def test_a_paid_order_becomes_one_voucher_delivered_to_its_buyer(shop: Shop) -> None:
    order_id, event = await shop.paid_order()

    await shop.checkout.handle_payment_event(event)
    results = await shop.relay.run_once()

    assert {r.outcome for r in results} == {"sent"}
    assert (await shop.order(order_id)).status is OrderStatus.DELIVERED
    delivery = next(n for _, n in shop.sender.sent if isinstance(n, VoucherDelivery))
    assert delivery.code == "QHB-0001-7K3M" and delivery.expires_on == "2027-11-26"
    async with shop.backend.database.unit_of_work() as uow:
        entries = await uow.audit.entries()
    assert verify(entries).intact and "voucher.issued" in [e.action for e in entries]
    assert b"QHB-0001-7K3M" not in await shop.backend.raw_contents()


async def test_ten_concurrent_deliveries_of_a_payment_event_issue_one_voucher(shop: Shop) -> None:
    order_id, event = await shop.paid_order()
    replay = PaymentEvent("evt_2", event.kind, event.intent_id, event.order_id, event.amount)

    await asyncio.gather(*(shop.checkout.handle_payment_event(event) for _ in range(10)))
    await shop.checkout.handle_payment_event(replay)

    assert shop.provider.issued == [order_id]
    assert await shop.backend.database.vouchers_issued() == 1
    async with shop.backend.database.unit_of_work() as uow:
        messages = await uow.outbox.for_order(order_id)
    assert [m.kind for m in messages].count(MessageKind.VOUCHER_DELIVERY) == 1
    assert (await shop.order(order_id)).status is OrderStatus.ISSUED


async def test_a_refund_notification_voids_the_delivered_voucher(shop: Shop) -> None:
    order_id, event = await shop.paid_order()
    await shop.checkout.handle_payment_event(event)
    await shop.relay.run_once()

    refunded = PaymentEvent("evt_refund", PaymentEventKind.REFUNDED, event.intent_id, order_id)
    await shop.checkout.handle_payment_event(refunded)

    async with shop.backend.database.unit_of_work() as uow:
        voucher = await uow.vouchers.for_order(order_id)
        order = await uow.orders.get(order_id)
    assert order.status is OrderStatus.REFUNDED and voucher is not None and voucher.status == "void"


async def test_a_throttled_delivery_is_retried_later_and_keeps_the_conversations_order(
    shop: Shop,
) -> None:
    order_id, event = await shop.paid_order()
    await shop.checkout.handle_payment_event(event)
    shop.sender.throttle_next = 1

    first = await shop.relay.run_once()
    shop.backend.clock.advance(seconds=3)
    await shop.relay.run_once()

    assert [r.outcome for r in first] == ["retry", "deferred", "deferred"]
    assert [type(n).__name__ for _, n in shop.sender.sent] == [
        "OrderSummary",
        "VoucherDelivery",
        "OrderSummary",
    ]
    assert (await shop.order(order_id)).status is OrderStatus.DELIVERED
    assert await shop.backend.database.outbox_depth() == 0


async def test_an_order_left_issuing_by_a_crash_is_recovered(shop: Shop) -> None:
    order_id, event = await shop.paid_order()
    shop.provider.failures.append(ProviderError("timeout", retryable=True))
    await shop.checkout.handle_payment_event(event)
    assert (await shop.order(order_id)).status is OrderStatus.ISSUING

    shop.backend.clock.advance(minutes=1)
    await shop.checkout.recover()

    assert (await shop.order(order_id)).status is OrderStatus.ISSUED
    assert await shop.backend.database.vouchers_issued() == 1
