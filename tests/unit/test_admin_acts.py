"""Administrative acts in the core: retrying a failed issuance, revealing a code, locking out a
password guesser."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.audit import verify
from core.errors import InvalidRequest, InvalidTransition, PaymentGatewayError, ProviderError
from core.money import Money
from core.orders import OrderStatus
from core.oversight.accounts import normalise_email
from core.oversight.acts import AdminActs
from core.oversight.lines import OrderLine
from core.oversight.lockout import Lockout, SignInTally
from core.oversight.order_detail import OrderDetail
from core.oversight.timeline import StepKind
from core.payments import PaymentEvent, PaymentEventKind
from tests.fakes import MemoryUnitOfWork
from tests.unit.conftest import World

OPS = "admin:ops@quiet-harbour.example"


async def _order_paid_with_the_wrong_amount(world: World) -> str:
    summary = await world.checkout.place_order(world.order_for())
    order = world.store.orders[summary.order_id]
    wrong = PaymentEvent(
        "evt_short",
        PaymentEventKind.SUCCEEDED,
        order.payment_intent_id or "",
        order.id,
        Money(100, "USD"),
    )
    await world.checkout.handle_payment_event(wrong)
    return order.id


async def _order_whose_issuance_and_refund_failed(world: World) -> str:
    summary = await world.checkout.place_order(world.order_for())
    world.provider.failures.append(
        ProviderError("Quiet Harbour Books is out of stock", retryable=False)
    )
    world.gateway.refunds_failing = 1
    intent = world.store.orders[summary.order_id].payment_intent_id or ""
    paid = PaymentEvent(
        "evt_paid", PaymentEventKind.SUCCEEDED, intent, summary.order_id, Money(2500, "USD")
    )
    with pytest.raises(PaymentGatewayError):
        await world.checkout.handle_payment_event(paid)
    return summary.order_id


async def test_retrying_a_failed_issuance_issues_the_voucher_and_names_the_admin(
    world: World,
) -> None:
    order_id = await _order_whose_issuance_and_refund_failed(world)
    assert world.store.orders[order_id].failure_reason.startswith("issuance")

    summary = await world.checkout.retry_issuance(order_id, OPS)

    assert summary.status is OrderStatus.ISSUED
    assert world.store.orders[order_id].failure_reason == ""
    assert world.provider.issued == [order_id]
    assert [(e.actor, e.action) for e in world.store.audit if e.actor == OPS] == [
        (OPS, "order.issuing")
    ]
    assert verify(world.store.audit).intact


async def test_an_underpaid_order_is_not_an_issuance_to_retry(world: World) -> None:
    order_id = await _order_paid_with_the_wrong_amount(world)
    detail = OrderDetail(OrderLine.of(world.store.orders[order_id]), (), 1, None, None, (), ())

    with pytest.raises(InvalidTransition):
        await world.checkout.retry_issuance(order_id, OPS)

    assert not detail.can_retry_issuance and detail.can_refund
    assert world.provider.issued == [] and world.store.orders[order_id].status is OrderStatus.FAILED


async def test_a_declined_card_paid_later_leaves_no_failure_text_once_delivered(
    world: World,
) -> None:
    summary = await world.checkout.place_order(world.order_for())
    intent = world.store.orders[summary.order_id].payment_intent_id or ""
    await world.checkout.handle_payment_event(
        PaymentEvent(
            "evt_declined",
            PaymentEventKind.FAILED,
            intent,
            summary.order_id,
            failure_message="Your card was declined.",
        )
    )
    assert world.store.orders[summary.order_id].failure_reason == "Your card was declined."

    # Stripe lets the buyer try another card on the same PaymentIntent: the success follows the
    # decline.
    await world.checkout.handle_payment_event(
        PaymentEvent(
            "evt_paid", PaymentEventKind.SUCCEEDED, intent, summary.order_id, Money(2500, "USD")
        )
    )
    await world.relay.run_once()

    order = world.store.orders[summary.order_id]
    assert order.status is OrderStatus.DELIVERED and order.failure_reason == ""


async def test_a_failed_card_payment_is_not_an_issuance_to_retry(world: World) -> None:
    summary = await world.checkout.place_order(world.order_for())
    order = world.store.orders[summary.order_id]
    declined = PaymentEvent(
        "evt_declined",
        PaymentEventKind.FAILED,
        order.payment_intent_id or "",
        order.id,
        failure_message="Your card was declined.",
    )
    await world.checkout.handle_payment_event(declined)

    with pytest.raises(InvalidTransition):
        await world.checkout.retry_issuance(order.id, OPS)

    assert world.store.orders[order.id].status is OrderStatus.FAILED
    assert world.provider.issued == []


async def test_revealing_a_code_is_audited_before_the_code_is_returned(world: World) -> None:
    summary = await world.checkout.place_order(world.order_for())
    order = world.store.orders[summary.order_id]
    await world.checkout.handle_payment_event(
        PaymentEvent(
            "evt_ok",
            PaymentEventKind.SUCCEEDED,
            order.payment_intent_id or "",
            order.id,
            order.amount,
        )
    )
    acts = AdminActs(uow=lambda: MemoryUnitOfWork(world.store, world.clock))

    revealed = await acts.reveal(order.id, OPS)

    assert revealed.code == world.store.vouchers[order.id].code
    last = world.store.audit[-1]
    assert (last.actor, last.action, last.subject) == (OPS, "voucher.revealed", order.id)
    assert revealed.code not in str(last.after)


async def test_an_order_without_a_voucher_has_nothing_to_reveal(world: World) -> None:
    summary = await world.checkout.place_order(world.order_for())
    acts = AdminActs(uow=lambda: MemoryUnitOfWork(world.store, world.clock))

    with pytest.raises(InvalidRequest):
        await acts.reveal(summary.order_id, OPS)

    assert all(e.action != "voucher.revealed" for e in world.store.audit)


def test_the_delay_starts_at_the_fifth_failure_and_doubles_up_to_fifteen_minutes() -> None:
    delays = [Lockout().delay(failures) for failures in range(1, 11)]

    assert delays == [timedelta(0)] * 4 + [timedelta(minutes=m) for m in (1, 2, 4, 8, 15, 15)]
    assert Lockout().delay(10_000) == timedelta(minutes=15)


def test_a_right_password_is_refused_while_other_attempts_could_lock_the_account(
    world: World,
) -> None:
    now, policy = world.clock.now(), Lockout()
    calm = SignInTally(failures=0, in_flight=0, locked_until=None)

    assert policy.admits(calm, SignInTally(failures=4, in_flight=0, locked_until=None), now)
    assert not policy.admits(calm, SignInTally(failures=0, in_flight=29, locked_until=None), now)
    assert not policy.admits(calm, SignInTally(failures=2, in_flight=3, locked_until=None), now)
    assert not policy.admits(calm, SignInTally(0, 0, locked_until=now + timedelta(seconds=1)), now)


def test_once_a_delay_has_passed_a_right_password_is_admitted_if_nothing_else_happened(
    world: World,
) -> None:
    now, policy = world.clock.now(), Lockout()
    after_delay = SignInTally(failures=7, in_flight=0, locked_until=now)

    assert policy.admits(after_delay, after_delay, now)
    assert not policy.admits(after_delay, SignInTally(8, 0, locked_until=None), now)
    assert not policy.admits(after_delay, SignInTally(7, 1, locked_until=None), now)
    assert not policy.admits(SignInTally(7, 0, now + timedelta(seconds=1)), after_delay, now)


def test_emails_are_compared_lower_cased_and_nonsense_is_refused() -> None:
    assert normalise_email("  Ops@Quiet-Harbour.Example ") == "ops@quiet-harbour.example"
    with pytest.raises(InvalidRequest):
        normalise_email("not an email")


async def test_the_timeline_tells_payment_webhook_issue_and_delivery_with_their_actors(
    world: World,
) -> None:
    summary = await world.checkout.place_order(world.order_for())
    order = world.store.orders[summary.order_id]
    await world.checkout.handle_payment_event(
        PaymentEvent(
            "evt_ok",
            PaymentEventKind.SUCCEEDED,
            order.payment_intent_id or "",
            order.id,
            order.amount,
        )
    )
    await world.relay.run_once()
    order = world.store.orders[summary.order_id]
    detail = OrderDetail(
        OrderLine.of(order),
        tuple(order.history),
        order.payment_attempts,
        None,
        None,
        (),
        tuple(e for e in world.store.audit if e.subject == order.id),
    )

    steps = [(step.kind, step.status, step.actor) for step in detail.timeline]

    assert (StepKind.STATUS, OrderStatus.CREATED, "slack") in steps
    assert (StepKind.STATUS, OrderStatus.PAID, "stripe") in steps
    assert (StepKind.STATUS, OrderStatus.ISSUED, "system") in steps
    assert (StepKind.STATUS, OrderStatus.DELIVERED, "outbox") in steps
