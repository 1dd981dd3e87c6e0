"""The checkout use cases against in-memory fakes: a paid order becomes exactly one voucher."""

from __future__ import annotations

import asyncio

import pytest

from core.audit import verify
from core.card_checkout import CardCheckout
from core.errors import InvalidAmount, NotOrderOwner, UnknownProduct
from core.money import Money
from core.orders import OrderStatus
from core.payments import PaymentEvent, PaymentEventKind
from core.views import OrderSummary, VoucherDelivery
from tests.unit.conftest import ADA, GRACE, TEA, World


def succeeded(world: World, order_id: str, event_id: str = "evt_1") -> PaymentEvent:
    order = world.store.orders[order_id]
    return PaymentEvent(
        event_id, PaymentEventKind.SUCCEEDED, order.payment_intent_id or "", order_id, order.amount
    )


def failed(world: World, order_id: str, event_id: str = "evt_f") -> PaymentEvent:
    order = world.store.orders[order_id]
    return PaymentEvent(
        event_id,
        PaymentEventKind.FAILED,
        order.payment_intent_id or "",
        order_id,
        failure_message="Your card was declined.",
    )


async def test_placing_an_order_creates_a_payment_intent_and_checkout_link(world: World) -> None:
    summary = await world.checkout.place_order(world.order_for())

    assert summary.status is OrderStatus.AWAITING_PAYMENT
    assert summary.checkout_url and summary.checkout_url.startswith(
        "https://vouchers.example.com/checkout/tok"
    )
    assert summary.amount == Money(2500, "USD")
    assert list(world.gateway.intents) == [f"{summary.order_id}:pay:1"]


async def test_a_retried_request_creates_no_second_order(world: World) -> None:
    first = await world.checkout.place_order(world.order_for(key="slack-trigger-42"))
    second = await world.checkout.place_order(world.order_for(key="slack-trigger-42"))

    assert first.order_id == second.order_id
    assert len(world.store.orders) == 1
    assert not first.repeated and second.repeated  # the retry is told the first one showed it


async def test_concurrent_identical_requests_create_one_order(world: World) -> None:
    results = await asyncio.gather(
        *(world.checkout.place_order(world.order_for(key="k-9")) for _ in range(5))
    )

    assert {r.order_id for r in results} == set(world.store.orders)
    assert sorted(r.repeated for r in results) == [False, True, True, True, True]
    assert len(world.store.orders) == 1


async def test_a_replay_starting_the_payment_after_the_first_request_did_shows_that_payment(
    world: World,
) -> None:
    """The replay read the order while it was new; by the time it starts paying, the first request
    has: no second intent, no refused transition."""
    placed = await world.checkout.place_order(world.order_for(key="k-10"))

    shop = world.checkout.shop
    late = await CardCheckout(shop).start_with(await shop.order(placed.order_id), source="teams")

    assert late.status is OrderStatus.AWAITING_PAYMENT
    assert late.payment_intent_id == world.store.orders[placed.order_id].payment_intent_id
    assert list(world.gateway.intents) == [f"{placed.order_id}:pay:1"]


async def test_an_amount_outside_the_denominations_is_refused_with_the_choices(
    world: World,
) -> None:
    with pytest.raises(InvalidAmount, match=r"\$10, \$25, \$50"):
        await world.checkout.place_order(world.order_for(minor=3000))
    assert world.store.orders == {}


async def test_an_open_range_amount_is_read_from_text_and_checked(world: World) -> None:
    assert world.checkout.amount_for(TEA.id, "42") == Money(4200, "EUR")
    with pytest.raises(InvalidAmount, match="from €5 to €200"):
        world.checkout.amount_for(TEA.id, "250")
    with pytest.raises(InvalidAmount, match="not an amount"):
        world.checkout.amount_for(TEA.id, "-3")


async def test_unknown_product_is_refused(world: World) -> None:
    with pytest.raises(UnknownProduct):
        world.checkout.amount_for("no-such-shop", "10")


async def test_payment_success_issues_one_voucher_and_queues_its_delivery(world: World) -> None:
    summary = await world.checkout.place_order(world.order_for())

    await world.checkout.handle_payment_event(succeeded(world, summary.order_id))

    assert world.store.orders[summary.order_id].status is OrderStatus.ISSUED
    voucher = world.store.vouchers[summary.order_id]
    assert voucher.expires_on.isoformat() == "2027-11-26"
    results = await world.relay.run_once()
    assert {r.outcome for r in results} == {"sent"}
    notices = [n for _, n in world.sender.sent]
    delivery = next(n for n in notices if isinstance(n, VoucherDelivery))
    assert delivery.code == voucher.code and delivery.expires_on == "2027-11-26"
    assert delivery.instructions.startswith("Show the code")
    assert world.store.orders[summary.order_id].status is OrderStatus.DELIVERED


async def test_replayed_and_concurrent_webhooks_issue_no_second_voucher(world: World) -> None:
    summary = await world.checkout.place_order(world.order_for())
    event = succeeded(world, summary.order_id)

    for _ in range(5):
        await world.checkout.handle_payment_event(event)
    await asyncio.gather(*(world.checkout.handle_payment_event(event) for _ in range(10)))
    other_id = PaymentEvent("evt_2", event.kind, event.intent_id, event.order_id, event.amount)
    await world.checkout.handle_payment_event(other_id)

    assert world.provider.issued == [summary.order_id]
    assert len(world.store.vouchers) == 1
    keys = [m.key for m in world.store.outbox.values() if m.kind == "voucher_delivery"]
    assert len(keys) == 1


async def test_a_failure_arriving_after_success_changes_nothing(world: World) -> None:
    summary = await world.checkout.place_order(world.order_for())
    await world.checkout.handle_payment_event(succeeded(world, summary.order_id))
    await world.checkout.handle_payment_event(failed(world, summary.order_id))

    assert world.store.orders[summary.order_id].status is OrderStatus.ISSUED


async def test_a_declined_card_fails_the_order_tells_the_buyer_and_can_be_retried(
    world: World,
) -> None:
    summary = await world.checkout.place_order(world.order_for())
    await world.checkout.handle_payment_event(failed(world, summary.order_id))

    assert world.store.orders[summary.order_id].status is OrderStatus.FAILED
    await world.relay.run_once()
    update = world.sender.sent[-1][1]
    assert (
        isinstance(update, OrderSummary)
        and update.can_retry
        and "declined" in update.failure_reason
    )
    with pytest.raises(NotOrderOwner):
        await world.checkout.retry_payment(summary.order_id, GRACE)
    retried = await world.checkout.retry_payment(summary.order_id, ADA)
    assert retried.status is OrderStatus.AWAITING_PAYMENT
    assert f"{summary.order_id}:pay:2" in world.gateway.intents


async def test_a_paid_amount_that_differs_issues_nothing(world: World) -> None:
    summary = await world.checkout.place_order(world.order_for())
    order = world.store.orders[summary.order_id]
    wrong = PaymentEvent(
        "evt_x",
        PaymentEventKind.SUCCEEDED,
        order.payment_intent_id or "",
        order.id,
        Money(100, "USD"),
    )

    await world.checkout.handle_payment_event(wrong)

    assert world.store.vouchers == {}
    assert world.store.orders[order.id].status is OrderStatus.FAILED


async def test_refund_voids_the_voucher(world: World) -> None:
    summary = await world.checkout.place_order(world.order_for())
    await world.checkout.handle_payment_event(succeeded(world, summary.order_id))

    await world.checkout.refund(summary.order_id, "admin:ops@example.com")

    assert world.store.orders[summary.order_id].status is OrderStatus.REFUNDED
    assert world.store.vouchers[summary.order_id].status == "void"
    assert world.gateway.refunds == [f"{summary.order_id}:refund"]


async def test_a_crash_between_payment_and_issuing_is_recovered(world: World) -> None:
    summary = await world.checkout.place_order(world.order_for())
    from core.errors import ProviderError

    world.provider.failures.append(ProviderError("timeout", retryable=True))
    await world.checkout.handle_payment_event(succeeded(world, summary.order_id))
    assert world.store.orders[summary.order_id].status is OrderStatus.ISSUING

    world.clock.advance(minutes=1)
    await world.checkout.recover()

    assert world.store.orders[summary.order_id].status is OrderStatus.ISSUED
    assert len(world.store.vouchers) == 1


async def test_a_permanent_provider_failure_refunds_the_buyer(world: World) -> None:
    from core.errors import ProviderError

    summary = await world.checkout.place_order(world.order_for())
    world.provider.failures.append(ProviderError("product discontinued", retryable=False))
    await world.checkout.handle_payment_event(succeeded(world, summary.order_id))

    assert world.store.orders[summary.order_id].status is OrderStatus.REFUNDED
    assert world.gateway.refunds == [f"{summary.order_id}:refund"]


async def test_abandoned_checkouts_expire(world: World) -> None:
    summary = await world.checkout.place_order(world.order_for())
    world.clock.advance(minutes=31)

    await world.checkout.recover()

    assert world.store.orders[summary.order_id].status is OrderStatus.EXPIRED


async def test_throttled_delivery_is_retried_after_retry_after_and_keeps_order(
    world: World,
) -> None:
    summary = await world.checkout.place_order(world.order_for())
    await world.checkout.handle_payment_event(succeeded(world, summary.order_id))
    world.sender.throttle_next = 1

    first = await world.relay.run_once()
    assert [r.outcome for r in first] == ["retry", "deferred", "deferred"]
    world.clock.advance(seconds=3)
    await world.relay.run_once()

    kinds = [type(n).__name__ for _, n in world.sender.sent]
    assert kinds == ["OrderSummary", "VoucherDelivery", "OrderSummary"]
    assert world.store.orders[summary.order_id].status is OrderStatus.DELIVERED


async def test_every_change_is_in_an_intact_audit_chain(world: World) -> None:
    summary = await world.checkout.place_order(world.order_for())
    await world.checkout.handle_payment_event(succeeded(world, summary.order_id))

    actions = [e.action for e in world.store.audit]
    assert actions[:3] == ["order.created", "order.awaiting_payment", "order.paid"]
    assert "voucher.issued" in actions
    assert verify(world.store.audit).intact
    assert all("QHB-" not in str(e.after) for e in world.store.audit)


async def test_wallet_lists_vouchers_newest_first_and_open_orders(world: World) -> None:
    first = await world.checkout.place_order(world.order_for(key="a"))
    await world.checkout.handle_payment_event(succeeded(world, first.order_id, "e1"))
    world.clock.advance(minutes=1)
    second = await world.checkout.place_order(world.order_for(key="b", product=TEA, minor=4200))
    await world.checkout.handle_payment_event(succeeded(world, second.order_id, "e2"))
    await world.checkout.place_order(world.order_for(key="c"))

    wallet = await world.checkout.wallet(ADA)

    assert [e.order_id for e in wallet.entries] == [second.order_id, first.order_id]
    assert wallet.entries[0].pin == "4321" and wallet.entries[0].expires_on == "2027-12-31"
    assert [p.status for p in wallet.pending] == [OrderStatus.AWAITING_PAYMENT]
    assert (await world.checkout.wallet(GRACE)).entries == ()


async def test_an_order_is_shown_with_its_checkout_link_to_its_buyer_only(world: World) -> None:
    placed = await world.checkout.place_order(world.order_for())
    buyer = world.store.orders[placed.order_id].buyer

    mine = await world.checkout.buyer_order(placed.order_id, buyer)

    assert mine.checkout_url == placed.checkout_url
    stranger = GRACE if not GRACE.same_person(buyer) else ADA
    with pytest.raises(NotOrderOwner):
        await world.checkout.buyer_order(placed.order_id, stranger)
