"""Paying part or all of an order from a reward: hold, settle, release and restore, with the ledger."""

from __future__ import annotations

from datetime import datetime

from core.audit import AuditRecord
from core.orders import Order
from core.ports import IdFactory, UnitOfWork
from core.rewards import LedgerEntry, LedgerKind, Reward, RewardNotSpendable


async def hold_reward(uow: UnitOfWork, order: Order, reward_id: str, now: datetime) -> Reward:
    """Set aside what the reward can cover of this order (the rest is paid by card)."""
    reward = await uow.rewards.get(reward_id)
    reward.check_spendable(order.buyer, now)
    if reward.amount.currency != order.amount.currency:
        raise RewardNotSpendable(reward.id, f"in {reward.amount.currency}, not {order.amount.currency},")
    portion = min(reward.available, order.amount.minor)
    reward.hold(portion)
    order.reward_id, order.reward_minor = reward.id, portion
    await uow.rewards.save(reward)
    return reward


async def settle_reward(uow: UnitOfWork, order: Order, ids: IdFactory, now: datetime) -> None:
    """The order is paid: what was held is spent, and the budget records the debit."""
    if not order.reward_id or not order.reward_minor:
        return
    reward = await uow.rewards.get(order.reward_id)
    reward.spend(order.reward_minor)
    await uow.rewards.save(reward)
    await _entry(uow, ids, reward, LedgerKind.DEBIT, order, now)


async def release_reward(uow: UnitOfWork, order: Order) -> None:
    """The order will never be paid: what was held can be spent on another order."""
    if not order.reward_id or not order.reward_minor:
        return
    reward = await uow.rewards.get(order.reward_id)
    reward.release(order.reward_minor)
    await uow.rewards.save(reward)


async def restore_reward(uow: UnitOfWork, order: Order, ids: IdFactory, now: datetime) -> None:
    """The order was refunded: the reward's share goes back onto the reward."""
    if not order.reward_id or not order.reward_minor:
        return
    reward = await uow.rewards.get(order.reward_id)
    reward.restore(order.reward_minor)
    await uow.rewards.save(reward)
    await _entry(uow, ids, reward, LedgerKind.RESTORE, order, now)


async def _entry(uow: UnitOfWork, ids: IdFactory, reward: Reward, kind: LedgerKind, order: Order, now: datetime) -> None:
    entry = LedgerEntry(ids.new_id("led"), reward.programme_id, kind, order.reward_minor, now, "system", reward.id, order.id)
    await uow.ledger.add(entry)
    uow.audit.record(
        AuditRecord("system", f"budget.{kind}", reward.id, None, {"order": order.id, "minor": order.reward_minor})
    )
