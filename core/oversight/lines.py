"""Read models of one dashboard row: an order, its voucher, a card payment, a message, a gift, a
programme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.collections import Collection
from core.identity import ChatUser
from core.money import Money
from core.orders import CardPayment, Order, OrderStatus, PaymentState
from core.outbox import MessageKind, MessageStatus, OutboxMessage
from core.rewards import Budget, Programme
from core.vouchers import Voucher, VoucherStatus


@dataclass(frozen=True)
class OrderLine:
    """An order as a row of the list: no payment secret, no checkout token."""

    order_id: str
    created_at: datetime
    updated_at: datetime
    status: OrderStatus
    amount: Money
    product_id: str
    buyer: ChatUser
    payment_intent_id: str | None
    failure_reason: str = ""
    reward_id: str | None = None
    reward_minor: int = 0
    provider: str = ""  # where issuance was routed (core.routing) and why
    route_reason: str = ""
    route_tried: tuple[str, ...] = ()

    @classmethod
    def of(cls, order: Order) -> OrderLine:
        return cls(
            order_id=order.id,
            created_at=order.created_at,
            updated_at=order.updated_at,
            status=order.status,
            amount=order.amount,
            product_id=order.product_id,
            buyer=order.buyer,
            payment_intent_id=order.payment_intent_id,
            failure_reason=order.failure_reason,
            reward_id=order.reward_id,
            reward_minor=order.reward_minor,
            provider=order.provider,
            route_reason=order.route_reason,
            route_tried=order.route_tried,
        )

    @property
    def platform(self) -> str:
        return self.buyer.platform

    @property
    def paid_by_reward(self) -> Money | None:
        """What a reward paid of the order, in the order's currency; None when none did."""
        return Money(self.reward_minor, self.amount.currency) if self.reward_minor else None


@dataclass(frozen=True)
class VoucherView:
    """A voucher as the dashboard shows it: the code masked; PIN and link only as present or not."""

    voucher_id: str
    masked_code: str
    status: VoucherStatus
    expires_on: date
    issued_at: datetime
    provider: str
    provider_reference: str
    has_pin: bool
    has_redeem_url: bool

    @classmethod
    def of(cls, voucher: Voucher) -> VoucherView:
        return cls(
            voucher_id=voucher.id,
            masked_code=voucher.masked_code,
            status=voucher.status,
            expires_on=voucher.expires_on,
            issued_at=voucher.issued_at,
            provider=voucher.provider,
            provider_reference=voucher.provider_reference,
            has_pin=voucher.pin is not None,
            has_redeem_url=voucher.redeem_url is not None,
        )


@dataclass(frozen=True)
class DeliveryAttempts:
    """One outbox message and what happened each time it was tried."""

    message_id: str
    kind: MessageKind
    platform: str
    status: MessageStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str
    history: tuple[str, ...]
    order_id: str = ""
    reward_id: str = ""

    @classmethod
    def of(cls, message: OutboxMessage) -> DeliveryAttempts:
        return cls(
            message_id=message.id,
            kind=message.kind,
            platform=message.conversation.platform,
            status=message.status,
            attempts=message.attempts,
            created_at=message.created_at,
            next_attempt_at=message.next_attempt_at,
            sent_at=message.sent_at,
            last_error=message.last_error,
            history=tuple(message.history),
            order_id=message.order_id,
            reward_id=message.reward_id,
        )


@dataclass(frozen=True)
class PaymentLine:
    """One card payment of an order: the one that pays for it, or a duplicate (refunded or due)."""

    intent_id: str
    amount: Money
    at: datetime
    duplicate: bool = False
    refunded: bool = False

    @classmethod
    def of(cls, payment: CardPayment) -> PaymentLine:
        refunded = payment.state is PaymentState.REFUNDED
        return cls(payment.intent_id, payment.amount, payment.at, payment.duplicate, refunded)


@dataclass(frozen=True)
class ProgrammeBalance:
    """A programme with its budget (always the ledger's sum) and its rewards counted by status."""

    programme: Programme
    budget: Budget
    rewards_by_status: tuple[tuple[str, int], ...] = ()

    def money(self, minor: int) -> Money:
        return self.programme.money(max(minor, 0))


@dataclass(frozen=True)
class GiftLine:
    """A gift as a dashboard row: who to whom, when, its payment and its delivery (never the
    code)."""

    gift_id: str
    order_id: str
    created_at: datetime
    buyer: ChatUser
    recipient: ChatUser
    amount: Money
    order_status: OrderStatus
    gift_status: str  # pending, delivered, cancelled
    deliver_at: datetime | None
    delivery: str  # the recipient's message: "not queued", "pending", "sent", "dead"
    delivered_at: datetime | None = None

    @property
    def refunded(self) -> bool:
        return self.order_status is OrderStatus.REFUNDED


@dataclass(frozen=True)
class ContributionLine:
    """One contribution to a group gift, with its order's payment (paid, refunded) for the
    dashboard."""

    order_id: str
    contributor: ChatUser
    amount: Money
    state: str  # pending, counted, refunded (core.collections.ContributionState)
    order_status: OrderStatus | None  # None if the order is gone


@dataclass(frozen=True)
class CollectionLine:
    """A group gift as the dashboard shows it: its contributions and the reward it became."""

    collection: Collection
    contributions: tuple[ContributionLine, ...]
    reward_status: str = ""  # the recipient's reward: sent, redeemed, expired; "" if none yet
    delivery: str = ""  # the reward's notice to the recipient: pending, sent, dead; "" if none

    @property
    def goal(self) -> Money:
        return Money(self.collection.goal, self.collection.currency)
