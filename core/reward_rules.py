"""The rules every reward send meets, from any channel: who, why, how much, and what the programme
allows."""

from __future__ import annotations

from datetime import datetime

from core.peer import peer_problems
from core.ports import UnitOfWork
from core.refusals import Reason
from core.reward_sends import MAX_REASON as MAX_REASON
from core.reward_sends import SendRewards
from core.rewards import Programme


async def problems_of(
    uow: UnitOfWork, programme: Programme, command: SendRewards, now: datetime
) -> list[Reason]:
    """Why `command` cannot be sent from `programme` as it stands; empty when it can."""
    problems: list[Reason] = []
    new = [
        r
        for r in command.recipients
        if await uow.rewards.find_by_request_key(f"{command.request_key}:{r.user.key}") is None
    ]
    new_keys = {f"{command.request_key}:{r.user.key}" for r in new}
    total = command.amount.minor * len(new)
    if not command.recipients:
        problems.append(Reason("no_recipient"))
    if any(r.user.same_person(command.giver) for r in command.recipients):
        problems.append(Reason("reward_self"))
    if not command.reason.strip() or len(command.reason) > MAX_REASON:
        problems.append(Reason("reason_length", maximum=MAX_REASON))
    if command.amount.currency != programme.currency:
        problems.append(
            Reason("programme_currency", programme=programme.name, currency=programme.currency)
        )
    if command.amount.minor <= 0:
        problems.append(Reason("not_positive"))
    if programme.per_reward_limit is not None and command.amount.minor > programme.per_reward_limit:
        problems.append(
            Reason("per_reward_limit", limit=programme.money(programme.per_reward_limit))
        )
    if programme.per_giver_monthly_limit is not None:
        month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        given = await uow.rewards.given_since(programme.id, command.giver.key, month)
        if given + total > programme.per_giver_monthly_limit:
            left = programme.money(max(programme.per_giver_monthly_limit - given, 0))
            problems.append(Reason("giver_monthly", left=left))
    recipients = [
        r.user.key for r in command.recipients if f"{command.request_key}:{r.user.key}" in new_keys
    ]
    problems += await peer_problems(
        uow, programme, command.giver.key, recipients, command.amount.minor, now
    )
    budget = await uow.ledger.budget(programme.id)
    if total > budget.available:
        problems.append(
            Reason(
                "budget",
                left=programme.money(max(budget.available, 0)),
                needed=programme.money(total),
            )
        )
    return problems
