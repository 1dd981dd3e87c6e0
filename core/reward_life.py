"""The life of a sent reward: its recipient reads it, an admin cancels it, reminders before it
expires, and expiry, which releases to the budget what it left unspent."""

from __future__ import annotations

from datetime import timedelta

from core.audit import AuditRecord
from core.errors import InvalidRequest, RewardNotFound
from core.grants import reward_message
from core.identity import ChatUser
from core.outbox import MessageKind
from core.ports import Clock, IdFactory, UnitOfWorkFactory
from core.refusals import Reason
from core.rewards import LedgerEntry, LedgerKind, NotRewardRecipient, RewardStatus
from core.views import RewardSummary


class RewardLife:
    """Rewards once sent: read by their recipient, closed by an admin or by time."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdFactory,
        remind_before: timedelta = timedelta(days=7),
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._remind_before = remind_before

    async def rewards_for(self, user: ChatUser) -> tuple[RewardSummary, ...]:
        """What `user` has received so far (a gift scheduled for later is not theirs to see yet)."""
        async with self._uow() as uow:
            rewards = await uow.rewards.list_for_recipient(user.key)
        return tuple(RewardSummary.of(r) for r in rewards if r.visible)

    async def reward(self, reward_id: str) -> RewardSummary:
        async with self._uow() as uow:
            return RewardSummary.of(await uow.rewards.get(reward_id))

    async def recipient_reward(self, reward_id: str, user: ChatUser) -> RewardSummary:
        """The reward as its recipient sees it; NotRewardRecipient for anyone else (a chat button is
        forgeable)."""
        async with self._uow() as uow:
            reward = await uow.rewards.get(reward_id)
        if not reward.recipient.same_person(user):
            raise NotRewardRecipient(reward_id)
        if not reward.visible:
            raise RewardNotFound(reward_id)  # a gift scheduled for later stays a surprise
        return RewardSummary.of(reward)

    async def cancel(self, reward_id: str, actor: str) -> RewardSummary:
        return await self._close(reward_id, RewardStatus.CANCELLED, actor)

    async def expire_due(self) -> int:
        """Expire rewards past their date and release what they left unspent."""
        async with self._uow() as uow:
            due = await uow.rewards.list_expiring(self._clock.now())
        for reward in due:
            if reward.held == 0:  # an order is still paying with it: wait for it to settle
                await self._close(reward.id, RewardStatus.EXPIRED, "system")
        return len(due)

    async def remind_due(self) -> int:
        """Queue one reminder for each spendable reward that expires soon."""
        async with self._uow() as uow:
            soon = await uow.rewards.list_expiring(self._clock.now() + self._remind_before)
            queued = 0
            for reward in soon:
                if reward.available > 0:
                    reminder = reward_message(
                        reward, MessageKind.REWARD_REMINDER, self._clock, self._ids
                    )
                    queued += await uow.outbox.add(reminder)
            await uow.commit()
        return queued

    async def _close(self, reward_id: str, status: RewardStatus, actor: str) -> RewardSummary:
        async with self._uow() as uow:
            reward = await uow.rewards.get(reward_id)
            if reward.held:
                raise InvalidRequest(Reason("reward_being_paid"))
            unspent = reward.close(status)
            await uow.rewards.save(reward)
            programme = await uow.programmes.get(reward.programme_id)
            if unspent:
                await uow.ledger.add(
                    LedgerEntry(
                        self._ids.new_id("led"),
                        programme.id,
                        LedgerKind.RELEASE,
                        unspent,
                        self._clock.now(),
                        actor,
                        reward.id,
                    )
                )
            await uow.programmes.save(programme)
            uow.audit.record(
                AuditRecord(actor, f"reward.{status}", reward.id, None, {"released": unspent})
            )
            await uow.commit()
        return RewardSummary.of(reward)
