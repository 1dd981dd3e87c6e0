"""Gift use cases beyond the checkout: calling back a scheduled gift (refunded) before it is
delivered, be it a voucher or a reward of their choice."""

from __future__ import annotations

from datetime import datetime

from core.audit import AuditRecord
from core.checkout import Checkout
from core.choice_gifts import withdraw
from core.errors import ConcurrentUpdate
from core.gifts import Gift, GiftStatus, InvalidGift, NotGiftBuyer, delivery_time
from core.identity import ChatUser
from core.orders import Order, OrderStatus
from core.outbox import MessageStatus
from core.ports import Clock, Directory, IdFactory, RandomIds, UnitOfWork, UnitOfWorkFactory
from core.rewards import Recipient
from core.views import GiftReceipt

UNPAID = (OrderStatus.CREATED, OrderStatus.AWAITING_PAYMENT, OrderStatus.FAILED)
SETTLED_BACK = (OrderStatus.REFUNDED, OrderStatus.CANCELLED, OrderStatus.EXPIRED)
RETRIES = 5


class Gifts:
    """What a gift's buyer may do after paying: see their gifts (in the wallet) and cancel a
    scheduled one."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        checkout: Checkout,
        clock: Clock,
        people: Directory | None = None,
        ids: IdFactory | None = None,
    ) -> None:
        self._uow = uow
        self._checkout = checkout
        self._clock = clock
        self._people = people
        self._ids = ids or RandomIds()  # only ledger ids are drawn from it

    async def recipient_by_email(self, email: str) -> Recipient:
        """A colleague named by work email, on whichever chat platform the organisation reaches
        them: a Slack buyer can gift a Teams user, and the other way round (the outbox routes by
        platform)."""
        found = await self._people.find_by_email(email) if self._people is not None else None
        if found is None:
            raise InvalidGift("unknown_email", email)
        return found

    def delivery_time(self, text: str, zone: str) -> datetime | None:
        """When a gift written for `text` (in the recipient's zone) is due; None to deliver once
        paid."""
        return delivery_time(text, zone, self._clock.now()) if text else None

    async def cancel(self, gift_id: str, user: ChatUser) -> GiftReceipt:
        """Stop the delivery first (so the voucher, or the reward of their choice, can no longer
        reach the recipient), then give the money back.

        If the refund fails (the payment service is down), the gift stays stopped and cancelling it
        again retries the refund. A delivery that wins the race is read again: not cancellable."""
        for _ in range(RETRIES):
            try:
                order = await self._stop(gift_id, user)
                break
            except ConcurrentUpdate:
                continue  # delivered (or paid for) at this moment: read it again
        else:
            raise ConcurrentUpdate(gift_id)
        if order.status in UNPAID:
            await self._checkout.cancel(order.id, user.key)
        elif (
            order.status not in SETTLED_BACK
        ):  # an expired checkout took no money: nothing to return
            await self._checkout.refund(order.id, user.key)
        return await self.receipt(gift_id)

    async def receipt(self, gift_id: str) -> GiftReceipt:
        async with self._uow() as uow:
            gift = await uow.gifts.get(gift_id)
            order = await uow.orders.get(gift.order_id)
        return self._checkout.receipt(gift, order)

    async def _stop(self, gift_id: str, user: ChatUser) -> Order:
        """The gift cancelled, its delivery held and a their-choice reward withdrawn, in one
        transaction; the order as it was then (an earlier cancel whose refund failed: unchanged)."""
        async with self._uow() as uow:
            gift = await uow.gifts.get(gift_id)
            if not gift.buyer.same_person(user):
                raise NotGiftBuyer(gift_id)
            order = await uow.orders.get(gift.order_id)
            if gift.status is GiftStatus.CANCELLED and order.status not in SETTLED_BACK:
                return order
            now = self._clock.now()
            gift.cancel(now)
            await uow.gifts.save(gift)
            await self._hold_delivery(uow, gift)
            await withdraw(uow, self._ids, order.id, now, user.key)
            uow.audit.record(
                AuditRecord(user.key, "gift.cancelled", gift.order_id, None, {"gift": gift.id})
            )
            await uow.commit()
        return order

    async def _hold_delivery(self, uow: UnitOfWork, gift: Gift) -> None:
        for message in await uow.outbox.for_order(gift.order_id):
            if message.delivers_gift and message.status is MessageStatus.PENDING:
                message.give_up("the gift was cancelled by its buyer", self._clock.now())
                await uow.outbox.save(message)
