"""What an order holds: its stored fields, the money its payments took, and its unpublished events.

`core.orders.Order` adds the transitions; this half is the bookkeeping they and the storage share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core import order_events as ev
from core.card_payments import CardPayment, PaymentState
from core.fx import Quote
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.order_status import ALLOWED, PAID_FOR, PAYABLE, FailureKind, OrderStatus, StatusChange


@dataclass
class OrderState:
    """A request to buy one voucher of one product for one amount, paid by card (its data)."""

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
    # The provider's last answer was lost: look the order up before rerouting.
    route_uncertain: bool = False
    # A reward in another currency pays: the conversion locked when the order was made.
    fx: Quote | None = None

    events: list[ev.OrderEvent] = field(default_factory=list, compare=False, repr=False)

    @property
    def updated_at(self) -> datetime:
        return self.history[-1].at if self.history else self.created_at

    @property
    def failure_kind(self) -> FailureKind:
        return FailureKind.of(self.failure_reason)

    def can_move_to(self, target: OrderStatus) -> bool:
        return target in ALLOWED[self.status]

    def pop_events(self) -> list[ev.OrderEvent]:
        """The events recorded since the last call, oldest first (the unit of work's handlers take
        them)."""
        events, self.events = self.events, []
        return events

    def _record(self, event: ev.OrderEvent) -> None:
        self.events.append(event)

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

    # --- the money each payment took -------------------------------------------------------------

    def take_payment(
        self, intent_id: str, amount: Money, at: datetime, *, source: str = "stripe"
    ) -> CardPayment | None:
        """Note the money `intent_id` took; None if it was noted already. It is a duplicate when the
        order is already paid for by another intent (or a reward), and must then be given back."""
        if any(payment.intent_id == intent_id for payment in self.payments):
            return None
        if not self.payments and self.status in PAID_FOR and intent_id == self.payment_intent_id:
            return None  # paid before payments were recorded one by one
        kept = any(not payment.duplicate for payment in self.payments)
        payment = CardPayment(intent_id, amount, at, duplicate=kept or self.status in PAID_FOR)
        self.payments.append(payment)
        if payment.duplicate:
            self._record(ev.DuplicatePaymentTaken(self.id, source, intent_id, amount.label()))
        return payment

    def payment(self, intent_id: str) -> CardPayment | None:
        return next((p for p in self.payments if p.intent_id == intent_id), None)

    @property
    def refunds_due(self) -> tuple[CardPayment, ...]:
        """Duplicate payments not yet given back."""
        return tuple(payment for payment in self.payments if payment.refund_due)

    def payments_held(self) -> tuple[CardPayment, ...]:
        """Every payment whose money the order still holds (an admin refund gives all of it
        back)."""
        held = [p for p in self.payments if p.state is PaymentState.CAPTURED]
        if not self.payments and self.payment_intent_id is not None and self.card_amount.minor:
            # Paid before payments were recorded one by one: the current intent is the one to
            # refund.
            held.append(CardPayment(self.payment_intent_id, self.card_amount, self.updated_at))
        return tuple(held)

    def payment_refunded(self, intent_id: str) -> bool:
        """Mark the intent's money as given back; False if it was already (or is not this
        order's)."""
        payment = self.payment(intent_id)
        if payment is None or payment.state is PaymentState.REFUNDED:
            return False
        payment.state = PaymentState.REFUNDED
        return True

    def duplicate_refunded(self, intent_id: str, *, actor: str) -> bool:
        """A duplicate payment was given back; False if it was already (or is no duplicate of
        ours)."""
        payment = self.payment(intent_id)
        if payment is None or not payment.duplicate or not self.payment_refunded(intent_id):
            return False
        amount = payment.amount.label()
        self._record(ev.DuplicatePaymentRefunded(self.id, actor, intent_id, amount))
        return True
