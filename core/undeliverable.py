"""Telling the person behind a message that could not be delivered: the giver of a reward, the
buyer of a gift; each is told once (the outbox's natural key)."""

from __future__ import annotations

from datetime import datetime

from core.gifts import GiftStatus
from core.outbox import MessageKind, OutboxMessage
from core.ports import UnitOfWork


async def tell_giver(uow: UnitOfWork, message: OutboxMessage, error: str, now: datetime) -> None:
    """A reward notice that cannot reach its recipient is its giver's to know about."""
    reward = await uow.rewards.get(message.reward_id)
    if reward.giver_conversation is None:
        return
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


async def tell_buyer(uow: UnitOfWork, message: OutboxMessage, error: str, now: datetime) -> None:
    """A gift that cannot reach its recipient (Teams: the app is not installed for them) is the
    buyer's to know about; a cancelled one is not news."""
    gift = await uow.gifts.for_order(message.order_id)
    if gift is None or gift.status is GiftStatus.CANCELLED:
        return
    order = await uow.orders.get(message.order_id)
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
