"""The outbox relay: claims due messages, renders nothing, hands neutral notices to chat senders."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.approval_notices import approval_notice
from core.audit import AuditRecord
from core.catalog_source import CatalogSource
from core.collections import CollectionCard
from core.errors import DeliveryError, DeliveryRetryLater, VoucherbotError
from core.gifts import GiftStatus
from core.order_handlers import OrderBus
from core.orders import Order, OrderStatus
from core.outbox import Backoff, MessageKind, OutboxMessage
from core.peer import shout_out_of
from core.ports import ChatSender, Clock, UnitOfWork, UnitOfWorkFactory
from core.views import (
    GiftDelivery,
    Notice,
    RewardNotice,
    RewardSummary,
    RewardUndeliverable,
    VoucherDelivery,
    receipt_of,
    summary_of,
)
from core.vouchers import VoucherStatus

log = logging.getLogger(__name__)
GIFT_KINDS = (MessageKind.GIFT_DELIVERY, MessageKind.GIFT_RECEIPT, MessageKind.GIFT_UNDELIVERABLE)


@dataclass(frozen=True)
class DeliveryResult:
    message_id: str
    kind: MessageKind
    outcome: str  # "sent", "retry", "dead", "deferred"
    seconds_since_queued: float


class Relay:
    """Sends what the outbox owes, in order per conversation, retrying with backoff."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        catalog: CatalogSource,
        senders: Mapping[str, ChatSender],
        clock: Clock,
        checkout_url: Callable[[Order], str | None],
        backoff: Backoff = Backoff(),
        lease: timedelta = timedelta(seconds=60),
        parallel: int = 8,
    ) -> None:
        self._uow = uow
        self._catalog = catalog
        self._senders = senders
        self._clock = clock
        self._checkout_url = checkout_url
        self._backoff = backoff
        self._lease = lease
        self._parallel = parallel

    async def run_once(self, limit: int = 20) -> list[DeliveryResult]:
        """Deliver one batch of due messages; returns what happened to each."""
        now = self._clock.now()
        async with self._uow() as uow:
            batch = list(await uow.outbox.claim_due(now, now + self._lease, limit))
            await uow.commit()
        conversations: dict[str, list[OutboxMessage]] = {}
        for message in batch:
            conversations.setdefault(message.conversation.address, []).append(message)
        # Conversations are independent (platform limits are per conversation); within one, order holds.
        slots = asyncio.Semaphore(self._parallel)
        # A claim is a lease, not a lock: no send starts in its second half, so each one ends before another
        # replica may claim the message again (the lease must exceed twice the slowest send).
        send_by = now + self._lease / 2
        delivered = await asyncio.gather(
            *(self._deliver_in_order(m, slots, send_by) for m in conversations.values())
        )
        return [result for results in delivered for result in results]

    async def _deliver_in_order(
        self, messages: list[OutboxMessage], slots: asyncio.Semaphore, send_by: datetime
    ) -> list[DeliveryResult]:
        results: list[DeliveryResult] = []
        held_until: datetime | None = None
        async with slots:
            for message in messages:
                if self._clock.now() > send_by:
                    break  # the rest stay leased, and are claimed again (in order) when the lease ends
                if (
                    held_until is not None
                ):  # an earlier message here waits: later ones wait behind it
                    results.append(await self._defer(message, held_until))
                    continue
                result = await self._deliver(message)
                if result.outcome == "retry":
                    held_until = message.next_attempt_at
                results.append(result)
        return results

    async def _deliver(self, message: OutboxMessage) -> DeliveryResult:
        sender = self._senders.get(message.conversation.platform)
        try:
            if sender is None:
                raise DeliveryError(f"no sender for platform {message.conversation.platform}")
            notice = await self._notice(message)
            await sender.send(message.conversation, notice)
        except DeliveryRetryLater as exc:
            return await self._retry(message, exc)
        except (DeliveryError, VoucherbotError) as exc:
            return await self._give_up(message, exc)
        return await self._sent(message)

    async def _notice(self, message: OutboxMessage) -> Notice:
        if message.kind in (MessageKind.APPROVAL_REQUEST, MessageKind.APPROVAL_DECIDED):
            async with self._uow() as uow:
                return await approval_notice(uow, message.kind, message.reward_id)
        if message.kind is MessageKind.COLLECTION_CARD:
            async with self._uow() as uow:
                return CollectionCard.of(await uow.collections.get(message.reward_id))
        if message.kind is MessageKind.PEER_SHOUT_OUT:
            async with self._uow() as uow:
                return shout_out_of(await uow.rewards.get(message.reward_id))
        if message.reward_id:
            async with self._uow() as uow:
                reward = await uow.rewards.get(message.reward_id)
                programme = await uow.programmes.get(reward.programme_id)
            summary = RewardSummary.of(reward, programme.name)
            if message.kind is MessageKind.REWARD_UNDELIVERABLE:
                return RewardUndeliverable(summary, message.last_error or "unreachable")
            return RewardNotice(summary, reminder=message.kind is MessageKind.REWARD_REMINDER)
        if message.kind in GIFT_KINDS:
            return await self._gift_notice(message)
        catalog = self._catalog()
        async with self._uow() as uow:
            order = await uow.orders.get(message.order_id)
            product = catalog.get(order.product_id)
            if message.kind is MessageKind.VOUCHER_DELIVERY:
                voucher = await uow.vouchers.for_order(order.id)
                if voucher is None:
                    raise DeliveryError(f"order {order.id} has no voucher to deliver")
                return VoucherDelivery.of(voucher, product)
        status = OrderStatus(message.announces) if message.announces else order.status
        url = self._checkout_url(order) if status is OrderStatus.AWAITING_PAYMENT else None
        return summary_of(order, product, url, status=status)

    async def _gift_notice(self, message: OutboxMessage) -> Notice:
        """Rendered at send time, so a gift cancelled (refunded) since it was queued is never shown."""
        async with self._uow() as uow:
            order = await uow.orders.get(message.order_id)
            gift = await uow.gifts.for_order(order.id)
            voucher = await uow.vouchers.for_order(order.id)
        if gift is None:
            raise DeliveryError(f"order {order.id} is not a gift")
        product = self._catalog().get(order.product_id)
        if message.kind is MessageKind.GIFT_RECEIPT:
            return receipt_of(gift, order, product)
        if message.kind is MessageKind.GIFT_UNDELIVERABLE:
            return replace(
                receipt_of(gift, order, product), problem=message.last_error or "unreachable"
            )
        if (
            gift.status is GiftStatus.CANCELLED
            or voucher is None
            or voucher.status is VoucherStatus.VOID
        ):
            raise DeliveryError(f"gift {gift.id} was cancelled or has no voucher to deliver")
        from_name = gift.buyer.name or "A colleague"
        return GiftDelivery(gift.id, from_name, gift.message, VoucherDelivery.of(voucher, product))

    async def _sent(self, message: OutboxMessage) -> DeliveryResult:
        now = self._clock.now()
        async with self._uow() as uow:
            message.sent(now)
            await uow.outbox.save(message)
            if message.kind is MessageKind.GIFT_DELIVERY:
                gift = await uow.gifts.for_order(message.order_id)
                if gift is not None:
                    gift.delivered(now)
                    await uow.gifts.save(gift)
            if message.kind in (MessageKind.VOUCHER_DELIVERY, MessageKind.GIFT_DELIVERY):
                order = await uow.orders.get(message.order_id)
                if order.status is OrderStatus.ISSUED:
                    order.mark_delivered(at=now, source="outbox")
                    await uow.orders.save(order)
                    await OrderBus(self._clock).publish(uow, order)
            await uow.commit()
        return self._result(message, "sent")

    async def _retry(self, message: OutboxMessage, exc: DeliveryRetryLater) -> DeliveryResult:
        now = self._clock.now()
        throttled = exc.retry_after is not None
        if self._backoff.exhausted(message.attempts, now - message.created_at, throttled=throttled):
            return await self._give_up(message, exc)
        message.retry_later(str(exc), now, self._backoff.delay(message.attempts, exc.retry_after))
        log.info(
            "delivery deferred", extra={"message_id": message.id, "attempts": message.attempts}
        )
        await self._store(message)
        return self._result(message, "retry")

    async def _give_up(self, message: OutboxMessage, exc: Exception) -> DeliveryResult:
        log.error("delivery failed for good", extra={"message_id": message.id, "error": str(exc)})
        message.give_up(str(exc), self._clock.now())
        async with self._uow() as uow:
            await uow.outbox.save(message)
            subject = message.order_id or message.reward_id
            uow.audit.record(
                AuditRecord("outbox", "delivery.failed", subject, None, {"error": str(exc)})
            )
            if message.kind is MessageKind.REWARD_NOTICE:
                await self._tell_giver(uow, message, str(exc))
            if message.kind is MessageKind.GIFT_DELIVERY:
                await self._tell_buyer(uow, message, str(exc))
            await uow.commit()
        return self._result(message, "dead")

    async def _tell_giver(self, uow: UnitOfWork, message: OutboxMessage, error: str) -> None:
        reward = await uow.rewards.get(message.reward_id)
        if reward.giver_conversation is None:
            return
        now = self._clock.now()
        await uow.outbox.add(
            OutboxMessage(
                id=f"{message.id}-undeliverable",
                key=f"{reward.id}:{MessageKind.REWARD_UNDELIVERABLE}",
                kind=MessageKind.REWARD_UNDELIVERABLE,
                order_id="",
                reward_id=reward.id,
                conversation=reward.giver_conversation,
                created_at=now,
                next_attempt_at=now,
                last_error=error[:200],
            )
        )

    async def _tell_buyer(self, uow: UnitOfWork, message: OutboxMessage, error: str) -> None:
        """A gift that cannot reach its recipient (Teams: the app is not installed for them) is the
        buyer's to know about; a cancelled one is not news."""
        gift = await uow.gifts.for_order(message.order_id)
        if gift is None or gift.status is GiftStatus.CANCELLED:
            return
        order = await uow.orders.get(message.order_id)
        now = self._clock.now()
        await uow.outbox.add(
            OutboxMessage(
                id=f"{message.id}-undeliverable",
                key=f"{order.id}:{MessageKind.GIFT_UNDELIVERABLE}",
                kind=MessageKind.GIFT_UNDELIVERABLE,
                order_id=order.id,
                conversation=order.conversation,
                created_at=now,
                next_attempt_at=now,
                last_error=error[:200],
            )
        )

    async def _defer(self, message: OutboxMessage, until: datetime) -> DeliveryResult:
        message.next_attempt_at = until
        await self._store(message)
        return self._result(message, "deferred")

    async def _store(self, message: OutboxMessage) -> None:
        async with self._uow() as uow:
            await uow.outbox.save(message)
            await uow.commit()

    def _result(self, message: OutboxMessage, outcome: str) -> DeliveryResult:
        waited = (self._clock.now() - message.created_at).total_seconds()
        return DeliveryResult(message.id, message.kind, outcome, waited)
