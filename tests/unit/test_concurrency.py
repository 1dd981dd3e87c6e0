"""Use cases racing each other on the in-memory store, which yields between reads and commit as a
database does."""

from __future__ import annotations

import asyncio

from core.money import Money
from core.orders import OrderStatus
from core.payments import PaymentEvent, PaymentEventKind
from tests.unit.conftest import World


async def test_two_different_success_events_for_one_order_at_once_issue_one_voucher(
    world: World,
) -> None:
    summary = await world.checkout.place_order(world.order_for())
    intent = world.store.orders[summary.order_id].payment_intent_id or ""
    # Stripe sends payment_intent.succeeded and charge.succeeded: two event ids, one payment.
    events = [
        PaymentEvent(
            event_id, PaymentEventKind.SUCCEEDED, intent, summary.order_id, Money(2500, "USD")
        )
        for event_id in ("evt_intent_succeeded", "evt_charge_succeeded")
    ]

    await asyncio.gather(*(world.checkout.handle_payment_event(event) for event in events))

    assert world.provider.issued == [summary.order_id]
    assert len(world.store.vouchers) == 1
    order = world.store.orders[summary.order_id]
    assert order.status is OrderStatus.ISSUED
    assert [change.after for change in order.history].count(OrderStatus.PAID) == 1


async def test_ten_workers_issuing_one_paid_order_at_once_ask_the_provider_once(
    world: World,
) -> None:
    summary = await world.checkout.place_order(world.order_for())
    intent = world.store.orders[summary.order_id].payment_intent_id or ""
    world.provider.failures.append(
        _busy()
    )  # the first try leaves the order paid, for the workers to claim
    await world.checkout.handle_payment_event(
        PaymentEvent(
            "evt_paid", PaymentEventKind.SUCCEEDED, intent, summary.order_id, Money(2500, "USD")
        )
    )
    assert world.store.orders[summary.order_id].status is OrderStatus.ISSUING
    world.clock.advance(
        hours=1
    )  # a claim this old is taken over (recovery); a fresh one is left alone

    await asyncio.gather(*(world.checkout.issue_voucher(summary.order_id) for _ in range(10)))

    assert world.provider.issued == [summary.order_id]


def _busy() -> Exception:
    from core.errors import ProviderError

    return ProviderError("provider busy", retryable=True)
