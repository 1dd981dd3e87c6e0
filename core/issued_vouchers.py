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
        # The order as claimed is saved without reading it again; its version makes that a
        # ConcurrentUpdate if anyone changed it since, and then it is read.
        current: Order | None = order
        for _ in range(5):
            try:
                await self._try_store_voucher(order, current, product, issued)
                return
            except DuplicateRequest:
                log.info("voucher already issued", extra={"order_id": order.id})
                return
            except ConcurrentUpdate:
                # a payment event touched the order meanwhile (say, a duplicate payment noted)
                current = None
        raise ConcurrentUpdate(order.id)

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

    async def _try_store_voucher(
        self, issuing: Order, current: Order | None, product: Product, issued: IssuedVoucher
    ) -> None:
        """`issuing` is the order as the provider was asked for it (its provider issued); `current`
        the order to save, None to read it."""
        async with self._shop.uow() as uow:
            order = current or await uow.orders.get(issuing.id)
            if order.status is not OrderStatus.ISSUING:
                log.info("voucher already issued", extra={"order_id": order.id})
                return
            # A gift's recipient owns its voucher; anyone else's order, its buyer.
            gift = await uow.gifts.for_order(order.id)
            owner = order.buyer if gift is None else gift.recipient
            voucher = self._voucher_of(issuing, product, issued, owner)
            await uow.vouchers.add(voucher)
            order.record_voucher(voucher.masked_code, at=self._shop.clock.now())
            await uow.orders.save(order)
            await self._shop.bus.commit(uow, order)
