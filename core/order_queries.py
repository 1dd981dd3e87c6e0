"""What a buyer reads of their orders: one order, the checkout page, and their wallet."""

from __future__ import annotations

from core.errors import CheckoutExpired, NotOrderOwner, UnknownCheckout
from core.gifts import Gift, GiftStatus
from core.identity import ChatUser
from core.order_status import OPEN
from core.orders import Order
from core.shop import Shop
from core.views import (
    CheckoutView,
    GiftReceipt,
    OrderSummary,
    RewardSummary,
    Wallet,
    WalletEntry,
    buyer_facing_reason,
    receipt_of,
)
from core.vouchers import Voucher, VoucherStatus


class OrderQueries:
    """Read models of orders, vouchers and gifts, each read in a unit of work of its own."""

    def __init__(self, shop: Shop) -> None:
        self._shop = shop

    async def order_summary(self, order_id: str) -> OrderSummary:
        return self._shop.summary(await self._shop.order(order_id))

    async def buyer_order(self, order_id: str, user: ChatUser) -> OrderSummary:
        """The order as its buyer sees it (checkout link included); NotOrderOwner for anyone
        else."""
        order = await self._shop.order(order_id)
        if not order.buyer.same_person(user):
            raise NotOrderOwner(order_id)
        return self._shop.summary(order)

    async def checkout_view(self, token: str) -> CheckoutView:
        async with self._shop.uow() as uow:
            order = await uow.orders.find_by_checkout_token(token)
        if order is None:
            raise UnknownCheckout()
        product = self._shop.catalog.get(order.product_id)
        expires_at = order.checkout_expires_at
        if expires_at is not None and self._shop.clock.now() > expires_at and order.is_payable:
            raise CheckoutExpired(order.id)
        return CheckoutView(
            order_id=order.id,
            brand=product.brand,
            product_name=product.name,
            image_url=product.image_url,
            amount=order.card_amount,
            status=order.status,
            status_label=self._shop.summary(order).status_label,
            client_secret=order.payment_client_secret,
            expires_at=expires_at,
            failure_reason=buyer_facing_reason(order.failure_reason),
            issuance_failed=order.failure_kind.after_payment,
        )

    async def wallet(self, user: ChatUser) -> Wallet:
        async with self._shop.uow() as uow:
            vouchers = await uow.vouchers.list_for_owner(user.key)
            orders = await uow.orders.list_for_buyer(user.key)
            rewards = await uow.rewards.list_for_recipient(user.key)
            sent = [
                (g, await uow.orders.get(g.order_id))
                for g in await uow.gifts.list_for_buyer(user.key)
            ]
            received = await uow.gifts.list_for_recipient(user.key)
        # A gift (a voucher, or a reward of their choice) stays a surprise until it is delivered; a
        # gift's buyer never sees its code.
        hidden = {g.order_id for g in received if g.status is not GiftStatus.DELIVERED}
        entries = tuple(self._wallet_entry(v) for v in vouchers if v.order_id not in hidden)
        pending = tuple(self._shop.summary(o) for o in orders if o.status in OPEN)
        gifts = tuple(self.receipt(g, o) for g, o in sent)
        shown = tuple(RewardSummary.of(r) for r in rewards if r.visible)
        return Wallet(entries, pending, shown, gifts)

    def receipt(self, gift: Gift, order: Order) -> GiftReceipt:
        return receipt_of(gift, order, self._shop.catalog.get(order.product_id))

    def _wallet_entry(self, voucher: Voucher) -> WalletEntry:
        product = self._shop.catalog.get(voucher.product_id)
        expired = voucher.expires_on < self._shop.clock.now().date()
        status = (
            "void" if voucher.status is VoucherStatus.VOID else "expired" if expired else "active"
        )
        return WalletEntry(
            order_id=voucher.order_id,
            brand=product.brand,
            product_name=product.name,
            amount=voucher.amount,
            status=status,
            issued_at=voucher.issued_at,
            expires_on=voucher.expires_on.isoformat(),
            code=voucher.code,
            pin=voucher.pin,
            redeem_url=voucher.redeem_url,
        )
