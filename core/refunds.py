"""Giving money back: an admin's (or a failed issuance's) refund of a whole order, and the refund of
a duplicate payment (money taken for an order another payment had already paid)."""

from __future__ import annotations

import logging

from core.errors import ConcurrentUpdate, PaymentGatewayError
from core.orders import CardPayment, Order
from core.ports import UnitOfWork
from core.shop import Shop
from core.views import OrderSummary

log = logging.getLogger(__name__)


class Refunds:
    """Refunds at the payment service first (idempotent keys), then the order marked in one unit of
    work."""

    def __init__(self, shop: Shop) -> None:
        self._shop = shop

    async def refund(self, order_id: str, actor: str) -> OrderSummary:
        """Return the buyer's money, every payment the order holds; the voucher is voided."""
        order = await self._shop.order(order_id)
        order.check_refundable()
        held = order.payments_held()
        for payment in held:
            await self._shop.gateway.refund(
                intent_id=payment.intent_id, idempotency_key=refund_key(order.id, payment)
            )
        async with self._shop.uow() as uow:
            order = await uow.orders.get(order_id)
            for payment in held:
                order.payment_refunded(payment.intent_id)
            await self.mark_refunded(uow, order, actor)
            await self._shop.bus.commit(uow, order)
        return self._shop.summary(order)

    async def mark_refunded(self, uow: UnitOfWork, order: Order, actor: str) -> None:
        """The order is refunded (its handlers restore a reward's share and void the voucher)."""
        order.refund(at=self._shop.clock.now(), actor=actor)
        await uow.orders.save(order)

    async def refund_duplicates(self, order_id: str) -> None:
        """Give back each payment taken for the order after another had paid it; PaymentGatewayError
        leaves the rest due (the recovery loop tries again, under the same idempotency keys)."""
        order = await self._shop.order(order_id)
        for payment in order.refunds_due:
            await self._shop.gateway.refund(
                intent_id=payment.intent_id, idempotency_key=refund_key(order.id, payment)
            )
            await self._note_duplicate_refunded(order_id, payment.intent_id, "system")

    async def refund_duplicates_now(self, order_id: str) -> None:
        try:
            await self.refund_duplicates(order_id)
        except PaymentGatewayError as exc:
            # The event is applied and stays so; the refund is still due and recover() asks again.
            log.warning("duplicate refund failed", extra={"order_id": order_id, "error": str(exc)})

    async def _note_duplicate_refunded(self, order_id: str, intent_id: str, actor: str) -> None:
        for _ in range(5):
            try:
                async with self._shop.uow() as uow:
                    order = await uow.orders.get(order_id)
                    if not order.duplicate_refunded(intent_id, actor=actor):
                        return
                    await uow.orders.save(order)
                    await self._shop.bus.commit(uow, order)
                    return
            except ConcurrentUpdate:
                continue
        raise ConcurrentUpdate(order_id)


def refund_key(order_id: str, payment: CardPayment) -> str:
    # One key per intent, shared by the automatic and the admin refund, so Stripe refunds it once.
    return f"{order_id}:refund:{payment.intent_id}" if payment.duplicate else f"{order_id}:refund"
