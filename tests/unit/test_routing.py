"""Routing between providers: one merged catalog, the operator's rules, fallback only after a
definite no."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from core.catalog import Catalog, Product
from core.checkout import Checkout, PlaceOrder
from core.identity import ConversationRef
from core.money import Money
from core.orders import Order, OrderStatus
from core.payments import PaymentEvent, PaymentEventKind
from core.provider_health import ProviderHealth
from core.routing import CHEAPEST, Router, RouteRule, RoutingRules, merge_catalogs
from tests.fakes import (
    FakeGateway,
    FixedClock,
    MemoryStore,
    MemoryUnitOfWork,
    ScriptedProvider,
    SequentialIds,
)
from tests.unit.conftest import ADA, BOOKS, TEA

PLUM_BOOKS = replace(BOOKS, id="plum-1001", provider="xoxoday")
TANGO_BOOKS = replace(BOOKS, id="tango-b916708-usd-us", provider="tango", skus=((2500, "U561594"),))
TANGO_BOOKS_GB = replace(TANGO_BOOKS, id="tango-b916708-gbp-gb", currency="GBP", countries=("GB",))
ORDER = ("xoxoday", "tango")


def merged() -> tuple[Catalog, dict[str, tuple]]:
    found = merge_catalogs({"xoxoday": [PLUM_BOOKS], "tango": [TANGO_BOOKS, TANGO_BOOKS_GB]}, ORDER)
    return found.catalog, dict(found.offers)


@dataclass
class Shop:
    checkout: Checkout
    store: MemoryStore
    clock: FixedClock
    gateway: FakeGateway
    plum: ScriptedProvider
    tango: ScriptedProvider
    health: ProviderHealth

    async def paid(self, key: str = "req-1", minor: int = 2500) -> str:
        conversation = ConversationRef("slack", '{"channel": "DU0ADA"}')
        placed = await self.checkout.place_order(
            PlaceOrder(ADA, "plum-1001", Money(minor, "USD"), conversation, key)
        )
        order = self.store.orders[placed.order_id]
        await self.checkout.handle_payment_event(
            PaymentEvent(
                f"evt-{key}",
                PaymentEventKind.SUCCEEDED,
                order.payment_intent_id or "",
                order.id,
                order.amount,
            )
        )
        return order.id

    def order(self, order_id: str) -> Order:
        return self.store.orders[order_id]

    def vouchers(self, order_id: str) -> list:
        return [v for v in self.store.vouchers.values() if v.order_id == order_id]

    async def recover_later(self) -> None:
        self.clock.advance(minutes=5)
        await self.checkout.recover()


def shop_with(rules: RoutingRules) -> Shop:
    store, clock, gateway = MemoryStore(), FixedClock(), FakeGateway()
    plum, tango, health = ScriptedProvider("xoxoday"), ScriptedProvider("tango"), ProviderHealth()
    catalog, offers = merged()
    checkout = Checkout(
        uow=lambda: MemoryUnitOfWork(store, clock),
        catalog=catalog,
        gateway=gateway,
        providers={"xoxoday": plum, "tango": tango},
        clock=clock,
        ids=SequentialIds(),
        public_base_url="https://vouchers.example.com/",
        routing=Router(offers, rules, health.balance),
        health=health,
    )
    return Shop(checkout, store, clock, gateway, plum, tango, health)


PREFER_TANGO_IN_US = RoutingRules(
    default=ORDER, rules=(RouteRule(prefer=("tango", "xoxoday"), countries=frozenset({"US"})),)
)


# --- the merged catalog ---------------------------------------------------------------------------


def test_one_brand_in_one_country_is_shown_once_with_every_providers_offer_kept() -> None:
    catalog, offers = merged()
    assert [p.id for p in catalog] == ["plum-1001", "tango-b916708-gbp-gb"]
    assert [o.provider for o in offers["plum-1001"]] == ["xoxoday", "tango"]
    assert offers["plum-1001"][1].product.skus == ((2500, "U561594"),)


def test_the_catalog_people_see_does_not_change_when_the_route_does() -> None:
    catalog, offers = merged()
    before = Router(offers, RoutingRules(default=ORDER)).plan("plum-1001", Money(2500, "USD"))
    after = Router(offers, PREFER_TANGO_IN_US).plan("plum-1001", Money(2500, "USD"))
    again, _ = merged()
    assert [c.provider for c in before] == ["xoxoday", "tango"] and [c.provider for c in after] == [
        "tango",
        "xoxoday",
    ]
    assert list(catalog) == list(again)


def test_a_provider_that_does_not_sell_the_amount_is_not_a_candidate() -> None:
    _, offers = merged()
    plan = Router(offers, PREFER_TANGO_IN_US).plan("plum-1001", Money(1000, "USD"))
    assert [c.provider for c in plan] == ["xoxoday"]


def test_cheapest_by_discount_ranks_the_bigger_discount_first_and_says_so() -> None:
    _, offers = merged()
    rules = RoutingRules(default=ORDER, strategy=CHEAPEST, discounts={"xoxoday": 2.5, "tango": 4.0})
    plan = Router(offers, rules).plan("plum-1001", Money(2500, "USD"))
    assert [c.provider for c in plan] == ["tango", "xoxoday"] and "4%" in plan[0].reason


def test_a_known_balance_below_the_amount_sends_the_provider_to_the_back() -> None:
    _, offers = merged()
    balances = {("tango", "USD"): 1000}
    plan = Router(offers, PREFER_TANGO_IN_US, lambda p, c: balances.get((p, c))).plan(
        "plum-1001", Money(2500, "USD")
    )
    assert [c.provider for c in plan] == ["xoxoday", "tango"] and "below the amount" in plan[
        1
    ].reason


def test_a_rule_for_a_country_does_not_apply_to_another() -> None:
    _, offers = merged()
    rules = RoutingRules(
        default=ORDER, rules=(RouteRule(prefer=("tango",), countries=frozenset({"GB"})),)
    )
    plan = Router(offers, rules).plan("plum-1001", Money(2500, "USD"), "US")
    assert plan[0].provider == "xoxoday" and plan[0].reason == "preferred by default order"


# --- issuing --------------------------------------------------------------------------------------


async def test_the_preferred_provider_issues_and_the_order_records_where_and_why() -> None:
    shop = shop_with(PREFER_TANGO_IN_US)
    order_id = await shop.paid()

    order = shop.order(order_id)
    [voucher] = shop.vouchers(order_id)
    assert order.status is OrderStatus.ISSUED and order.provider == "tango"
    assert order.route_reason == "preferred by rule 1 (US)"
    assert voucher.provider == "tango" and voucher.product_id == "plum-1001"
    assert shop.plum.calls == []


async def test_fallback_after_insufficient_funds_delivers_exactly_one_voucher_from_the_next_provider() -> (
    None
):
    shop = shop_with(PREFER_TANGO_IN_US)
    shop.tango.refuse = "insufficient funds"
    order_id = await shop.paid()
    await shop.recover_later()  # a recovery pass finds nothing left to do

    order = shop.order(order_id)
    [voucher] = shop.vouchers(order_id)
    assert order.status is OrderStatus.ISSUED and voucher.provider == "xoxoday"
    assert order.provider == "xoxoday" and order.route_tried == ("tango",)
    assert "fallback after tango said no (tango: insufficient funds)" in order.route_reason
    assert shop.tango.orders == {} and list(shop.plum.orders) == [order_id]
    assert shop.gateway.refunds == []


async def test_no_fallback_after_a_timeout_while_the_first_provider_cannot_say_whether_it_holds_the_order() -> (
    None
):
    shop = shop_with(PREFER_TANGO_IN_US)
    shop.tango.lose_answers = 1
    order_id = await shop.paid()

    assert (
        shop.order(order_id).status is OrderStatus.ISSUING and shop.order(order_id).route_uncertain
    )
    assert shop.plum.calls == []

    shop.tango.unreachable = True  # still down: its order book cannot be read
    await shop.recover_later()
    assert shop.plum.calls == [] and shop.vouchers(order_id) == []
    assert shop.tango.calls[-1] == ("find", order_id)


async def test_after_a_timeout_the_order_moves_on_once_the_first_provider_holds_no_such_order() -> (
    None
):
    shop = shop_with(PREFER_TANGO_IN_US)
    shop.tango.lose_answers = 1
    order_id = await shop.paid()
    await shop.recover_later()

    order = shop.order(order_id)
    [voucher] = shop.vouchers(order_id)
    assert (
        voucher.provider == "xoxoday" and order.route_tried == ()
    )  # a lost answer is not a refusal
    assert "gave no answer and holds no such order" in order.route_reason
    assert shop.tango.calls == [("issue", order_id), ("find", order_id)]


async def test_after_a_timeout_an_order_the_first_provider_did_place_is_delivered_from_it_and_not_bought_twice() -> (
    None
):
    shop = shop_with(PREFER_TANGO_IN_US)
    shop.tango.lose_answers, shop.tango.placed_before_timeout = 1, True
    order_id = await shop.paid()
    await shop.recover_later()

    [voucher] = shop.vouchers(order_id)
    assert voucher.provider == "tango" and voucher.code == shop.tango.orders[order_id].code
    assert shop.plum.calls == [] and shop.tango.issued_for(order_id) == 1


async def test_with_one_provider_a_lost_answer_is_asked_again_of_the_same_provider() -> None:
    shop = shop_with(RoutingRules(default=("tango",), rules=(RouteRule(prefer=("tango",)),)))
    shop.plum.refuse = "brand unavailable"
    shop.tango.lose_answers = 1
    order_id = await shop.paid()
    await (
        shop.recover_later()
    )  # tango holds no order: plum refuses for good, so tango is asked again

    [voucher] = shop.vouchers(order_id)
    assert voucher.provider == "tango" and len(shop.tango.orders) == 1


async def test_when_every_provider_says_no_the_order_fails_and_the_card_is_refunded() -> None:
    shop = shop_with(PREFER_TANGO_IN_US)
    shop.tango.refuse, shop.plum.refuse = "insufficient funds", "out of stock"
    order_id = await shop.paid()

    order = shop.order(order_id)
    assert order.status is OrderStatus.REFUNDED and order.route_tried == ("tango",)
    assert shop.vouchers(order_id) == [] and len(shop.gateway.refunds) == 1


async def test_outcomes_feed_the_failure_rate_per_provider() -> None:
    shop = shop_with(PREFER_TANGO_IN_US)
    shop.tango.refuse = "insufficient funds"
    await shop.paid()
    status = {s.provider: s for s in shop.health.status(("xoxoday", "tango"), shop.clock.now())}
    assert status["tango"].failure_rate == 1.0 and status["xoxoday"].failure_rate == 0.0


@pytest.mark.parametrize("product", [BOOKS, TEA])
def test_a_single_provider_catalog_routes_each_product_to_the_provider_named_on_it(
    product: Product,
) -> None:
    checkout = Checkout(
        uow=lambda: None,
        catalog=Catalog([BOOKS, TEA]),
        gateway=FakeGateway(),  # type: ignore[arg-type,return-value]
        providers={},
        clock=FixedClock(),
        ids=SequentialIds(),
        public_base_url="https://x.example",
    )
    plan = checkout.router.plan(product.id, Money(product.lowest, product.currency))
    assert [c.provider for c in plan] == ["builtin"]


async def test_when_the_last_provider_is_out_of_stock_the_buyer_is_told_so_and_refunded() -> None:
    shop = shop_with(PREFER_TANGO_IN_US)
    shop.tango.refuse = "insufficient funds"
    shop.plum.refuse, shop.plum.refuse_reason = "out of stock", "out_of_stock"
    order_id = await shop.paid()

    summary = await shop.checkout.order_summary(order_id)
    assert (
        summary.failure_reason
        == "This voucher is out of stock right now, so your payment is being refunded."
    )
    assert shop.order(order_id).failure_reason.startswith(
        "issuance (out_of_stock): xoxoday: out of stock"
    )


async def test_a_short_balance_is_never_the_buyers_to_read() -> None:
    shop = shop_with(RoutingRules(default=("tango",), rules=(RouteRule(prefer=("tango",)),)))
    shop.tango.refuse = shop.plum.refuse = "insufficient funds"
    order_id = await shop.paid()

    summary = await shop.checkout.order_summary(order_id)
    assert (
        summary.failure_reason
        == "We could not issue this voucher, so your payment is being refunded."
    )


async def test_a_paid_order_whose_product_left_every_catalog_is_refunded() -> None:
    shop = shop_with(PREFER_TANGO_IN_US)
    shop.checkout.routing = Router(
        {}, PREFER_TANGO_IN_US
    )  # a catalog sync dropped the brand everywhere
    order_id = await shop.paid()

    order = shop.order(order_id)
    assert order.status is OrderStatus.REFUNDED and len(shop.gateway.refunds) == 1
    assert shop.tango.calls == [] and shop.plum.calls == []


async def test_an_order_lost_in_a_timeout_is_not_rerouted_when_its_offer_vanishes_meanwhile() -> (
    None
):
    shop = shop_with(PREFER_TANGO_IN_US)
    shop.tango.lose_answers, shop.tango.placed_before_timeout = 1, True
    order_id = await shop.paid()
    shop.checkout.routing = Router(
        {}, PREFER_TANGO_IN_US
    )  # Tango may hold the order: nobody else buys
    await shop.recover_later()

    order = shop.order(order_id)
    assert (
        order.status is OrderStatus.ISSUING and order.route_uncertain and shop.gateway.refunds == []
    )
    assert shop.plum.calls == [] and len(shop.tango.orders) == 1


def test_two_products_of_one_provider_for_the_same_brand_and_country_both_stay() -> None:
    gift_box = replace(PLUM_BOOKS, id="plum-1009", name="Quiet Harbour Books gift box")
    found = merge_catalogs({"xoxoday": [PLUM_BOOKS, gift_box], "tango": [TANGO_BOOKS]}, ORDER)
    assert {p.id for p in found.catalog} == {"plum-1001", "plum-1009"}
    assert [o.provider for o in found.offers["plum-1001"]] == ["xoxoday", "tango"]
    assert [o.provider for o in found.offers["plum-1009"]] == ["xoxoday"]


async def test_a_provider_that_cannot_be_reached_at_all_is_routed_around_at_once() -> None:
    shop = shop_with(PREFER_TANGO_IN_US)
    shop.tango.down = True
    order_id = await shop.paid()

    order = shop.order(order_id)
    [voucher] = shop.vouchers(order_id)
    assert voucher.provider == "xoxoday" and order.route_tried == () and not order.route_uncertain
    assert "fallback after tango could not be reached" in order.route_reason


async def test_an_unreachable_only_provider_is_asked_again_by_recovery_and_nothing_is_refunded() -> (
    None
):
    shop = shop_with(RoutingRules(default=("tango",), rules=(RouteRule(prefer=("tango",)),)))
    shop.plum.refuse = "brand unavailable"
    shop.tango.down = True
    order_id = await shop.paid()
    assert shop.order(order_id).status is OrderStatus.ISSUING and shop.gateway.refunds == []

    shop.tango.down = False
    await shop.recover_later()
    [voucher] = shop.vouchers(order_id)
    assert voucher.provider == "tango"


async def test_when_every_provider_is_unreachable_the_order_waits_for_recovery_and_nothing_loops() -> (
    None
):
    shop = shop_with(PREFER_TANGO_IN_US)
    shop.tango.down = shop.plum.down = True
    order_id = await shop.paid()

    assert shop.tango.calls == [("issue", order_id)] and shop.plum.calls == [("issue", order_id)]
    assert shop.order(order_id).status is OrderStatus.ISSUING and shop.gateway.refunds == []
    shop.plum.down = False
    await shop.recover_later()
    [voucher] = shop.vouchers(order_id)
    assert voucher.provider == "xoxoday"


async def test_an_admin_retry_after_every_provider_said_no_routes_afresh() -> None:
    shop = shop_with(PREFER_TANGO_IN_US)
    shop.tango.refuse, shop.plum.refuse = "insufficient funds", "out of stock"
    order_id = await shop.paid()
    stuck = shop.order(order_id)  # as if the refund had not gone through: failed, money still taken
    stuck.status, stuck.failure_reason = OrderStatus.FAILED, "issuance: xoxoday: out of stock"

    shop.tango.refuse = None  # the Tango account was topped up
    await shop.checkout.retry_issuance(order_id, "admin:ops@harbour.example")

    order = shop.order(order_id)
    [voucher] = shop.vouchers(order_id)
    assert (
        voucher.provider == "tango"
        and order.route_tried == ()
        and order.route_reason == "preferred by rule 1 (US)"
    )
