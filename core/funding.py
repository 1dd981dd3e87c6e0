"""Paying part or all of an order from a reward: hold, settle, release and restore, with the
ledger."""

from __future__ import annotations

from datetime import datetime

from core.audit import AuditRecord
from core.errors import InvalidRequest
from core.fx import Quote
from core.money import Money
from core.orders import Order
from core.ports import IdFactory, UnitOfWork
from core.rewards import LedgerEntry, LedgerKind, Reward, RewardNotSpendable


async def hold_reward(
    uow: UnitOfWork, order: Order, reward_id: str, now: datetime, fx: Quote | None = None
) -> Reward:
    """Set aside what the reward can cover of this order (the rest is paid by card, if the programme
    allows it). A reward in another currency pays at the quote `fx`, locked here, and in full
    only."""
    reward = await uow.rewards.get(reward_id)
    reward.check_spendable(order.buyer, now)
    programme = await uow.programmes.get(reward.programme_id)
    if reward.amount.currency != order.amount.currency:
        _hold_converted(reward, order, fx)
    else:
        portion = min(reward.available, order.amount.minor)
        if portion < order.amount.minor and not programme.card_topup:
            raise CardTopUpNotAllowed(reward.id, Money(reward.available, reward.amount.currency))
        reward.hold(portion)
        order.reward_id, order.reward_minor = reward.id, portion
    await uow.rewards.save(reward)
    return reward


def _hold_converted(reward: Reward, order: Order, fx: Quote | None) -> None:
    if fx is None or fx.target != order.amount or fx.charged.currency != reward.amount.currency:
        raise RewardNotSpendable(
            reward.id, f"in {reward.amount.currency}, not {order.amount.currency},"
        )
    if fx.charged.minor > reward.available:
        raise ConvertedAboveReward(reward.id, fx, Money(reward.available, reward.amount.currency))
    reward.hold(fx.charged.minor)
    order.reward_id, order.reward_minor, order.fx = reward.id, order.amount.minor, fx


async def settle_reward(uow: UnitOfWork, order: Order, ids: IdFactory, now: datetime) -> None:
    """The order is paid: what was held is spent, and the budget records the debit."""
    if not order.reward_id or not order.reward_minor:
        return
    reward = await uow.rewards.get(order.reward_id)
    reward.spend(order.reward_charge)
    await uow.rewards.save(reward)
    await _entry(uow, ids, reward, LedgerKind.DEBIT, order, now)


async def release_reward(uow: UnitOfWork, order: Order) -> None:
    """The order will never be paid: what was held can be spent on another order."""
    if not order.reward_id or not order.reward_minor:
        return
    reward = await uow.rewards.get(order.reward_id)
    reward.release(order.reward_charge)
    await uow.rewards.save(reward)


async def restore_reward(uow: UnitOfWork, order: Order, ids: IdFactory, now: datetime) -> None:
    """The order was refunded: the reward's share goes back onto the reward."""
    if not order.reward_id or not order.reward_minor:
        return
    reward = await uow.rewards.get(order.reward_id)
    reward.restore(order.reward_charge)
    await uow.rewards.save(reward)
    await _entry(uow, ids, reward, LedgerKind.RESTORE, order, now)


async def _entry(
    uow: UnitOfWork, ids: IdFactory, reward: Reward, kind: LedgerKind, order: Order, now: datetime
) -> None:
    minor = order.reward_charge
    entry = LedgerEntry(
        ids.new_id("led"),
        reward.programme_id,
        kind,
        minor,
        now,
        "system",
        reward.id,
        order.id,
        fx=order.fx,
    )
    await uow.ledger.add(entry)
    facts: dict[str, object] = {"order": order.id, "minor": minor}
    if order.fx is not None:
        facts |= {"voucher": order.fx.target.label(), "rate": order.fx.label()}
    uow.audit.record(AuditRecord("system", f"budget.{kind}", reward.id, None, facts))


class CardTopUpNotAllowed(InvalidRequest):
    """The voucher costs more than the reward and its programme pays nothing by card."""

    def __init__(self, reward_id: str, available: Money) -> None:
        super().__init__(
            f"Your reward covers up to {available}. Choose a voucher of that amount or less: "
            "this programme does not take card payments."
        )
        self.reward_id = reward_id
        self.available = available


class ConvertedAboveReward(InvalidRequest):
    """A voucher in another currency, converted, costs more than the reward has left."""

    def __init__(self, reward_id: str, quote: Quote, available: Money) -> None:
        super().__init__(
            f"{quote.target} costs {quote.charged} at {quote.label()}, more than the {available} "
            f"left "
            "on your reward. Choose a smaller amount."
        )
        self.reward_id = reward_id
        self.quote = quote
        self.available = available
