"""Which payment an order keeps: the first intent to succeed; any other that succeeds is given back
once."""

from __future__ import annotations

from core.money import Money
from core.orders import PaymentState
from core.payments import PaymentEvent, PaymentEventKind
from tests.unit.conftest import World


def _paid(order_id: str, intent_id: str, event_id: str) -> PaymentEvent:
    return PaymentEvent(
        event_id, PaymentEventKind.SUCCEEDED, intent_id, order_id, Money(2500, "USD")
    )


def _refunded(order_id: str, intent_id: str, event_id: str) -> PaymentEvent:
    return PaymentEvent(event_id, PaymentEventKind.REFUNDED, intent_id, order_id)


async def test_the_same_intent_reported_again_under_a_new_event_id_is_not_a_duplicate(
    world: World,
) -> None:
    summary = await world.checkout.place_order(world.order_for())
    intent = world.store.orders[summary.order_id].payment_intent_id or ""

    await world.checkout.handle_payment_event(_paid(summary.order_id, intent, "evt_1"))
    await world.checkout.handle_payment_event(_paid(summary.order_id, intent, "evt_resent"))

    order = world.store.orders[summary.order_id]
    assert [(p.intent_id, p.duplicate) for p in order.payments] == [(intent, False)]
    assert world.gateway.refunds == [] and len(world.store.vouchers) == 1


async def test_an_order_paid_before_payments_were_recorded_refunds_only_another_intent(
    world: World,
) -> None:
    summary = await world.checkout.place_order(world.order_for())
    intent = world.store.orders[summary.order_id].payment_intent_id or ""
    await world.checkout.handle_payment_event(_paid(summary.order_id, intent, "evt_1"))
    world.store.orders[summary.order_id].payments.clear()  # as an order stored before revision 0008

    await world.checkout.handle_payment_event(_paid(summary.order_id, intent, "evt_again"))
    await world.checkout.handle_payment_event(_paid(summary.order_id, "pi_other_tab", "evt_other"))

    assert world.gateway.refunds == [f"{summary.order_id}:refund:pi_other_tab"]
    [other] = world.store.orders[summary.order_id].payments
    assert (other.intent_id, other.duplicate, other.state) == (
        "pi_other_tab",
        True,
        PaymentState.REFUNDED,
    )


async def test_a_payment_that_succeeds_after_the_order_was_refunded_is_given_back(
    world: World,
) -> None:
    summary = await world.checkout.place_order(world.order_for())
    intent = world.store.orders[summary.order_id].payment_intent_id or ""
    await world.checkout.handle_payment_event(_paid(summary.order_id, intent, "evt_1"))
    await world.checkout.refund(summary.order_id, "admin:ops@example.com")

    await world.checkout.handle_payment_event(_paid(summary.order_id, "pi_slow_tab", "evt_slow"))

    assert world.gateway.refunds == [
        f"{summary.order_id}:refund",
        f"{summary.order_id}:refund:pi_slow_tab",
    ]


async def test_a_refund_notice_for_the_duplicate_leaves_the_order_and_its_voucher_alone(
    world: World,
) -> None:
    summary = await world.checkout.place_order(world.order_for())
    intent = world.store.orders[summary.order_id].payment_intent_id or ""
    await world.checkout.handle_payment_event(_paid(summary.order_id, intent, "evt_1"))
    await world.checkout.handle_payment_event(_paid(summary.order_id, "pi_second", "evt_2"))

    await world.checkout.handle_payment_event(
        _refunded(summary.order_id, "pi_second", "evt_refund_2")
    )

    order = world.store.orders[summary.order_id]
    assert (
        str(order.status) == "issued" and world.store.vouchers[summary.order_id].status == "active"
    )
    assert [a.action for a in world.store.audit].count("payment.duplicate_refunded") == 1
