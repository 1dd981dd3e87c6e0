"""The checkout core issuing through the Plum provider: a paid order ends issued, or refunded with a
reason."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import pytest

from adapters.providers.xoxoday import (
    RetryPolicy,
    XoxodayCatalogSync,
    XoxodayClient,
    XoxodayProvider,
)
from core.catalog import Catalog
from core.checkout import Checkout, PlaceOrder
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.orders import OrderStatus
from core.payments import PaymentEvent, PaymentEventKind
from tests.fake_plum import FakePlum, sample_products
from tests.fakes import (
    FakeGateway,
    FixedClock,
    MemoryCatalogStore,
    MemoryStore,
    MemoryUnitOfWork,
    SequentialIds,
)

ADA = ChatUser("slack", "T0001", "U0ADA", "Ada")


@dataclass
class PlumWorld:
    checkout: Checkout
    store: MemoryStore
    gateway: FakeGateway
    plum: FakePlum
    clock: FixedClock
    alerts: list[str]

    async def buy_and_pay(
        self, product_id: str = "plum-1001", major: str = "25", key: str = "req-1"
    ) -> str:
        product = self.checkout.catalog.get(product_id)
        conversation = ConversationRef("slack", '{"channel": "DU0ADA"}')
        amount = Money.parse(major, product.currency)
        summary = await self.checkout.place_order(
            PlaceOrder(ADA, product_id, amount, conversation, key)
        )
        order = self.store.orders[summary.order_id]
        event = PaymentEvent(
            f"evt_{key}",
            PaymentEventKind.SUCCEEDED,
            order.payment_intent_id or "",
            order.id,
            amount,
        )
        await self.checkout.handle_payment_event(event)
        return order.id


async def make_world(
    plum: FakePlum, clock: FixedClock, **client_options: object
) -> tuple[PlumWorld, XoxodayClient]:
    settings: dict[str, object] = {"clock": clock, "retry": RetryPolicy(attempts=2, base_delay=0.0)}
    settings.update(client_options)
    client = XoxodayClient(
        plum.base_url, plum.client_id, plum.client_secret, "plum-refresh-1", **settings
    )  # type: ignore[arg-type]
    catalogs = MemoryCatalogStore()
    await XoxodayCatalogSync(client, catalogs, clock).sync()
    alerts: list[str] = []

    async def alert(message: str) -> None:
        alerts.append(message)

    provider = XoxodayProvider(
        client, poll_interval=0.01, max_wait=0.0, recheck_interval=0.0, alert=alert
    )
    store, gateway = MemoryStore(), FakeGateway()
    checkout = Checkout(
        uow=lambda: MemoryUnitOfWork(store, clock),
        catalog=Catalog(await catalogs.load("xoxoday")),
        gateway=gateway,
        providers={"xoxoday": provider},
        clock=clock,
        ids=SequentialIds(),
        public_base_url="https://vouchers.example.com",
    )
    return PlumWorld(checkout, store, gateway, plum, clock, alerts), client


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
async def plum(clock: FixedClock) -> AsyncIterator[FakePlum]:
    async with FakePlum(sample_products(), clock=clock) as fake:
        yield fake


@pytest.fixture
async def world(plum: FakePlum, clock: FixedClock) -> AsyncIterator[PlumWorld]:
    made, client = await make_world(plum, clock)
    yield made
    await client.close()


async def test_a_paid_order_ends_issued_with_the_plum_voucher(world: PlumWorld) -> None:
    order_id = await world.buy_and_pay()

    assert world.store.orders[order_id].status is OrderStatus.ISSUED
    voucher = world.store.vouchers[order_id]
    assert voucher.code == world.plum.orders[order_id].vouchers[0]["voucherCode"]
    assert voucher.provider == "xoxoday" and voucher.amount == Money(2500, "USD")
    assert world.gateway.refunds == []


async def test_a_short_wallet_ends_the_order_failed_and_refunded_and_alerts_admins(
    world: PlumWorld,
) -> None:
    world.plum.balance = Decimal(5)

    order_id = await world.buy_and_pay()

    order = world.store.orders[order_id]
    assert order.status is OrderStatus.REFUNDED
    assert OrderStatus.FAILED in [change.after for change in order.history]
    assert "insufficient Plum wallet balance" in order.failure_reason
    assert world.gateway.refunds == [f"{order_id}:refund"]
    assert world.store.vouchers == {} and world.plum.orders == {}
    assert len(world.alerts) == 1


async def test_a_delayed_voucher_is_issued_by_recovery_once_plum_delivers_it(
    world: PlumWorld,
) -> None:
    world.plum.delayed_polls = 1

    order_id = await world.buy_and_pay("plum-1004", "20")
    assert world.store.orders[order_id].status is OrderStatus.ISSUING

    world.clock.advance(minutes=1)
    await world.checkout.recover()

    assert world.store.orders[order_id].status is OrderStatus.ISSUED
    assert (
        world.store.vouchers[order_id].code
        == world.plum.orders[order_id].vouchers[0]["voucherCode"]
    )
    assert world.plum.calls["placeOrder"] == 1


async def test_a_place_order_timeout_is_recovered_with_the_same_po_and_one_voucher(
    plum: FakePlum, clock: FixedClock
) -> None:
    world, client = await make_world(plum, clock, order_timeout=0.2, retry=RetryPolicy(attempts=1))
    plum.stall_next_order(0.4, after_processing=True)

    order_id = await world.buy_and_pay()
    assert world.store.orders[order_id].status is OrderStatus.ISSUING

    clock.advance(minutes=1)
    await world.checkout.recover()
    await client.close()

    assert world.store.orders[order_id].status is OrderStatus.ISSUED
    assert [r["poNumber"] for r in plum.place_order_requests] == [order_id]
    assert plum.vouchers_issued == 1 and len(world.store.vouchers) == 1
    assert world.gateway.refunds == []
