"""Routing on the real database: replicas racing on one paid order still place one provider
order."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from core.checkout import Checkout, PlaceOrder
from core.identity import ConversationRef
from core.money import Money
from core.orders import Order, OrderStatus
from core.routing import Router, RouteRule, RoutingRules, merge_catalogs
from tests.db.conftest import Backend
from tests.fakes import FakeGateway, ScriptedProvider, SequentialIds
from tests.unit.conftest import ADA, BOOKS

PLUM_BOOKS = replace(BOOKS, id="plum-1001", provider="xoxoday")
TANGO_BOOKS = replace(BOOKS, id="tango-b916708-usd-us", provider="tango")
RULES = RoutingRules(default=("xoxoday", "tango"), rules=(RouteRule(prefer=("tango", "xoxoday")),))


def replica(
    backend: Backend, gateway: FakeGateway, plum: ScriptedProvider, tango: ScriptedProvider, n: int
) -> Checkout:
    merged = merge_catalogs({"xoxoday": [PLUM_BOOKS], "tango": [TANGO_BOOKS]}, ("xoxoday", "tango"))
    ids = SequentialIds()
    ids.new_id = lambda prefix, _next=ids.new_id: f"{_next(prefix)}-r{n}"  # type: ignore[method-assign]
    return Checkout(
        uow=backend.database.unit_of_work,
        catalog=merged.catalog,
        gateway=gateway,
        providers={"xoxoday": plum, "tango": tango},
        clock=backend.clock,
        ids=ids,
        public_base_url="https://vouchers.example.com/",
        routing=Router(merged.offers, RULES),
    )


async def paid_order(backend: Backend, checkout: Checkout) -> Order:
    conversation = ConversationRef("slack", '{"channel": "DU0ADA"}')
    placed = await checkout.place_order(
        PlaceOrder(ADA, "plum-1001", Money(2500, "USD"), conversation, "req-race")
    )
    async with backend.database.unit_of_work() as uow:
        order = await uow.orders.get(placed.order_id)
        order.pay(at=backend.clock.now(), source="stripe")
        await uow.orders.save(order)
        await uow.commit()
    return order


async def stored(backend: Backend, order_id: str) -> tuple[Order, int]:
    async with backend.database.unit_of_work() as uow:
        order = await uow.orders.get(order_id)
        voucher = await uow.vouchers.for_order(order_id)
    return order, 0 if voucher is None else 1


async def test_two_replicas_racing_on_one_paid_order_place_one_provider_order(
    backend: Backend,
) -> None:
    gateway, plum, tango = FakeGateway(), ScriptedProvider("xoxoday"), ScriptedProvider("tango")
    tango.delay = 0.2  # both replicas are inside issuance at once
    first, second = (replica(backend, gateway, plum, tango, n) for n in (1, 2))
    order = await paid_order(backend, first)

    await asyncio.gather(first.issue_voucher(order.id), second.issue_voucher(order.id))

    stored_order, vouchers = await stored(backend, order.id)
    assert tango.issued_for(order.id) == 1 and plum.calls == []
    assert (
        vouchers == 1
        and stored_order.status is OrderStatus.ISSUED
        and stored_order.provider == "tango"
    )


async def test_replicas_racing_after_a_refusal_reroute_once_and_place_one_order_at_the_next_provider(
    backend: Backend,
) -> None:
    gateway, plum, tango = FakeGateway(), ScriptedProvider("xoxoday"), ScriptedProvider("tango")
    tango.refuse, tango.delay, plum.delay = "insufficient funds", 0.1, 0.1
    first, second = (replica(backend, gateway, plum, tango, n) for n in (1, 2))
    order = await paid_order(backend, first)
    await first.issue_voucher(order.id)
    assert plum.issued_for(order.id) == 1
    # A second replica's recovery pass sees the issued order and leaves it alone.
    backend.clock.advance(minutes=5)
    await asyncio.gather(first.recover(), second.recover())

    stored_order, vouchers = await stored(backend, order.id)
    assert len(plum.orders) == 1 and plum.issued_for(order.id) == 1 and vouchers == 1
    assert stored_order.route_tried == ("tango",) and stored_order.provider == "xoxoday"


async def test_a_recovering_replica_does_not_reroute_an_order_whose_first_provider_is_still_answering(
    backend: Backend,
) -> None:
    gateway, plum, tango = FakeGateway(), ScriptedProvider("xoxoday"), ScriptedProvider("tango")
    tango.delay = 0.5  # slower than the other replica's recovery
    first, second = (replica(backend, gateway, plum, tango, n) for n in (1, 2))
    order = await paid_order(backend, first)

    async def recover_meanwhile() -> None:
        await asyncio.sleep(0.1)
        backend.clock.advance(minutes=5)  # the order now looks stuck to the second replica
        await second.recover()

    await asyncio.gather(first.issue_voucher(order.id), recover_meanwhile())

    stored_order, vouchers = await stored(backend, order.id)
    assert plum.calls == [] and len(tango.orders) == 1 and vouchers == 1
    assert stored_order.provider == "tango" and stored_order.status is OrderStatus.ISSUED


async def test_a_replica_arriving_while_another_waits_on_the_provider_leaves_the_order_alone(
    backend: Backend,
) -> None:
    gateway, plum, tango = FakeGateway(), ScriptedProvider("xoxoday"), ScriptedProvider("tango")
    tango.delay = 0.4
    first, second = (replica(backend, gateway, plum, tango, n) for n in (1, 2))
    order = await paid_order(backend, first)

    async def arrive_late() -> None:
        await asyncio.sleep(
            0.15
        )  # the first replica's claim is committed; its provider call is under way
        await second.issue_voucher(order.id)

    await asyncio.gather(first.issue_voucher(order.id), arrive_late())

    stored_order, vouchers = await stored(backend, order.id)
    assert tango.issued_for(order.id) == 1 and plum.calls == [] and vouchers == 1
    assert stored_order.status is OrderStatus.ISSUED
