"""Read models of orders: what a buyer follows in chat, the checkout page, their voucher and
wallet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.catalog import Product
from core.fx import Quote
from core.gift_views import GiftReceipt
from core.money import Money
from core.order_status import FailureKind, issuance_code
from core.orders import Order, OrderStatus
from core.reward_views import RewardSummary
from core.vouchers import Voucher

STATUS_LABELS = {
    OrderStatus.CREATED: "Order created",
    OrderStatus.AWAITING_PAYMENT: "Awaiting payment",
    OrderStatus.PAID: "Paid, preparing your voucher",
    OrderStatus.ISSUING: "Paid, your voucher is on its way",
    OrderStatus.ISSUED: "Voucher ready",
    OrderStatus.DELIVERED: "Voucher ready",
    OrderStatus.FAILED: "Payment failed",
    OrderStatus.CANCELLED: "Cancelled",
    OrderStatus.REFUNDED: "Refunded",
    OrderStatus.EXPIRED: "Checkout expired",
}


@dataclass(frozen=True)
class OrderSummary:
    """An order as its buyer follows it; the chat message is updated in place from this."""

    order_id: str
    brand: str
    product_name: str
    image_url: str
    amount: Money
    status: OrderStatus
    status_label: str
    checkout_url: str | None
    failure_reason: str = ""
    paid_by_reward: Money | None = None
    issuance_failed: bool = False
    rate_note: str = ""  # a reward in another currency paid: what it was charged and at which rate
    fx: Quote | None = None  # the same as data, for the channels to say in the reader's language
    # Answering a retried request (same request key): the first one placed the order and showed it.
    repeated: bool = False

    @property
    def can_pay(self) -> bool:
        return self.status in (OrderStatus.AWAITING_PAYMENT,) and self.checkout_url is not None

    @property
    def can_retry(self) -> bool:
        return self.status is OrderStatus.FAILED and not self.issuance_failed


@dataclass(frozen=True)
class VoucherDelivery:
    """Everything a voucher message shows its owner."""

    order_id: str
    brand: str
    product_name: str
    image_url: str
    amount: Money
    code: str
    pin: str | None
    redeem_url: str | None
    instructions: str
    terms: str
    expires_on: str  # YYYY-MM-DD

    @classmethod
    def of(cls, voucher: Voucher, product: Product) -> VoucherDelivery:
        return cls(
            order_id=voucher.order_id,
            brand=product.brand,
            product_name=product.name,
            image_url=product.image_url,
            amount=voucher.amount,
            code=voucher.code,
            pin=voucher.pin,
            redeem_url=voucher.redeem_url,
            instructions=product.instructions,
            terms=product.terms,
            expires_on=voucher.expires_on.isoformat(),
        )


@dataclass(frozen=True)
class GiftDelivery:
    """What a gift's recipient sees: who sent it, their note, and the voucher itself."""

    gift_id: str
    from_name: str
    message: str
    voucher: VoucherDelivery


@dataclass(frozen=True)
class WalletEntry:
    order_id: str
    brand: str
    product_name: str
    amount: Money
    status: str
    issued_at: datetime
    expires_on: str
    code: str
    pin: str | None
    redeem_url: str | None


@dataclass(frozen=True)
class Wallet:
    entries: tuple[WalletEntry, ...]
    pending: tuple[OrderSummary, ...]
    rewards: tuple[RewardSummary, ...] = ()
    gifts_sent: tuple[GiftReceipt, ...] = ()


@dataclass(frozen=True)
class CheckoutView:
    """What the checkout page shows and needs to take a card payment."""

    order_id: str
    brand: str
    product_name: str
    image_url: str
    amount: Money
    status: OrderStatus
    status_label: str
    client_secret: str | None
    expires_at: datetime | None
    failure_reason: str = ""
    issuance_failed: bool = False

    @property
    def payable(self) -> bool:
        if self.issuance_failed:
            return False  # the money already moved; paying again is not the way out
        return self.status in (OrderStatus.AWAITING_PAYMENT, OrderStatus.FAILED) and bool(
            self.client_secret
        )


# What a buyer may learn of a provider's refusal (never a balance or a credential).
BUYER_REASONS = {
    "out_of_stock": "This voucher is out of stock right now, so your payment is being refunded.",
    "unavailable": "This brand cannot be bought right now, so your payment is being refunded.",
}


def buyer_facing_reason(reason: str) -> str:
    """A card decline is the buyer's to read; a provider's failure detail is for operators only."""
    if FailureKind.of(reason).after_payment:
        known = BUYER_REASONS.get(issuance_code(reason))
        return known or "We could not issue this voucher, so your payment is being refunded."
    return reason


def summary_of(
    order: Order, product: Product, checkout_url: str | None, *, status: OrderStatus | None = None
) -> OrderSummary:
    """The order as its buyer sees it; `status` shows an earlier step of it (an update sent
    late)."""
    status = status or order.status
    return OrderSummary(
        order_id=order.id,
        brand=product.brand,
        product_name=product.name,
        image_url=product.image_url,
        amount=order.amount,
        status=status,
        status_label=STATUS_LABELS[status],
        checkout_url=checkout_url,
        failure_reason=buyer_facing_reason(order.failure_reason),
        issuance_failed=order.failure_kind.after_payment,
        paid_by_reward=Money(order.reward_minor, order.amount.currency)
        if order.reward_minor
        else None,
        rate_note=f"{order.fx.charged} from your reward at {order.fx.label()}" if order.fx else "",
        fx=order.fx,
    )
