"""A "their choice" gift's reward between payment and delivery: funded when paid, but scheduled
(unseen and unspendable) until its Choose your voucher notice is sent; a buyer who cancels first
withdraws it before the order is refunded (core.gifting), and a refund made another way (an
admin's) withdraws it too."""

from __future__ import annotations

from datetime import datetime

from core.audit import AuditRecord
from core.errors import ConcurrentUpdate
from core.gifts import GiftStatus
from core.outbox import MessageStatus, OutboxMessage
from core.ports import IdFactory, UnitOfWork
from core.rewards import LedgerEntry, LedgerKind, RewardStatus

WITHDRAWN_NOTE = "gift cancelled: refunded to its buyer"


def choice_key(order_id: str) -> str:
    """The request key of the reward a their-choice order funds: one reward per order."""
    return f"{order_id}:choice"


async def announce(uow: UnitOfWork, notice: OutboxMessage, now: datetime) -> None:
    """The gift's notice was sent: the gift is delivered and its reward may be seen and spent.

    Both are saved under their versions, so of this and a cancel racing it, one wins; a gift the
    cancel won stays cancelled."""
    gift = await uow.gifts.for_order(notice.order_id)
    if gift is not None and gift.status is GiftStatus.PENDING:
        gift.delivered(now)
        await uow.gifts.save(gift)
    reward = await uow.rewards.get(notice.reward_id)
    if reward.status is RewardStatus.SCHEDULED:
        reward.announced()
        await uow.rewards.save(reward)


async def withdraw(
    uow: UnitOfWork, ids: IdFactory, order_id: str, now: datetime, actor: str
) -> None:
    """Call back the reward of a their-choice gift cancelled before its notice was sent.

    Its money leaves the gifts programme as a debit (spent: on the refund that follows), so the
    programme stays balanced with nothing in it that anyone else could spend."""
    reward = await uow.rewards.find_by_request_key(choice_key(order_id))
    if reward is None or reward.status is RewardStatus.WITHDRAWN:
        return  # not paid yet (nothing was funded), or an earlier cancel withdrew it
    if reward.status is not RewardStatus.SCHEDULED:
        raise ConcurrentUpdate(reward.id)  # announced this moment: the delivery won, read again
    minor = reward.withdraw()
    await uow.rewards.save(reward)
    entry = LedgerEntry(
        ids.new_id("led"),
        reward.programme_id,
        LedgerKind.DEBIT,
        minor,
        now,
        actor,
        reward.id,
        order_id=order_id,
        note=WITHDRAWN_NOTE,
    )
    await uow.ledger.add(entry)
    await uow.programmes.save(await uow.programmes.get(reward.programme_id))
    facts = {"order": order_id, "minor": minor}
    uow.audit.record(AuditRecord(actor, "reward.withdrawn", reward.id, None, facts))


async def refunded_unsent(
    uow: UnitOfWork, ids: IdFactory, order_id: str, now: datetime, actor: str
) -> None:
    """The order was refunded before its gift's notice was sent (an admin's refund; a buyer's cancel
    withdrew the reward already): the gift is cancelled and its reward withdrawn, as a cancel
    would, so the refunded money is not also the recipient's to spend."""
    reward = await uow.rewards.find_by_request_key(choice_key(order_id))
    if reward is None or reward.status is not RewardStatus.SCHEDULED:
        return
    gift = await uow.gifts.for_order(order_id)
    if gift is not None and gift.status is GiftStatus.PENDING:
        gift.cancel(now)
        await uow.gifts.save(gift)
    for message in await uow.outbox.for_order(order_id):
        if message.delivers_gift and message.status is MessageStatus.PENDING:
            message.give_up("the gift's order was refunded", now)
            await uow.outbox.save(message)
    await withdraw(uow, ids, order_id, now, actor)
