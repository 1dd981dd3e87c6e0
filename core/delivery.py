"""The outbox relay: claims due messages, renders nothing, hands neutral notices to chat senders."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.audit import AuditRecord
from core.catalog_source import CatalogSource
from core.delivery_batch import Batch, Marks, write_sent
from core.delivery_notices import Notices
from core.errors import DeliveryError, DeliveryRetryLater, VoucherbotError
from core.orders import Order
from core.outbox import Backoff, MessageKind, OutboxMessage
from core.ports import ChatSender, Clock, UnitOfWorkFactory
from core.undeliverable import tell_buyer, tell_giver

log = logging.getLogger(__name__)
DEFAULT_BACKOFF = Backoff()
BATCH = 20  # messages claimed by one run


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
        backoff: Backoff = DEFAULT_BACKOFF,
        lease: timedelta = timedelta(seconds=60),
        parallel: int = 8,
    ) -> None:
        self._uow = uow
        self._senders = senders
        self._notices = Notices(uow, catalog, checkout_url)
        self._clock = clock
        self._backoff = backoff
        self._lease = lease
        self._parallel = parallel

    async def run_once(self, limit: int = BATCH) -> list[DeliveryResult]:
        """Deliver one batch of due messages; returns what happened to each.

        The claim and the reading of what order messages show (orders and vouchers, read together
        before sending) take one transaction each; a sent message is marked before its conversation
        sends the next one (a crash repeats at most one message per conversation), but the marks of
        conversations sending at the same time are written together (see core.delivery_batch.Marks).
        """
        now = self._clock.now()
        async with self._uow() as uow:
            batch = list(await uow.outbox.claim_due(now, now + self._lease, limit))
            await uow.commit()
        if not batch:
            return []
        notices, orders = await self._notices.prepare(batch)
        run = Batch(notices, Marks(lambda sent: self._mark_sent(sent, orders)))
        conversations: dict[str, list[OutboxMessage]] = {}
        for message in batch:
            conversations.setdefault(message.conversation.address, []).append(message)
        # Conversations are independent (platform limits are per conversation); within one, order
        # holds.
        slots = asyncio.Semaphore(self._parallel)
        # A claim is a lease, not a lock: no send starts in its second half, so each one ends before
        # another replica may claim the message again (the lease must exceed twice the slowest
        # send).
        send_by = now + self._lease / 2
        delivered = await asyncio.gather(
            *(self._deliver_in_order(m, slots, send_by, run) for m in conversations.values())
        )
        return [result for results in delivered for result in results]

    async def _deliver_in_order(
        self,
        messages: list[OutboxMessage],
        slots: asyncio.Semaphore,
        send_by: datetime,
        run: Batch,
    ) -> list[DeliveryResult]:
        results: list[DeliveryResult] = []
        held_until: datetime | None = None
        async with slots:
            for message in messages:
                if self._clock.now() > send_by:
                    # the rest stay leased, and are claimed again (in order) when the lease ends
                    break
                if held_until is not None:  # an earlier message here waits: later ones behind it
                    results.append(await self._defer(message, held_until))
                    continue
                result = await self._deliver(message, run)
                if result.outcome == "retry":
                    held_until = message.next_attempt_at
                results.append(result)
        return results

    async def _deliver(self, message: OutboxMessage, run: Batch) -> DeliveryResult:
        sender = self._senders.get(message.conversation.platform)
        try:
            if sender is None:
                raise DeliveryError(f"no sender for platform {message.conversation.platform}")
            notice = run.notice(message.id) or await self._notices.of(message)
            await sender.send(message.conversation, notice)
        except DeliveryRetryLater as exc:
            return await self._retry(message, exc)
        except (DeliveryError, VoucherbotError) as exc:
            return await self._give_up(message, exc)
        await run.marks.mark(message)
        return self._result(message, "sent")

    async def _mark_sent(
        self, messages: list[OutboxMessage], read: Mapping[str, Order]
    ) -> dict[str, VoucherbotError]:
        """Mark sent messages in one unit of work, moving their orders as read before sending
        (`read`, not read again); if that conflicts (an order saved since), each in its own with
        its order read afresh, so only a real conflict fails. The failures, by message id."""
        now = self._clock.now()
        try:
            async with self._uow() as uow:
                copies = [replace(message, history=list(message.history)) for message in messages]
                await write_sent(uow, copies, now, read, self._clock)
                await uow.commit()
        except VoucherbotError:
            return await self._mark_each(messages, now)
        for message in messages:
            message.sent(now)
        return {}

    async def _mark_each(
        self, messages: list[OutboxMessage], now: datetime
    ) -> dict[str, VoucherbotError]:
        failed: dict[str, VoucherbotError] = {}
        for message in messages:
            try:
                async with self._uow() as uow:
                    await write_sent(uow, [message], now, {}, self._clock)
                    await uow.commit()
            except VoucherbotError as exc:
                failed[message.id] = exc
        return failed

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
                await tell_giver(uow, message, str(exc), self._clock.now())
            if message.delivers_gift:
                await tell_buyer(uow, message, str(exc), self._clock.now())
            await uow.commit()
        return self._result(message, "dead")

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
