"""Granting one reward inside a send's unit of work (reserve its budget, notify, audit), and the
retry that every send shares when another sender spent from the same budget meanwhile."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from core.audit import AuditRecord
from core.errors import ConcurrentUpdate, DuplicateRequest
from core.identity import identity_of
from core.outbox import MessageKind, OutboxMessage
from core.ports import Clock, IdFactory, UnitOfWork
from core.reward_sends import SendRewards
from core.rewards import LedgerEntry, LedgerKind, Programme, Recipient, Reward
from core.views import ApprovalView, SendReport

CONTENTION_RETRIES = 200
T = TypeVar("T")


async def retrying(attempt: Callable[[], Awaitable[T]], key: str) -> T:
    """`attempt` again while it meets ConcurrentUpdate (another sender spent from this budget
    meanwhile: read it again), with a short random pause; ConcurrentUpdate(key) when it never
    gets through."""
    for tries in range(CONTENTION_RETRIES):
        try:
            return await attempt()
        except ConcurrentUpdate:
            await asyncio.sleep(random.uniform(0, 0.002 * min(tries + 1, 10)))
    raise ConcurrentUpdate(key)


async def commit_held(uow: UnitOfWork, programme: Programme, held: ApprovalView) -> SendReport:
    """Commit a send held for approval: its reservation is in, nothing is sent yet."""
    await uow.programmes.save(programme)
    try:
        await uow.commit()
    except DuplicateRequest:
        raise ConcurrentUpdate(held.approval_id) from None
    return SendReport((), (), held.budget_after, held)


def reward_message(
    reward: Reward, kind: MessageKind, clock: Clock, ids: IdFactory
) -> OutboxMessage:
    """The outbox message that tells a reward's recipient about it (a notice, a reminder)."""
    now = clock.now()
    return OutboxMessage(
        id=ids.new_id("msg"),
        key=f"{reward.id}:{kind}",
        kind=kind,
        order_id="",
        reward_id=reward.id,
        conversation=reward.conversation,
        created_at=now,
        next_attempt_at=now,
    )


class Granting:
    """Grants one recipient's reward: the reward, its budget reservation, its notice and its audit
    entry."""

    def __init__(self, clock: Clock, ids: IdFactory) -> None:
        self._clock = clock
        self._ids = ids

    async def grant(
        self, uow: UnitOfWork, programme: Programme, command: SendRewards, recipient: Recipient
    ) -> Reward | None:
        """The new reward, or None when this request already granted it."""
        key = f"{command.request_key}:{recipient.user.key}"
        if await uow.rewards.find_by_request_key(key) is not None:
            return None
        now = self._clock.now()
        reward = Reward(
            id=self._ids.new_id("rwd"),
            programme_id=programme.id,
            giver=command.giver,
            recipient=recipient.user,
            conversation=recipient.conversation,
            amount=command.amount,
            reason=command.reason.strip(),
            created_at=now,
            expires_at=now + timedelta(days=programme.expiry_days),
            request_key=key,
            giver_conversation=command.reply_to,
        )
        await uow.rewards.add(reward)
        giver = identity_of(command.giver)
        reserve = LedgerKind.RESERVE
        minor = command.amount.minor
        await uow.ledger.add(
            LedgerEntry(
                self._ids.new_id("led"), programme.id, reserve, minor, now, giver, reward.id
            )
        )
        await uow.outbox.add(
            reward_message(reward, MessageKind.REWARD_NOTICE, self._clock, self._ids)
        )
        details = {"to": recipient.user.key, "minor": minor, "programme": programme.id}
        uow.audit.record(AuditRecord(giver, "reward.sent", reward.id, None, details))
        return reward
