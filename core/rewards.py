"""Rewards: grants from a giver to a recipient, programmes, and the budget ledger behind them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.errors import InvalidRequest, RewardNotFound
from core.fx import Quote
from core.identity import ChatUser, ConversationRef
from core.money import Money


class RewardStatus(StrEnum):
    SCHEDULED = "scheduled"  # a gift's, funded but not yet announced: its recipient cannot see it
    SENT = "sent"
    OPENED = "opened"
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    WITHDRAWN = "withdrawn"  # a scheduled one called back (its gift cancelled) before it was seen


SPENDABLE = frozenset({RewardStatus.SENT, RewardStatus.OPENED})
UNSEEN = frozenset({RewardStatus.SCHEDULED, RewardStatus.WITHDRAWN})  # by their recipient, ever
NOT_GIVEN = frozenset({RewardStatus.CANCELLED, RewardStatus.WITHDRAWN})  # in a giver's totals


class RewardNotSpendable(InvalidRequest):
    """The reward is redeemed, expired or cancelled, or has nothing left."""

    def __init__(self, reward_id: str, status: str) -> None:
        super().__init__(f"This reward is {status} and cannot be spent.")
        self.reward_id = reward_id
        self.status = status


class NotRewardRecipient(InvalidRequest):
    """Someone other than the recipient tried to spend a reward."""

    def __init__(self, reward_id: str) -> None:
        super().__init__("Only the person who received this reward can spend it.")
        self.reward_id = reward_id


class NotRewardAdmin(InvalidRequest):
    """The sender is not allowed to send rewards."""

    def __init__(self, identity: str) -> None:
        super().__init__("Only reward admins can send rewards. Ask your HR team to add you.")
        self.identity = identity


class BudgetExceeded(InvalidRequest):
    """The programme's budget (or a limit) does not cover what was asked."""

    def __init__(self, programme_id: str, reason: str) -> None:
        super().__init__(reason)
        self.programme_id = programme_id


class CurrencyMismatch(InvalidRequest):
    """The amount is in a currency other than the one its programme pays in."""

    def __init__(
        self, programme_id: str, name: str, programme_currency: str, currency: str
    ) -> None:
        super().__init__(f"The {name} programme pays in {programme_currency}, not {currency}.")
        self.programme_id = programme_id
        self.programme_currency = programme_currency
        self.name = name
        self.currency = currency


@dataclass
class Programme:
    """A budget with a currency and rules: default expiry, per-reward and per-giver monthly
    limits."""

    id: str
    name: str
    currency: str
    expiry_days: int = 90
    per_reward_limit: int | None = None
    per_giver_monthly_limit: int | None = None
    version: int = 0
    fx_margin_bps: int = (
        0  # added to the exchange rate when a reward buys a voucher in another currency
    )
    card_topup: bool = (
        False  # may a recipient pay by card for a voucher worth more than the reward?
    )

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)


class LedgerKind(StrEnum):
    CREDIT = "credit"  # money added to the budget
    RESERVE = "reserve"  # available → reserved, when a reward is sent
    RELEASE = "release"  # reserved → available, when a reward expires or is cancelled
    DEBIT = "debit"  # reserved → spent, when a reward pays for an order
    RESTORE = "restore"  # spent → reserved, when an order paid by a reward is refunded


@dataclass(frozen=True)
class LedgerEntry:
    """One movement of a programme's budget; the balance is always the sum, never a stored
    number."""

    id: str
    programme_id: str
    kind: LedgerKind
    minor: int
    at: datetime
    actor: str
    reward_id: str = ""
    order_id: str = ""
    note: str = ""
    fx: Quote | None = (
        None  # a debit or restore in another currency: both amounts, the rate, its source and time
    )


@dataclass(frozen=True)
class Budget:
    credited: int = 0
    reserved: int = 0
    spent: int = 0

    @property
    def available(self) -> int:
        return self.credited - self.reserved - self.spent

    @classmethod
    def of(cls, entries: Iterable[LedgerEntry]) -> Budget:
        totals = dict.fromkeys(LedgerKind, 0)
        for entry in entries:
            totals[entry.kind] += entry.minor
        reserved = (
            totals[LedgerKind.RESERVE]
            - totals[LedgerKind.RELEASE]
            - totals[LedgerKind.DEBIT]
            + totals[LedgerKind.RESTORE]
        )
        spent = totals[LedgerKind.DEBIT] - totals[LedgerKind.RESTORE]
        return cls(totals[LedgerKind.CREDIT], reserved, spent)


@dataclass(frozen=True)
class Recipient:
    """Who gets a reward, and where the bot can reach them privately."""

    user: ChatUser
    conversation: ConversationRef


@dataclass
class Reward:
    """A grant of `amount` from `giver` to `recipient`; spent by one or more orders, by its
    recipient only."""

    id: str
    programme_id: str
    giver: ChatUser
    recipient: ChatUser
    conversation: ConversationRef
    amount: Money
    reason: str
    created_at: datetime
    expires_at: datetime
    request_key: str
    status: RewardStatus = RewardStatus.SENT
    spent: int = 0
    held: int = 0
    version: int = 0
    giver_conversation: ConversationRef | None = (
        None  # where to tell the giver if the recipient is unreachable
    )

    @property
    def available(self) -> int:
        """What is left to spend, not counting amounts held by orders awaiting card payment."""
        return self.amount.minor - self.spent - self.held

    @property
    def unspent(self) -> int:
        return self.amount.minor - self.spent

    @property
    def visible(self) -> bool:
        """Whether its recipient may know of it: a scheduled gift stays a surprise until its
        notice is sent, and one cancelled before then stays unknown."""
        return self.status not in UNSEEN

    def check_spendable(self, user: ChatUser, now: datetime) -> None:
        if not self.recipient.same_person(user):
            raise NotRewardRecipient(self.id)
        if not self.visible:
            raise RewardNotFound(self.id)  # a forged button learns nothing of a gift to come
        if self.status not in SPENDABLE or now >= self.expires_at or self.available <= 0:
            status = (
                "expired"
                if now >= self.expires_at and self.status in SPENDABLE
                else str(self.status)
            )
            raise RewardNotSpendable(
                self.id, "used up" if self.available <= 0 and status in SPENDABLE else status
            )

    def hold(self, minor: int) -> None:
        """Set aside part of the reward for an order until its card payment settles."""
        assert 0 < minor <= self.available
        self.held += minor
        self.status = RewardStatus.OPENED

    def release(self, minor: int) -> None:
        self.held -= min(minor, self.held)

    def spend(self, minor: int) -> None:
        """A held amount paid for an order: it is spent now."""
        self.release(minor)
        self.spent += minor
        if self.unspent == 0:
            self.status = RewardStatus.REDEEMED

    def restore(self, minor: int) -> None:
        """An order paid with this reward was refunded: the amount can be spent again."""
        self.spent -= min(minor, self.spent)
        if self.status is RewardStatus.REDEEMED and self.unspent > 0:
            self.status = RewardStatus.OPENED

    def announced(self) -> None:
        """Its notice was sent: from now on its recipient sees it and may spend it."""
        if self.status is RewardStatus.SCHEDULED:
            self.status = RewardStatus.SENT

    def withdraw(self) -> int:
        """A scheduled reward called back before it was announced (its gift was cancelled);
        returns the amount to take out of the budget (none of it can have been spent)."""
        if self.status is not RewardStatus.SCHEDULED:
            raise RewardNotSpendable(self.id, str(self.status))
        self.status = RewardStatus.WITHDRAWN
        return self.amount.minor

    def close(self, status: RewardStatus) -> int:
        """Expire or cancel; returns the unspent amount to release back to the budget."""
        if self.status not in SPENDABLE:
            raise RewardNotSpendable(self.id, str(self.status))
        self.status = status
        return self.unspent
