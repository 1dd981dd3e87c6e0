"""The Order aggregate: its state machine, and the record of every transition."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from core.errors import InvalidTransition
from core.fx import Quote
from core.identity import ChatUser, ConversationRef
from core.money import Money


class OrderStatus(StrEnum):
    CREATED = "created"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    ISSUING = "issuing"
    ISSUED = "issued"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    EXPIRED = "expired"


S = OrderStatus
ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    # A voucher paid in full by a reward needs no card payment.
    S.CREATED: frozenset({S.AWAITING_PAYMENT, S.PAID, S.CANCELLED, S.FAILED}),
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.FAILED, S.CANCELLED, S.EXPIRED}),
    # A card payment that failed may be retried on the same order.
    S.FAILED: frozenset(
        {S.AWAITING_PAYMENT, S.PAID, S.ISSUING, S.REFUNDED, S.EXPIRED, S.CANCELLED}
    ),
    # A late `succeeded` webhook wins over an expiry or cancellation: the money has moved.
    S.EXPIRED: frozenset({S.PAID}),
    S.CANCELLED: frozenset({S.PAID}),
    S.PAID: frozenset({S.ISSUING, S.REFUNDED}),
    S.ISSUING: frozenset({S.ISSUED, S.FAILED, S.ISSUING}),
    S.ISSUED: frozenset({S.DELIVERED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.REFUNDED: frozenset(),
}
PAYABLE = frozenset({S.AWAITING_PAYMENT, S.FAILED})
# Moving on to one of these leaves any earlier failure behind (a declined card later paid, a retry).
PROGRESS = frozenset({S.AWAITING_PAYMENT, S.PAID, S.ISSUING, S.ISSUED, S.DELIVERED})
ISSUANCE_FAILED = "issuance"  # how a failure after the money was taken begins
PAID_AMOUNT_DIFFERS = "issuance: the amount paid differs from the order; an admin will refund it"


def issuance_can_be_retried(status: OrderStatus, failure_reason: str) -> bool:
    """Paid in full, then the provider failed: asking it again is safe. Underpaid or overpaid is not."""
    return (
        status is S.FAILED
        and failure_reason.startswith(ISSUANCE_FAILED)
        and failure_reason != PAID_AMOUNT_DIFFERS
    )


# Statuses in which the order's price has been paid (by card or by a reward).
PAID_FOR = frozenset({S.PAID, S.ISSUING, S.ISSUED, S.DELIVERED, S.REFUNDED})
TERMINAL = frozenset({S.DELIVERED, S.REFUNDED, S.CANCELLED, S.EXPIRED})


@dataclass(frozen=True)
class StatusChange:
    """One step of an order's timeline."""

    at: datetime
    source: str
    before: OrderStatus | None
    after: OrderStatus
    note: str = ""


class PaymentState(StrEnum):
    CAPTURED = "captured"
    REFUNDED = "refunded"


@dataclass
class CardPayment:
    """Money one payment intent took for an order. A duplicate is money taken for an order that another
    intent had already paid (say, a declined attempt that later succeeded as well): it is refunded."""

    intent_id: str
    amount: Money
    at: datetime
    duplicate: bool = False
    state: PaymentState = PaymentState.CAPTURED

    @property
    def refund_due(self) -> bool:
        return self.duplicate and self.state is PaymentState.CAPTURED


@dataclass
class Order:
    """A request to buy one voucher of one product for one amount, paid by card."""

    id: str
    product_id: str
    amount: Money
    buyer: ChatUser
    conversation: ConversationRef
    request_key: str
    created_at: datetime
    status: OrderStatus = OrderStatus.CREATED
    payment_intent_id: str | None = None
    payment_client_secret: str | None = None
    checkout_token: str | None = None
    checkout_expires_at: datetime | None = None
    payment_attempts: int = 0
    failure_reason: str = ""
    version: int = 0
    reward_id: str | None = None
    reward_minor: int = 0
    history: list[StatusChange] = field(default_factory=list)
    payments: list[CardPayment] = field(default_factory=list)
    provider: str = ""  # the provider this order is routed to (core.routing), once issuing starts
    route_reason: str = ""
    route_tried: tuple[str, ...] = ()  # providers that said a definite no, in order
    route_uncertain: bool = (
        False  # the provider's last answer was lost: look the order up before rerouting
    )
    fx: Quote | None = (
        None  # a reward in another currency pays: the conversion locked when the order was made
    )

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
        return order

    @property
    def updated_at(self) -> datetime:
        return self.history[-1].at if self.history else self.created_at

    def can_move_to(self, target: OrderStatus) -> bool:
        return target in ALLOWED[self.status]

    def move_to(
        self, target: OrderStatus, *, at: datetime, source: str, note: str = ""
    ) -> StatusChange:
        """Change status if the state machine allows it, and record the change."""
        if not self.can_move_to(target):
            raise InvalidTransition(self.id, self.status, target)
        change = StatusChange(at, source, self.status, target, note)
        self.status = target
        if target in PROGRESS:
            self.failure_reason = ""
        self.history.append(change)
        return change

    def await_payment(
        self,
        *,
        intent_id: str,
        client_secret: str,
        token: str,
        expires_at: datetime,
        at: datetime,
        source: str,
    ) -> StatusChange:
        change = self.move_to(OrderStatus.AWAITING_PAYMENT, at=at, source=source)
        self.payment_intent_id = intent_id
        self.payment_client_secret = client_secret
        self.checkout_token = token
        self.checkout_expires_at = expires_at
        self.payment_attempts += 1
        self.failure_reason = ""
        return change

    def fail(self, reason: str, *, at: datetime, source: str) -> StatusChange:
        change = self.move_to(OrderStatus.FAILED, at=at, source=source, note=reason)
        self.failure_reason = reason
        return change

    def route_to(self, provider: str, reason: str, *, refused: bool = True) -> None:
        """Send issuance to `provider`; `refused`: the one it leaves (if any) said a definite no."""
        if (
            refused
            and self.provider
            and self.provider != provider
            and self.provider not in self.route_tried
        ):
            self.route_tried = (*self.route_tried, self.provider)
        self.provider = provider
        self.route_reason = reason
        self.route_uncertain = False

    def reset_route(self) -> None:
        """Forget the route: an admin retries issuing after every provider said no (a top-up since?)."""
        self.provider, self.route_reason, self.route_tried, self.route_uncertain = "", "", (), False

    @property
    def card_amount(self) -> Money:
        """What the card pays: the price less what a reward covers."""
        return Money(self.amount.minor - self.reward_minor, self.amount.currency)

    @property
    def reward_charge(self) -> int:
        """What the reward pays, in the reward's currency (converted at the locked rate, if any)."""
        return self.fx.charged.minor if self.fx is not None else self.reward_minor

    @property
    def is_payable(self) -> bool:
        return self.status in PAYABLE

    def take_payment(self, intent_id: str, amount: Money, at: datetime) -> CardPayment | None:
        """Note the money `intent_id` took; None if it was noted already. It is a duplicate when the
        order is already paid for by another intent (or a reward), and must then be given back."""
        if any(payment.intent_id == intent_id for payment in self.payments):
            return None
        if not self.payments and self.status in PAID_FOR and intent_id == self.payment_intent_id:
            return None  # paid before payments were recorded one by one
        kept = any(not payment.duplicate for payment in self.payments)
        payment = CardPayment(intent_id, amount, at, duplicate=kept or self.status in PAID_FOR)
        self.payments.append(payment)
        return payment

    def payment(self, intent_id: str) -> CardPayment | None:
        return next((p for p in self.payments if p.intent_id == intent_id), None)

    @property
    def refunds_due(self) -> tuple[CardPayment, ...]:
        """Duplicate payments not yet given back."""
        return tuple(payment for payment in self.payments if payment.refund_due)

    def payments_held(self) -> tuple[CardPayment, ...]:
        """Every payment whose money the order still holds (an admin refund gives all of it back)."""
        held = [p for p in self.payments if p.state is PaymentState.CAPTURED]
        if not self.payments and self.payment_intent_id is not None and self.card_amount.minor:
            # Paid before payments were recorded one by one: the current intent is the one to refund.
            held.append(CardPayment(self.payment_intent_id, self.card_amount, self.updated_at))
        return tuple(held)

    def payment_refunded(self, intent_id: str) -> bool:
        """Mark the intent's money as given back; False if it was already (or is not this order's)."""
        payment = self.payment(intent_id)
        if payment is None or payment.state is PaymentState.REFUNDED:
            return False
        payment.state = PaymentState.REFUNDED
        return True
