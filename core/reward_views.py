"""Read models of rewards, approvals and shout-outs: what a giver, recipient or approver is
shown."""

from __future__ import annotations

from dataclasses import dataclass

from core.money import Money
from core.rewards import Reward


@dataclass(frozen=True)
class RewardSummary:
    """A reward as its recipient (or its giver) sees it."""

    reward_id: str
    giver_name: str
    recipient_name: str
    amount: Money
    available: Money
    reason: str
    status: str
    expires_on: str  # YYYY-MM-DD
    programme_name: str = ""

    @classmethod
    def of(cls, reward: Reward, programme_name: str = "") -> RewardSummary:
        return cls(
            reward_id=reward.id,
            giver_name=reward.giver.name or "a colleague",
            recipient_name=reward.recipient.name,
            amount=reward.amount,
            available=Money(max(reward.available, 0), reward.amount.currency),
            reason=reward.reason,
            status=str(reward.status),
            expires_on=reward.expires_at.date().isoformat(),
            programme_name=programme_name,
        )

    @property
    def spendable(self) -> bool:
        return self.status in ("sent", "opened") and self.available.minor > 0


@dataclass(frozen=True)
class RewardNotice:
    """The message a recipient gets: who thanked them and why, the amount, the expiry, a button."""

    reward: RewardSummary
    reminder: bool = False


@dataclass(frozen=True)
class RewardUndeliverable:
    """Told to the giver: the bot could not reach a recipient (e.g. Teams app not installed for
    them)."""

    reward: RewardSummary
    error: str


@dataclass(frozen=True)
class RewardPreview:
    """What the sender confirms before anything is sent."""

    recipients: tuple[str, ...]
    amount: Money
    total: Money
    budget_available: Money
    budget_after: Money
    programme_name: str
    problems: tuple[str, ...] = ()

    @property
    def can_send(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ApprovalView:
    """A send held for an approver: who asked, for whom, how much, why, and the budget once it is
    sent."""

    approval_id: str
    giver_name: str
    recipients: tuple[str, ...]
    amount: Money
    total: Money
    reason: str
    programme_name: str
    budget_after: Money
    status: str
    expires_at: str  # ISO 8601, UTC
    decided_by: str = ""
    note: str = ""  # the approver's reason for a rejection
    rows: int = (
        0  # a bulk file's rows held as one request (amounts may differ by row); 0 for one send
    )
    row_outcomes: tuple[str, ...] = ()  # an approved file, row by row: "Ada: $25.00 sent"

    @property
    def pending(self) -> bool:
        return self.status == "pending"


@dataclass(frozen=True)
class ApprovalRequest:
    """The card an approver gets, with Approve and Reject."""

    approval: ApprovalView


@dataclass(frozen=True)
class ApprovalDecided:
    """Told to the giver: their request was approved (and sent), rejected with a reason, or
    expired."""

    approval: ApprovalView


@dataclass(frozen=True)
class ShoutOut:
    """A public thank-you in the channel a peer reward was given in: who thanked whom and why, no
    amount."""

    giver_name: str
    recipient_name: str
    reason: str


@dataclass(frozen=True)
class SendReport:
    sent: tuple[RewardSummary, ...]
    refused: tuple[tuple[str, str], ...]  # (recipient, reason)
    budget_left: Money
    pending: ApprovalView | None = None  # the programme holds this send for an approver
