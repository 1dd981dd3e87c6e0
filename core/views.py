"""Read models handed to adapters: what to show, in plain data, rendered natively by each channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.catalog import CatalogQuery, Product, SearchResult
from core.gifts import Gift
from core.money import Money
from core.order_status import FailureKind, issuance_code
from core.orders import Order, OrderStatus
from core.rewards import Reward
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
class ProductCard:
    product_id: str
    brand: str
    name: str
    description: str
    image_url: str
    currency: str
    price_label: str
    denominations: tuple[Money, ...]
    minimum: Money
    maximum: Money
    open_value: bool
    countries: tuple[str, ...]
    step: Money | None = None  # open range only: amounts go up in these steps

    @classmethod
    def of(cls, product: Product) -> ProductCard:
        return cls(
            product_id=product.id,
            brand=product.brand,
            name=product.name,
            description=product.description,
            image_url=product.image_url,
            currency=product.currency,
            price_label=product.price_label(),
            denominations=tuple(product.price(d) for d in product.denominations),
            minimum=product.price(product.lowest),
            maximum=product.price(product.highest),
            open_value=product.value_range is not None,
            countries=product.countries,
            step=product.price(product.value_range.step) if product.value_range else None,
        )


def by_card(price: Money, covers: int | None) -> Money | None:
    """What a card pays for `price` when a reward covers `covers` of it (None: no card, or no reward)."""
    if covers is None or price.minor <= covers:
        return None
    return Money(price.minor - covers, price.currency)


def within(card: ProductCard, query: CatalogQuery) -> tuple[Money, ...]:
    """The denominations a reward catalog offers: those up to `max_price` when no card may top up."""
    limit = query.max_price
    return tuple(d for d in card.denominations if limit is None or d.minor <= limit)


@dataclass(frozen=True)
class CatalogPage:
    cards: tuple[ProductCard, ...]
    query: CatalogQuery
    page: int
    pages: int
    total: int
    currencies: tuple[
        str, ...
    ] = ()  # every currency and country in the catalog: menus, and what is valid
    countries: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, result: SearchResult, currencies: tuple[str, ...] = (), countries: tuple[str, ...] = ()
    ) -> CatalogPage:
        cards = tuple(ProductCard.of(p) for p in result.products)
        page = max(1, result.query.page)
        return cls(cards, result.query, page, result.pages, result.total, currencies, countries)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


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
class RewardSummary:
    """A reward as its recipient (or its giver) sees it."""

    reward_id: str
    giver_name: str
    recipient_name: str
    amount: Money
    available: Money
    reason: str
    status: str
    expires_on: str  # YYYY-MM-DD
    programme_name: str = ""

    @classmethod
    def of(cls, reward: Reward, programme_name: str = "") -> RewardSummary:
        return cls(
            reward_id=reward.id,
            giver_name=reward.giver.name or "a colleague",
            recipient_name=reward.recipient.name,
            amount=reward.amount,
            available=Money(max(reward.available, 0), reward.amount.currency),
            reason=reward.reason,
            status=str(reward.status),
            expires_on=reward.expires_at.date().isoformat(),
            programme_name=programme_name,
        )

    @property
    def spendable(self) -> bool:
        return self.status in ("sent", "opened") and self.available.minor > 0


@dataclass(frozen=True)
class RewardNotice:
    """The message a recipient gets: who thanked them and why, the amount, the expiry, a button."""

    reward: RewardSummary
    reminder: bool = False


@dataclass(frozen=True)
class RewardUndeliverable:
    """Told to the giver: the bot could not reach a recipient (e.g. Teams app not installed for them)."""

    reward: RewardSummary
    error: str


@dataclass(frozen=True)
class RewardPreview:
    """What the sender confirms before anything is sent."""

    recipients: tuple[str, ...]
    amount: Money
    total: Money
    budget_available: Money
    budget_after: Money
    programme_name: str
    problems: tuple[str, ...] = ()

    @property
    def can_send(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ApprovalView:
    """A send held for an approver: who asked, for whom, how much, why, and the budget once it is sent."""

    approval_id: str
    giver_name: str
    recipients: tuple[str, ...]
    amount: Money
    total: Money
    reason: str
    programme_name: str
    budget_after: Money
    status: str
    expires_at: str  # ISO 8601, UTC
    decided_by: str = ""
    note: str = ""  # the approver's reason for a rejection
    rows: int = (
        0  # a bulk file's rows held as one request (amounts may differ by row); 0 for one send
    )
    row_outcomes: tuple[str, ...] = ()  # an approved file, row by row: "Ada: $25.00 sent"

    @property
    def pending(self) -> bool:
        return self.status == "pending"


@dataclass(frozen=True)
class ApprovalRequest:
    """The card an approver gets, with Approve and Reject."""

    approval: ApprovalView


@dataclass(frozen=True)
class ApprovalDecided:
    """Told to the giver: their request was approved (and sent), rejected with a reason, or expired."""

    approval: ApprovalView


@dataclass(frozen=True)
class ShoutOut:
    """A public thank-you in the channel a peer reward was given in: who thanked whom and why, no amount."""

    giver_name: str
    recipient_name: str
    reason: str


@dataclass(frozen=True)
class SendReport:
    sent: tuple[RewardSummary, ...]
    refused: tuple[tuple[str, str], ...]  # (recipient, reason)
    budget_left: Money
    pending: ApprovalView | None = None  # the programme holds this send for an approver


@dataclass(frozen=True)
class GiftDelivery:
    """What a gift's recipient sees: who sent it, their note, and the voucher itself."""

    gift_id: str
    from_name: str
    message: str
    voucher: VoucherDelivery


@dataclass(frozen=True)
class GiftReceipt:
    """What a gift's buyer sees: what, to whom, when, what was paid. Never the code."""

    gift_id: str
    order_id: str
    recipient_name: str
    brand: str
    product_name: str
    amount: Money
    paid: Money
    deliver_at: datetime | None
    status: str  # pending, delivered, cancelled
    refunded: bool = False
    problem: str = ""  # why the recipient could not be reached, when the bot gave up

    @property
    def can_cancel(self) -> bool:
        return self.status == "pending" and self.deliver_at is not None


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


Notice = (
    OrderSummary
    | VoucherDelivery
    | RewardNotice
    | RewardUndeliverable
    | GiftDelivery
    | GiftReceipt
    | ApprovalRequest
    | ApprovalDecided
    | ShoutOut
)


BUYER_REASONS = {  # what a buyer may learn of a provider's refusal (never a balance or a credential)
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
    """The order as its buyer sees it; `status` shows an earlier step of it (an update sent late)."""
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
    )


def receipt_of(gift: Gift, order: Order, product: Product) -> GiftReceipt:
    return GiftReceipt(
        gift_id=gift.id,
        order_id=order.id,
        recipient_name=gift.recipient.name or "your colleague",
        brand=product.brand,
        product_name=product.name,
        amount=order.amount,
        paid=order.card_amount,
        deliver_at=gift.deliver_at,
        status=str(gift.status),
        refunded=order.status is OrderStatus.REFUNDED,
    )
