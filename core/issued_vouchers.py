"""Keeping the voucher a provider issued: owned by the buyer (or a gift's recipient), stored with
the order's move to ISSUED and its messages, once per order however often a worker gets this far."""

from __future__ import annotations

import logging

from core.catalog import Product
from core.errors import ConcurrentUpdate, DuplicateRequest
from core.identity import ChatUser
from core.orders import Order, OrderStatus
from core.shop import Shop
from core.vouchers import IssuedVoucher, Voucher

log = logging.getLogger(__name__)


class IssuedVouchers:
    """Stores issued vouchers; the unique voucher per order makes a second store a no-op."""

    def __init__(self, shop: Shop) -> None:
        self._shop = shop

    async def keep(self, order: Order, product: Product, issued: IssuedVoucher) -> None:
        owner = await self._voucher_owner(order)
        await self._store_voucher(self._voucher_of(order, product, issued, owner))

    def _voucher_of(
        self, order: Order, product: Product, issued: IssuedVoucher, owner: ChatUser
    ) -> Voucher:
        return Voucher(
            id=self._shop.ids.new_id("vch"),
            order_id=order.id,
            product_id=order.product_id,
            amount=order.amount,
            owner=owner,
            code=issued.code,
            pin=issued.pin,
            redeem_url=issued.redeem_url or product.redeem_url or None,
            expires_on=issued.expires_on,
            issued_at=self._shop.clock.now(),
            provider=order.provider,
            provider_reference=issued.provider_reference,
        )

    async def _voucher_owner(self, order: Order) -> ChatUser:
        """A gift's recipient owns its voucher; anyone else's order, its buyer."""
        async with self._shop.uow() as uow:
            gift = await uow.gifts.for_order(order.id)
        return order.buyer if gift is None else gift.recipient

    async def _store_voucher(self, voucher: Voucher) -> None:
        for _ in range(5):
            try:
                await self._try_store_voucher(voucher)
                return
            except DuplicateRequest:
                log.info("voucher already issued", extra={"order_id": voucher.order_id})
                return
            except ConcurrentUpdate:
                # a payment event touched the order meanwhile (say, a duplicate payment noted)
                continue
        raise ConcurrentUpdate(voucher.order_id)

    async def _try_store_voucher(self, voucher: Voucher) -> None:
        async with self._shop.uow() as uow:
            order = await uow.orders.get(voucher.order_id)
            if order.status is not OrderStatus.ISSUING:
                log.info("voucher already issued", extra={"order_id": voucher.order_id})
                return
            await uow.vouchers.add(voucher)
            order.record_voucher(voucher.masked_code, at=self._shop.clock.now())
            await uow.orders.save(order)
            await self._shop.bus.commit(uow, order)
