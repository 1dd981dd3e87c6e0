"""Finishing what a crash interrupted (issuing paid orders, expiring abandoned checkouts, refunding
duplicate payments), and an admin's acts on one order: retry its issuance, send its voucher
again."""

from __future__ import annotations

from dataclasses import replace

from core.audit import AuditRecord
from core.card_checkout import CardCheckout
from core.issuance import Issuance
from core.order_handlers import message
from core.order_status import ISSUABLE
from core.orders import OrderStatus
from core.outbox import MessageKind
from core.refunds import Refunds
from core.shop import Shop
from core.views import OrderSummary


class OrderRecovery:
    """The recovery sweep and the admin's second tries."""

    def __init__(
        self, shop: Shop, issuance: Issuance, card: CardCheckout, refunds: Refunds
    ) -> None:
        self._shop = shop
        self._issuance = issuance
        self._card = card
        self._refunds = refunds

    async def recover(self) -> int:
        """Finish what a crash interrupted and expire abandoned checkouts; returns orders
        touched."""
        now = self._shop.clock.now()
        before = now - self._shop.stuck_after
        async with self._shop.uow() as uow:
            stuck = await uow.orders.list_stuck(tuple(ISSUABLE), before, limit=100)
            awaiting = (OrderStatus.AWAITING_PAYMENT,)
            waiting = await uow.orders.list_stuck(awaiting, before, limit=100)
            owing = await uow.orders.list_refunds_due(limit=100)
        for order in stuck:
            await self._issuance.issue_voucher(order.id)
        now = self._shop.clock.now()
        expired = [o for o in waiting if o.checkout_expires_at and o.checkout_expires_at < now]
        for order in expired:
            await self._card.expire(order.id)
        for order in owing:
            await self._refunds.refund_duplicates_now(order.id)
        return len(stuck) + len(expired) + len(owing)

    async def retry_issuance(self, order_id: str, actor: str) -> OrderSummary:
        """Ask the provider again for a paid order whose issuance failed (an admin's act,
        audited)."""
        async with self._shop.uow() as uow:
            order = await uow.orders.get(order_id)
            order.retry_issuance(at=self._shop.clock.now(), actor=actor)
            await uow.orders.save(order)
            await self._shop.bus.commit(uow, order)
        await self._issuance.issue_soon(order_id)
        return self._shop.summary(await self._shop.order(order_id))

    async def resend(self, order_id: str, actor: str) -> None:
        """Queue the voucher message again (an admin's act; a new outbox key on purpose)."""
        async with self._shop.uow() as uow:
            order = await uow.orders.get(order_id)
            gift = await uow.gifts.for_order(order.id)
            suffix = f"resend:{self._shop.ids.new_id('rs')}"
            ctx = self._shop.bus.context(uow)
            if gift is None:
                await uow.outbox.add(message(order, MessageKind.VOUCHER_DELIVERY, suffix, ctx))
            else:  # a gift's voucher goes to its recipient again, never to the buyer
                sent = message(order, MessageKind.GIFT_DELIVERY, suffix, ctx)
                await uow.outbox.add(replace(sent, conversation=gift.recipient_conversation))
            uow.audit.record(AuditRecord(actor, "voucher.resend", order.id))
            await uow.commit()
