"""The payment service's notifications: a payment succeeded, failed or was refunded. Each is applied
once, whatever order or number of times it arrives (its event id is remembered in the same unit of
work), and a paid order goes on to issuing."""

from __future__ import annotations

import logging

from core.errors import ConcurrentUpdate, DuplicateRequest, OrderNotFound
from core.issuance import Issuance
from core.order_status import ISSUABLE, PAID_FOR
from core.orders import Order, OrderStatus
from core.payments import PaymentEvent, PaymentEventKind
from core.ports import UnitOfWork
from core.refunds import Refunds
from core.shop import Shop

log = logging.getLogger(__name__)


class PaymentEvents:
    """Applies verified payment notifications to their orders."""

    def __init__(self, shop: Shop, refunds: Refunds, issuance: Issuance) -> None:
        self._shop = shop
        self._refunds = refunds
        self._issuance = issuance

    async def handle(self, event: PaymentEvent) -> None:
        """Apply a verified payment notification once, whatever order or number of times it
        arrives."""
        if event.kind is PaymentEventKind.IGNORED:
            return
        for _ in range(5):
            try:
                ready, owing = await self._apply(event)
                break
            except DuplicateRequest:
                log.info("payment event already applied", extra={"event_id": event.event_id})
                return
            except ConcurrentUpdate:
                continue
        else:
            raise ConcurrentUpdate(event.event_id)
        if owing is not None:
            await self._refunds.refund_duplicates_now(owing)
        if isinstance(ready, Order):
            await self._issuance.issue_claimed_soon(ready)
        elif ready is not None:
            await self._issuance.issue_soon(ready)

    async def _apply(self, event: PaymentEvent) -> tuple[Order | str | None, str | None]:
        """Returns the order this event paid and claimed for issuing (or the id of one ready for
        issuing), and the id of one that owes a refund."""
        async with self._shop.uow() as uow:
            await uow.events.add(event.event_id, event.provider_type or event.kind)
            order = await self._order_for(uow, event)
            ready: Order | str | None = None
            unpaid = False  # until this event
            if order is None:
                log.warning(
                    "payment event for an unknown order", extra={"event_id": event.event_id}
                )
            elif event.kind is PaymentEventKind.SUCCEEDED:
                unpaid = order.status not in PAID_FOR
                ready = self._paid(order, event)
            elif event.kind is PaymentEventKind.FAILED:
                self._failed(order, event)
            elif event.kind is PaymentEventKind.REFUNDED:
                await self._refunded(uow, order, event)
            if order is not None:
                await uow.orders.save(order)
                await self._shop.bus.publish(uow, order)
                if ready is not None and unpaid and await self._claim(uow, order):
                    ready = order
            await uow.commit()
        owing = order.id if order is not None and order.refunds_due else None
        return ready, owing

    async def _claim(self, uow: UnitOfWork, order: Order) -> bool:
        """Claim the order this event paid for issuing in the same transaction (one fewer per
        checkout). Its events are handled after the payment's, so what those queued shows it
        paid."""
        if order.status is not OrderStatus.PAID or not self._issuance.claim_paid(order):
            return False
        await uow.orders.save(order)
        await self._shop.bus.publish(uow, order)
        return True

    async def _order_for(self, uow: UnitOfWork, event: PaymentEvent) -> Order | None:
        order = await uow.orders.find_by_intent(event.intent_id) if event.intent_id else None
        if order is None and event.order_id:
            try:
                order = await uow.orders.get(event.order_id)
            except OrderNotFound:
                return None
        return order

    def _paid(self, order: Order, event: PaymentEvent) -> str | None:
        now = self._shop.clock.now()
        payment = order.take_payment(event.intent_id, event.amount or order.card_amount, now)
        if payment is not None and payment.duplicate:
            # The order was paid by another intent (a declined attempt that succeeded late, and its
            # retry): keep one payment, give this one back (after commit, see handle).
            log.warning(
                "duplicate payment", extra={"order_id": order.id, "intent": payment.intent_id}
            )
            return None
        if payment is None or order.status in PAID_FOR:
            return order.id if order.status in ISSUABLE else None
        if event.amount is not None and event.amount != order.card_amount:
            order.refuse_amount(at=now, source="stripe")
            return None
        order.pay(at=now, source="stripe")
        return order.id

    def _failed(self, order: Order, event: PaymentEvent) -> None:
        if (
            order.status is not OrderStatus.AWAITING_PAYMENT
            or event.intent_id != order.payment_intent_id
        ):
            return  # a late failure after success, or for an intent this order replaced
        reason = event.failure_message or "The card was declined."
        order.fail_payment(reason, at=self._shop.clock.now(), source="stripe", announce=True)

    async def _refunded(self, uow: UnitOfWork, order: Order, event: PaymentEvent) -> None:
        payment = order.payment(event.intent_id)
        if payment is not None and payment.duplicate:
            order.duplicate_refunded(event.intent_id, actor="stripe")  # the order itself stays paid
        elif order.status is not OrderStatus.REFUNDED:
            order.payment_refunded(event.intent_id)
            await self._refunds.mark_refunded(uow, order, "stripe")
