"""Peer recognition: programmes everyone may give from, within a monthly allowance per person.

A programme with a `PeerPolicy` is a peer programme: any colleague (not only reward admins) may
thank others from it, up to `monthly_allowance` a calendar month (UTC) in all, and up to
`per_recipient_monthly` to any one colleague; nobody may thank themselves (core.reward_rules).
With `shout_out`, each reward is also announced where it was given: who thanked whom and why,
never the amount and never a code. The rules here are called from core.reward_rules and
core.reward_sender, so every channel applies them without a copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.identity import ConversationRef
from core.outbox import MessageKind, OutboxMessage
from core.peer_policy import PeerPolicy as PeerPolicy
from core.ports import IdFactory, UnitOfWork
from core.refusals import Reason
from core.rewards import Programme, Reward
from core.views import ShoutOut


def month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def peer_problems(
    uow: UnitOfWork,
    programme: Programme,
    giver_key: str,
    recipient_keys: Sequence[str],
    minor: int,
    now: datetime,
) -> list[Reason]:
    """Why a peer send goes beyond the giver's allowance this month; empty when it does not (or no
    policy)."""
    policy = await uow.peer_policies.get(programme.id)
    if policy is None:
        return []
    since = month_start(now)
    problems: list[Reason] = []
    given = await uow.rewards.given_since(programme.id, giver_key, since)
    if given + minor * len(recipient_keys) > policy.monthly_allowance:
        left = programme.money(max(policy.monthly_allowance - given, 0))
        problems.append(Reason("peer_allowance", programme=programme.name, left=left))
    if policy.per_recipient_monthly is not None:
        for key in recipient_keys:
            to_them = await uow.rewards.given_to_since(programme.id, giver_key, key, since)
            if to_them + minor > policy.per_recipient_monthly:
                most = programme.money(policy.per_recipient_monthly)
                problems.append(Reason("peer_per_colleague", most=most, programme=programme.name))
                break
    return problems


async def shout_outs(
    uow: UnitOfWork,
    ids: IdFactory,
    programme: Programme,
    rewards: Sequence[Reward],
    where: ConversationRef | None,
) -> None:
    """Announce each reward where it was given, if the programme says so."""
    if not rewards or where is None:
        return
    policy = await uow.peer_policies.get(programme.id)
    if policy is None or not policy.shout_out:
        return
    for reward in rewards:
        await uow.outbox.add(
            OutboxMessage(
                id=ids.new_id("msg"),
                key=f"{reward.id}:{MessageKind.PEER_SHOUT_OUT}",
                kind=MessageKind.PEER_SHOUT_OUT,
                order_id="",
                reward_id=reward.id,
                conversation=where,
                created_at=reward.created_at,
                next_attempt_at=reward.created_at,
            )
        )


def shout_out_of(reward: Reward) -> ShoutOut:
    """Who thanked whom and why: no amount, no code."""
    return ShoutOut(
        reward.giver.name or "A colleague", reward.recipient.name or "a colleague", reward.reason
    )
