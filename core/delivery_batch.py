"""One relay run's notices, read ahead together, and its "sent" marks, written together (and
what a "sent" mark writes)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from core.choice_gifts import announce
from core.errors import OrderNotFound, VoucherbotError
from core.order_handlers import OrderBus
from core.orders import Order, OrderStatus
from core.outbox import MessageKind, OutboxMessage
from core.ports import Clock, UnitOfWork
from core.views import Notice


class Batch:
    """One run's notices, read ahead, and its marks."""

    def __init__(self, prepared: dict[str, Notice | VoucherbotError], marks: Marks) -> None:
        self._prepared = prepared
        self.marks = marks

    def notice(self, message_id: str) -> Notice | None:
        found = self._prepared.get(message_id)
        if isinstance(found, VoucherbotError):
            raise found
        return found


MarkWriter = Callable[[list[OutboxMessage]], Awaitable[dict[str, VoucherbotError]]]


class Marks:
    """Group commit of "sent" marks: each sender waits for its own mark, and the marks that arrive
    while one write is under way go together in the next one."""

    def __init__(self, write: MarkWriter) -> None:
        self._write = write
        self._waiting: list[tuple[OutboxMessage, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def mark(self, message: OutboxMessage) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((message, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        await done

    async def _write_all(self) -> None:
        await asyncio.sleep(0)  # let sends finishing at the same moment join this write
        while self._waiting:
            taken, self._waiting = self._waiting, []
            try:
                failed = await self._write([message for message, _ in taken])
            except BaseException as exc:  # the database is down: every sender of these learns it
                for _, done in taken:
                    if not done.done():
                        done.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise  # cancelled: the senders were told
                continue
            for message, done in taken:
                error = failed.get(message.id)
                if done.done():
                    continue
                if error is None:
                    done.set_result(None)
                else:
                    done.set_exception(error)


async def write_sent(
    uow: UnitOfWork,
    messages: list[OutboxMessage],
    now: datetime,
    read: Mapping[str, Order],
    clock: Clock,
) -> None:
    """Mark `messages` sent; each order whose voucher one of them carried is delivered (the
    order's own transition, audited by its handlers). Orders not in `read` are read with one
    query; one read earlier is saved only if nobody saved it since (its version)."""
    delivered: dict[str, None] = {}  # order ids, in the order of their messages
    for message in messages:
        message.sent(now)
        await uow.outbox.save(message)
        if message.kind is MessageKind.REWARD_NOTICE and message.order_id:
            await announce(uow, message, now)  # a their-choice gift's: delivered, its reward seen
        if message.kind is MessageKind.GIFT_DELIVERY:
            gift = await uow.gifts.for_order(message.order_id)
            if gift is not None:
                gift.delivered(now)
                await uow.gifts.save(gift)
        if message.kind in (MessageKind.VOUCHER_DELIVERY, MessageKind.GIFT_DELIVERY):
            delivered[message.order_id] = None
    if not delivered:
        return
    # An order read before sending is moved as it is: one message delivers it, so it is marked
    # once (a failed group is marked again message by message, each order read afresh).
    orders = {i: read[i] for i in delivered if i in read}
    orders |= await uow.orders.get_many([i for i in delivered if i not in orders])
    issued = []
    for order_id in delivered:
        order = orders.get(order_id)
        if order is None:
            raise OrderNotFound(order_id)
        if order.status is OrderStatus.ISSUED:
            order.mark_delivered(at=now, source="outbox")
            await uow.orders.save(order)
            issued.append(order)
    await OrderBus(clock).publish(uow, *issued)
