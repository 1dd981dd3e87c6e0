"""The Order's own rules: each transition where it is allowed, refused where it is not (with the
error naming the order and its status), and the events it records for the unit of work's
handlers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import order_events as ev
from core.errors import InvalidTransition, OrderNotPayable
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.order_status import PAID_AMOUNT_DIFFERS, FailureKind
from core.orders import Order, OrderStatus

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
ADA = ChatUser("slack", "T0HARBOUR", "U0ADA", "Ada")
S = OrderStatus


def fresh(order_id: str = "ord_harbour_books") -> Order:
    order = Order.create(
        order_id=order_id,
        product_id="quiet-harbour-books",
        amount=Money(2500, "EUR"),
        buyer=ADA,
        conversation=ConversationRef("slack", '{"channel": "D0ADA"}'),
        request_key=f"req:{order_id}",
        at=AT,
        source="slack",
    )
    return order


def awaiting(order: Order | None = None) -> Order:
    order = order or fresh()
    order.await_payment(
        intent_id="pi_harbour_1",
        client_secret="pi_harbour_1_secret",
        token="tok_harbour",
        expires_at=AT + timedelta(minutes=30),
        at=AT,
        source="slack",
    )
    return order


def paid() -> Order:
    order = awaiting()
    order.pay(at=AT, source="stripe")
    return order


def issuing() -> Order:
    order = paid()
    order.start_issuing(at=AT)
    return order


def issued() -> Order:
    order = issuing()
    order.record_voucher("****WXYZ", at=AT)
    return order


def kinds(order: Order) -> list[type[ev.OrderEvent]]:
    return [type(event) for event in order.pop_events()]


def test_a_new_order_records_that_its_buyer_created_it() -> None:
    order = fresh()

    (created,) = order.pop_events()

    assert isinstance(created, ev.OrderCreated)
    assert (created.actor, created.before, created.after) == (ADA.key, None, S.CREATED)
    assert created.amount == Money(2500, "EUR").label()
    assert order.pop_events() == []  # taken once: a second commit handles nothing again


def test_awaiting_payment_counts_the_attempt_and_records_it() -> None:
    order = fresh()
    order.pop_events()

    awaiting(order)

    assert order.status is S.AWAITING_PAYMENT and order.payment_attempts == 1
    assert order.checkout_token == "tok_harbour"
    assert kinds(order) == [ev.PaymentAwaited]


def test_payment_moves_an_awaiting_order_to_paid_and_records_who_paid() -> None:
    order = awaiting()
    order.pop_events()

    order.pay(at=AT, source="stripe")

    (event,) = order.pop_events()
    assert isinstance(event, ev.OrderPaid)
    assert (event.actor, event.before, event.after) == ("stripe", S.AWAITING_PAYMENT, S.PAID)


def test_a_reward_pays_a_new_order_without_a_card() -> None:
    order = fresh()

    order.pay(at=AT, source="reward")

    assert order.status is S.PAID and order.history[-1].source == "reward"


def test_an_issued_order_cannot_be_paid_again() -> None:
    order = issued()

    with pytest.raises(InvalidTransition) as refused:
        order.pay(at=AT, source="stripe")

    assert (refused.value.order_id, refused.value.current, refused.value.target) == (
        order.id,
        S.ISSUED,
        S.PAID,
    )
    assert kinds(order)[-1] is ev.VoucherIssued  # nothing recorded for the refused step


def test_a_declined_card_fails_the_order_as_a_payment_failure_the_buyer_hears_of() -> None:
    order = awaiting()
    order.pop_events()

    order.fail_payment("Your card was declined.", at=AT, source="stripe", announce=True)

    (event,) = order.pop_events()
    assert isinstance(event, ev.OrderFailed)
    assert (event.kind, event.announced, event.after) == (FailureKind.PAYMENT, True, S.FAILED)
    assert order.failure_kind is FailureKind.PAYMENT
    order.check_can_pay_again()  # the buyer may pay again: no error


def test_a_payment_of_another_amount_fails_the_order_unannounced_and_never_payable_again() -> None:
    order = awaiting()
    order.pop_events()

    order.refuse_amount(at=AT, source="stripe")

    (event,) = order.pop_events()
    assert isinstance(event, ev.OrderFailed)
    assert (event.kind, event.announced) == (FailureKind.AMOUNT_DIFFERS, False)
    assert order.failure_reason == PAID_AMOUNT_DIFFERS
    with pytest.raises(OrderNotPayable):
        order.check_can_pay_again()
    with pytest.raises(InvalidTransition):
        order.retry_issuance(at=AT, actor="admin:ops")


def test_paying_again_after_a_decline_clears_the_failure() -> None:
    order = awaiting()
    order.fail_payment("Your card was declined.", at=AT, source="stripe", announce=True)

    awaiting(order)

    assert order.failure_reason == "" and order.failure_kind is FailureKind.NONE
    assert order.payment_attempts == 2


def test_only_an_awaiting_order_expires() -> None:
    order = awaiting()
    order.pop_events()
    order.expire(at=AT)
    assert order.status is S.EXPIRED and kinds(order) == [ev.OrderExpired]

    with pytest.raises(InvalidTransition):
        fresh("ord_never_paid").expire(at=AT)


def test_a_paid_order_cannot_be_cancelled_but_an_unpaid_one_can() -> None:
    unpaid = awaiting()
    unpaid.pop_events()
    unpaid.cancel(at=AT, actor=ADA.key)
    assert unpaid.status is S.CANCELLED and kinds(unpaid) == [ev.OrderCancelled]

    with pytest.raises(InvalidTransition):
        paid().cancel(at=AT, actor=ADA.key)


def test_claiming_and_routing_record_the_start_of_issuance_and_the_provider() -> None:
    order = paid()
    order.pop_events()

    order.start_issuing(at=AT)
    order.route_to("builtin", "cheapest")
    order.route_to("xoxoday", "fallback after builtin said no")

    events = order.pop_events()
    assert [type(e) for e in events] == [ev.IssuanceStarted, ev.OrderRouted, ev.OrderRouted]
    first, second = events[1], events[2]
    assert isinstance(first, ev.OrderRouted) and isinstance(second, ev.OrderRouted)
    assert (first.previous, second.previous, second.provider) == (None, "builtin", "xoxoday")
    assert order.route_tried == ("builtin",)


def test_a_failed_issuance_is_an_issuance_failure_the_admin_may_retry() -> None:
    order = issuing()
    order.route_to("builtin", "cheapest")
    order.pop_events()

    order.fail_issuance("out of stock", at=AT, buyer_code="out_of_stock")

    (event,) = order.pop_events()
    assert isinstance(event, ev.OrderFailed) and event.kind is FailureKind.ISSUANCE
    assert order.failure_reason == "issuance (out_of_stock): out of stock"
    with pytest.raises(OrderNotPayable):
        order.check_can_pay_again()  # the money was taken: not the buyer's to pay again

    order.retry_issuance(at=AT, actor="admin:ops")

    assert order.status is S.ISSUING and order.provider == "" and order.failure_reason == ""
    assert order.history[-1].note == "issuance retried"
    assert kinds(order) == [ev.IssuanceStarted]


def test_a_declined_payment_is_not_retried_as_an_issuance() -> None:
    order = awaiting()
    order.fail_payment("Your card was declined.", at=AT, source="stripe", announce=True)

    with pytest.raises(InvalidTransition):
        order.retry_issuance(at=AT, actor="admin:ops")


def test_a_delayed_issuance_records_the_error_and_keeps_the_status() -> None:
    order = issuing()
    order.pop_events()

    order.delay_issuance("provider timed out")

    (event,) = order.pop_events()
    assert isinstance(event, ev.IssuanceDelayed) and event.error == "provider timed out"
    assert order.status is S.ISSUING


def test_a_voucher_is_recorded_only_while_issuing_and_delivered_only_once_issued() -> None:
    with pytest.raises(InvalidTransition):
        paid().record_voucher("****WXYZ", at=AT)
    with pytest.raises(InvalidTransition):
        issuing().mark_delivered(at=AT, source="outbox")

    order = issued()
    order.pop_events()
    order.mark_delivered(at=AT, source="outbox")

    assert order.status is S.DELIVERED and kinds(order) == [ev.OrderDelivered]
    with pytest.raises(InvalidTransition):
        order.mark_delivered(at=AT, source="outbox")


def test_the_issued_voucher_event_carries_only_the_masked_code() -> None:
    order = issuing()
    order.pop_events()

    order.record_voucher("****WXYZ", at=AT)

    (event,) = order.pop_events()
    assert isinstance(event, ev.VoucherIssued) and event.masked_code == "****WXYZ"


def test_refunds_are_allowed_while_money_is_held_and_refused_before() -> None:
    order = issued()
    order.check_refundable()
    order.pop_events()
    order.refund(at=AT, actor="admin:ops")
    assert order.status is S.REFUNDED and kinds(order) == [ev.OrderRefunded]

    with pytest.raises(OrderNotPayable):
        awaiting().check_refundable()
    with pytest.raises(InvalidTransition):
        order.refund(at=AT, actor="admin:ops")  # refunded once only


def test_a_second_payment_for_a_paid_order_is_a_duplicate_owed_back() -> None:
    order = paid()
    order.take_payment("pi_harbour_1", Money(2500, "EUR"), AT)
    order.pop_events()

    late = order.take_payment("pi_harbour_2", Money(2500, "EUR"), AT)

    assert late is not None and late.duplicate and order.refunds_due == (late,)
    (taken,) = order.pop_events()
    assert isinstance(taken, ev.DuplicatePaymentTaken) and taken.intent_id == "pi_harbour_2"

    assert order.duplicate_refunded("pi_harbour_2", actor="system")
    assert not order.duplicate_refunded("pi_harbour_2", actor="system")  # once
    assert not order.duplicate_refunded("pi_harbour_1", actor="system")  # the kept payment
    assert kinds(order) == [ev.DuplicatePaymentRefunded] and order.refunds_due == ()


def test_stored_reasons_written_before_the_failure_kind_read_as_before() -> None:
    assert FailureKind.of("") is FailureKind.NONE
    assert FailureKind.of("Your card was declined.") is FailureKind.PAYMENT
    assert FailureKind.of("issuance: xoxoday: out of stock") is FailureKind.ISSUANCE
    assert FailureKind.of("issuance (unavailable): brand gone") is FailureKind.ISSUANCE
    assert FailureKind.of(PAID_AMOUNT_DIFFERS) is FailureKind.AMOUNT_DIFFERS
