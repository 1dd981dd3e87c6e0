"""The Order aggregate: its state machine, and the record of every transition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core import order_events as ev
from core.card_payments import CardPayment, PaymentState
from core.errors import InvalidTransition, OrderNotPayable
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.order_state import OrderState
from core.order_status import (
    PAID_AMOUNT_DIFFERS,
    PROGRESS,
    REFUNDABLE,
    FailureKind,
    OrderStatus,
    StatusChange,
    issuance_can_be_retried,
    issuance_reason,
)

# Importers of core.orders keep finding the order's vocabulary here.
__all__ = ["CardPayment", "Order", "OrderStatus", "PaymentState", "StatusChange"]
__all__ += ["PAID_AMOUNT_DIFFERS", "FailureKind", "issuance_can_be_retried"]


@dataclass
class Order(OrderState):
    """A request to buy one voucher of one product for one amount, paid by card: its transitions
    check the state machine and record what happened (core.order_events) for the unit of work's
    handlers."""

    @classmethod
    def create(
        cls,
        *,
        order_id: str,
        product_id: str,
        amount: Money,
        buyer: ChatUser,
        conversation: ConversationRef,
        request_key: str,
        at: datetime,
        source: str,
    ) -> Order:
        order = cls(order_id, product_id, amount, buyer, conversation, request_key, at)
        order.history.append(StatusChange(at, source, None, OrderStatus.CREATED))
        order._record(ev.OrderCreated(order.id, buyer.key, None, order.status, amount.label()))
        return order

    # --- paying -----------------------------------------------------------------------------------

    def await_payment(
        self,
        *,
        intent_id: str,
        client_secret: str,
        token: str,
        expires_at: datetime,
        at: datetime,
        source: str,
    ) -> None:
        """A (new) payment intent and checkout link: the buyer pays by card now."""
        before = self._move(OrderStatus.AWAITING_PAYMENT, at=at, source=source)
        self.payment_intent_id = intent_id
        self.payment_client_secret = client_secret
        self.checkout_token = token
        self.checkout_expires_at = expires_at
        self.payment_attempts += 1
        self.failure_reason = ""
        self._record(ev.PaymentAwaited(self.id, source, before, self.status, self.amount.label()))

    def check_can_pay_again(self) -> None:
        """OrderNotPayable unless a card payment failed (a failure after payment is not the
        buyer's)."""
        if self.status is not OrderStatus.FAILED or self.failure_kind is not FailureKind.PAYMENT:
            raise OrderNotPayable(self.id, self.status)

    def pay(self, *, at: datetime, source: str) -> None:
        """The price is paid: by card (`source` "stripe") or wholly by a reward ("reward")."""
        self._step(ev.OrderPaid, OrderStatus.PAID, at=at, source=source)

    def fail_payment(self, reason: str, *, at: datetime, source: str, announce: bool) -> None:
        """The card was declined or the payment service failed; `announce`: tell the buyer by
        message (a failure met while they wait for the answer is shown in that answer instead)."""
        self._fail(reason, FailureKind.PAYMENT, at=at, source=source, announce=announce)

    def refuse_amount(self, *, at: datetime, source: str) -> None:
        """A payment of another amount than the card's share arrived: never issued, an admin
        refunds."""
        self._fail(
            PAID_AMOUNT_DIFFERS,
            FailureKind.AMOUNT_DIFFERS,
            at=at,
            source=source,
            announce=False,
            note="issuance: paid amount differs from the order",
        )

    def cancel(self, *, at: datetime, actor: str) -> None:
        self._step(ev.OrderCancelled, OrderStatus.CANCELLED, at=at, source=actor)

    def expire(self, *, at: datetime) -> None:
        """The checkout link ran out: only an order still waiting for its payment expires."""
        if self.status is not OrderStatus.AWAITING_PAYMENT:
            raise InvalidTransition(self.id, self.status, OrderStatus.EXPIRED)
        self._step(ev.OrderExpired, OrderStatus.EXPIRED, at=at, source="system")

    def check_refundable(self) -> None:
        """OrderNotPayable unless the order holds money that may be given back."""
        if self.status not in REFUNDABLE:
            raise OrderNotPayable(self.id, self.status)

    def refund(self, *, at: datetime, actor: str) -> None:
        """Every payment the order held is given back (the voucher, if any, is voided by a
        handler)."""
        self._step(ev.OrderRefunded, OrderStatus.REFUNDED, at=at, source=actor)

    # --- issuing ----------------------------------------------------------------------------------

    def start_issuing(self, *, at: datetime, source: str = "system", note: str = "") -> None:
        """A worker claims the paid order to ask a provider for its voucher."""
        self._step(ev.IssuanceStarted, OrderStatus.ISSUING, at=at, source=source, note=note)

    def retry_issuance(self, *, at: datetime, actor: str) -> None:
        """An admin asks again after a provider failed a fully paid order; the route starts
        afresh."""
        if not issuance_can_be_retried(self.status, self.failure_reason):
            # A failed card payment is the buyer's to retry, and a payment of another amount is
            # refunded, not issued: only the full price already taken is issued here.
            raise InvalidTransition(self.id, self.status, OrderStatus.ISSUING)
        self.start_issuing(at=at, source=actor, note="issuance retried")
        self.reset_route()  # a failed order holds nothing anywhere

    def delay_issuance(self, error: str) -> None:
        """The provider failed in a way worth asking again: the order stays as it is, the buyer
        hears that the voucher is on its way."""
        self._record(ev.IssuanceDelayed(self.id, "system", error))

    def fail_issuance(self, detail: str, *, at: datetime, buyer_code: str = "") -> None:
        """No provider will issue the voucher: the order fails (and is refunded, by the use
        case)."""
        reason = issuance_reason(detail, buyer_code)
        self._fail(reason, FailureKind.ISSUANCE, at=at, source="system", announce=True)

    def record_voucher(self, masked_code: str, *, at: datetime) -> None:
        """The provider's voucher is stored for this order."""
        before = self._move(OrderStatus.ISSUED, at=at, source="system")
        amount = self.amount.label()
        self._record(ev.VoucherIssued(self.id, "system", before, self.status, amount, masked_code))

    def settle_in_kind(self, what: str, *, at: datetime) -> None:
        """A funded order's goods are delivered in kind (a contribution counted, a reward funded):
        it leaves PAID for ISSUED with no voucher, so crash recovery never asks a provider for
        one."""
        before = self.status
        if self.status is OrderStatus.PAID:
            self._move(OrderStatus.ISSUING, at=at, source="system", note=what)
        self._move(OrderStatus.ISSUED, at=at, source="system", note=what)
        amount = self.amount.label()
        self._record(ev.OrderSettledInKind(self.id, "system", before, self.status, amount, what))

    def mark_delivered(self, *, at: datetime, source: str) -> None:
        """The voucher message reached its owner (only an issued order's voucher is delivered)."""
        if self.status is not OrderStatus.ISSUED:
            raise InvalidTransition(self.id, self.status, OrderStatus.DELIVERED)
        self._step(ev.OrderDelivered, OrderStatus.DELIVERED, at=at, source=source)

    def route_to(self, provider: str, reason: str, *, refused: bool = True) -> None:
        """Send issuance to `provider`; `refused`: the one it leaves (if any) said a definite no."""
        previous = self.provider or None
        if refused and previous and previous != provider and previous not in self.route_tried:
            self.route_tried = (*self.route_tried, previous)
        self.provider = provider
        self.route_reason = reason
        self.route_uncertain = False
        self._record(ev.OrderRouted(self.id, "system", provider, reason, previous))

    def reset_route(self) -> None:
        """Forget the route: an admin retries issuing after every provider said no (a top-up
        since?)."""
        self.provider, self.route_reason, self.route_tried, self.route_uncertain = "", "", (), False

    # --- the state machine ------------------------------------------------------------------------

    def _move(
        self, target: OrderStatus, *, at: datetime, source: str, note: str = ""
    ) -> OrderStatus:
        """Change status if the state machine allows it, note the change; returns the status
        left."""
        if not self.can_move_to(target):
            raise InvalidTransition(self.id, self.status, target)
        before = self.status
        self.status = target
        if target in PROGRESS:
            self.failure_reason = ""
        self.history.append(StatusChange(at, source, before, target, note))
        return before

    def _step(
        self,
        event: type[ev.Transition],
        target: OrderStatus,
        *,
        at: datetime,
        source: str,
        note: str = "",
    ) -> None:
        before = self._move(target, at=at, source=source, note=note)
        self._record(event(self.id, source, before, target, self.amount.label()))

    def _fail(
        self,
        reason: str,
        kind: FailureKind,
        *,
        at: datetime,
        source: str,
        announce: bool,
        note: str = "",
    ) -> None:
        before = self._move(OrderStatus.FAILED, at=at, source=source, note=note or reason)
        self.failure_reason = reason
        amount = self.amount.label()
        self._record(ev.OrderFailed(self.id, source, before, self.status, amount, kind, announce))
