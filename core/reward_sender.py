"""Sending rewards: the preview a giver confirms, then one atomic send that reserves the budget and
grants each reward, or holds it for approval; a repeated request key sends nothing twice."""

from __future__ import annotations

from core.errors import ConcurrentUpdate, DuplicateRequest
from core.givers import Givers
from core.grants import Granting, commit_held, retrying
from core.peer import shout_outs
from core.ports import Clock, IdFactory, UnitOfWorkFactory
from core.refusals import joined
from core.reward_rules import problems_of
from core.reward_sends import Approving, HoldGate, SendRewards
from core.rewards import BudgetExceeded, CurrencyMismatch
from core.views import RewardPreview, RewardSummary, SendReport


class RewardSender:
    """Sends one command's rewards, from a chat giver, a trusted system, or an approver's
    decision."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdFactory,
        givers: Givers,
        gate: HoldGate | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._givers = givers
        self._gate = gate
        self._granting = Granting(clock, ids)

    async def preview(self, command: SendRewards) -> RewardPreview:
        """What the sender confirms: who, how much, total, and the budget before and after."""
        async with self._uow() as uow:
            programme = await uow.programmes.get(command.programme_id)
            budget = await uow.ledger.budget(programme.id)
            problems = await problems_of(uow, programme, command, self._clock.now())
        total = command.amount.minor * len(command.recipients)
        return RewardPreview(
            recipients=tuple(r.user.name or r.user.user_id for r in command.recipients),
            amount=command.amount,
            total=programme.money(total),
            budget_available=programme.money(max(budget.available, 0)),
            budget_after=programme.money(max(budget.available - total, 0)),
            programme_name=programme.name,
            problems=tuple(problems),
        )

    async def send(self, command: SendRewards) -> SendReport:
        """Reserve the budget and grant each reward, atomically; a repeated request key sends
        nothing twice."""
        await self._givers.may_send_from(command.giver, command.programme_id)
        return await self._send(command)

    async def send_trusted(self, command: SendRewards) -> SendReport:
        """A send no chat user made: an HR system with an operator-created API key (`api:<name>`) or
        the milestone job (`system:milestones`). The adapter or job vouches for it; the audit
        names it as giver."""
        await self._givers.trusted(command.giver, command.programme_id)
        return await self._send(command)

    async def send_approved(self, command: SendRewards, approving: Approving) -> SendReport:
        """Send what an approver approved: `approving` decides the approval in the same
        transaction."""
        return await self._send(command, approving)

    async def _send(self, command: SendRewards, approving: Approving | None = None) -> SendReport:
        return await retrying(lambda: self._send_once(command, approving), command.programme_id)

    async def _send_once(
        self, command: SendRewards, approving: Approving | None = None
    ) -> SendReport:
        async with self._uow() as uow:
            programme = await uow.programmes.get(command.programme_id)
            if command.amount.currency != programme.currency:
                raise CurrencyMismatch(
                    programme.id, programme.name, programme.currency, command.amount.currency
                )
            if approving is not None:
                await approving(uow)
            problems = await problems_of(uow, programme, command, self._clock.now())
            if problems:
                raise BudgetExceeded(programme.id, joined(problems))
            if approving is None and self._gate is not None:
                held = await self._gate.hold(uow, programme, command)
                if held is not None:
                    return await commit_held(uow, programme, held)
            sent, granted = [], []
            for recipient in command.recipients:
                reward = await self._granting.grant(uow, programme, command, recipient)
                if reward is not None:
                    sent.append(RewardSummary.of(reward, programme.name))
                    granted.append(reward)
            await shout_outs(uow, self._ids, programme, granted, command.shout_to)
            await uow.programmes.save(programme)
            budget = await uow.ledger.budget(programme.id)
            try:
                await uow.commit()
            except DuplicateRequest:
                raise ConcurrentUpdate(command.request_key) from None
        return SendReport(tuple(sent), (), programme.money(max(budget.available, 0)))
