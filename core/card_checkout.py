"""Paying by card: a payment intent and checkout link for an order (again, after a declined card),
and the checkout link's expiry."""

from __future__ import annotations

import logging

from core.errors import ConcurrentUpdate, NotOrderOwner, PaymentGatewayError
from core.identity import ChatUser
from core.orders import Order, OrderStatus
from core.payments import PaymentIntent
from core.shop import Shop
from core.views import OrderSummary

log = logging.getLogger(__name__)
UNAVAILABLE = "The payment service is unavailable. Please try again."


class CardCheckout:
    """Starts card payments; each attempt has its own idempotency key at the payment service."""

    def __init__(self, shop: Shop) -> None:
        self._shop = shop

    async def retry_payment(self, order_id: str, user: ChatUser) -> OrderSummary:
        """Give a failed order a fresh payment intent and checkout link."""
        order = await self._shop.order(order_id)
        if not order.buyer.same_person(user):
            raise NotOrderOwner(order_id)
        order.check_can_pay_again()
        return self._shop.summary(await self.start_with(order, source=user.platform))

    async def start_with(self, order: Order, source: str) -> Order:
        """Create the order's payment intent and record it; `order` as the caller just read or
        stored it (placing and a retry hold it already: reading it again cost a query each)."""
        if order.status is OrderStatus.AWAITING_PAYMENT:
            # A replay of the request that placed the order (or a second tap of Try again) started
            # the payment since the caller read the order: a next attempt would only make a second
            # intent and fail on the transition, so the one started is what both show.
            return order
        attempt = order.payment_attempts + 1
        try:
            intent = await self._shop.gateway.create_intent(
                order_id=order.id,
                amount=order.card_amount,
                idempotency_key=f"{order.id}:pay:{attempt}",
            )
        except PaymentGatewayError as exc:
            return await self._unavailable(order.id, source, exc)
        try:
            return await self._record_intent(order, intent, source)
        except ConcurrentUpdate:
            pass  # the order changed since it was read: decide again on what is stored now
        try:
            return await self._record_intent(await self._shop.order(order.id), intent, source)
        except ConcurrentUpdate:
            # A retried request raced this one to the same intent (same idempotency key): keep
            # theirs.
            return await self._shop.order(order.id)

    async def _record_intent(self, order: Order, intent: PaymentIntent, source: str) -> Order:
        if order.status is OrderStatus.AWAITING_PAYMENT and order.payment_intent_id == intent.id:
            return order
        now = self._shop.clock.now()
        order.await_payment(
            intent_id=intent.id,
            client_secret=intent.client_secret,
            token=self._shop.ids.new_token(),
            expires_at=now + self._shop.checkout_ttl,
            at=now,
            source=source,
        )
        async with self._shop.uow() as uow:
            await uow.orders.save(order)
            await self._shop.bus.commit(uow, order)
        return order

    async def _unavailable(self, order_id: str, source: str, exc: Exception) -> Order:
        extra = {"order_id": order_id, "error": type(exc).__name__}
        log.warning("payment provider unavailable", extra=extra)
        async with self._shop.uow() as uow:
            order = await uow.orders.get(order_id)
            if order.can_move_to(OrderStatus.FAILED):
                # The buyer reads this in the answer to their click: no message on top.
                now = self._shop.clock.now()
                order.fail_payment(UNAVAILABLE, at=now, source=source, announce=False)
                await uow.orders.save(order)
                await self._shop.bus.commit(uow, order)
        return order

    async def expire(self, order_id: str) -> None:
        """The checkout link ran out unpaid (recovery's sweep); a reward's hold is released."""
        try:
            async with self._shop.uow() as uow:
                order = await uow.orders.get(order_id)
                if order.status is OrderStatus.AWAITING_PAYMENT:
                    order.expire(at=self._shop.clock.now())
                    await uow.orders.save(order)
                    await self._shop.bus.commit(uow, order)
        except ConcurrentUpdate:
            pass
