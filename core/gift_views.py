"""Read models of gifts: the recipient's delivery and the buyer's receipt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.catalog import Product
from core.gifts import Gift
from core.money import Money
from core.orders import Order, OrderStatus


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
