"""An approval request: a held send, the policy that holds it, and the decision taken on it once."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from core.errors import InvalidRequest
from core.identity import identity_of
from core.refusals import Reason
from core.reward_sends import SendRewards
from core.rewards import Programme
from core.views import ApprovalView

DEFAULT_TTL = timedelta(hours=48)
MAX_NOTE = 500


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


class ApprovalRefused(InvalidRequest):
    """An approver's decision cannot be taken: decided already, their own request, expired, not an
    approver."""

    def __init__(self, approval_id: str, reason: str) -> None:
        super().__init__(reason)
        self.approval_id = approval_id
        self.reason = reason  # a core.refusals.Reason: the channel words it


@dataclass(frozen=True)
class ApprovalPolicy:
    """When a programme's sends wait for approval, and who may approve them (amounts in minor
    units)."""

    programme_id: str
    approvers: tuple[str, ...]
    above: int | None = None  # per recipient
    above_total: int | None = None  # per send
    people_above: int | None = None  # recipients in one send (a channel, a group)
    ttl: timedelta = DEFAULT_TTL

    def requires_for_file(self, people: int) -> bool:
        """A file of rewards is held whole when it reaches more people than one send may alone."""
        return self.people_above is not None and people > self.people_above

    def requires(self, amount_minor: int, people: int) -> bool:
        return (
            (self.above is not None and amount_minor > self.above)
            or (self.above_total is not None and amount_minor * people > self.above_total)
            or (self.people_above is not None and people > self.people_above)
        )


@dataclass
class Approval:
    """One held send; decided once, by an approver who is not its giver, before it expires."""

    id: str
    programme_id: str
    command: SendRewards
    requested_at: datetime
    expires_at: datetime
    approvers: tuple[str, ...]
    status: ApprovalStatus = ApprovalStatus.PENDING
    decided_by: str = ""
    decided_at: datetime | None = None
    note: str = ""
    version: int = 0
    events: list[str] = field(default_factory=list, compare=False)
    # A bulk file's rows, each its own send; `command` then summarises them (every recipient, the
    # giver).
    rows: tuple[SendRewards, ...] = ()

    @property
    def total(self) -> int:
        if self.rows:
            return sum(row.amount.minor * len(row.recipients) for row in self.rows)
        return self.command.amount.minor * len(self.command.recipients)

    @property
    def giver(self) -> str:
        return identity_of(self.command.giver)

    def approve(self, approver: str, now: datetime) -> None:
        self._check_decidable(approver, now)
        self._decide(ApprovalStatus.APPROVED, approver, now, "")

    def reject(self, approver: str, note: str, now: datetime) -> None:
        if not note.strip() or len(note) > MAX_NOTE:
            raise ApprovalRefused(self.id, Reason("reject_note", maximum=MAX_NOTE))
        self._check_decidable(approver, now)
        self._decide(ApprovalStatus.REJECTED, approver, now, note.strip())

    def expire(self, now: datetime) -> None:
        if self.status is ApprovalStatus.PENDING and now >= self.expires_at:
            self._decide(ApprovalStatus.EXPIRED, "system", now, "")

    def _check_decidable(self, approver: str, now: datetime) -> None:
        if self.status is not ApprovalStatus.PENDING:
            if self.decided_by in ("", "system"):
                raise ApprovalRefused(self.id, Reason("already_decided", status=str(self.status)))
            raise ApprovalRefused(
                self.id,
                Reason("already_decided_by", status=str(self.status), by=self.decided_by),
            )
        if now >= self.expires_at:
            raise ApprovalRefused(self.id, Reason("approval_expired"))
        if approver == self.giver:
            raise ApprovalRefused(self.id, Reason("own_request"))
        if approver not in self.approvers:
            raise ApprovalRefused(self.id, Reason("not_approver"))

    def _decide(self, status: ApprovalStatus, by: str, now: datetime, note: str) -> None:
        self.status, self.decided_by, self.decided_at, self.note = status, by, now, note
        self.events.append(f"approval.{status}")


def view_of(approval: Approval, programme: Programme, budget_available: int) -> ApprovalView:
    command = approval.command
    return ApprovalView(
        approval_id=approval.id,
        giver_name=command.giver.name or identity_of(command.giver),
        recipients=tuple(r.user.name or r.user.user_id for r in command.recipients),
        amount=command.amount,
        total=programme.money(approval.total),
        reason=command.reason,
        programme_name=programme.name,
        budget_after=programme.money(max(budget_available, 0)),
        status=str(approval.status),
        expires_at=approval.expires_at.isoformat(),
        decided_by=approval.decided_by,
        note=approval.note,
        rows=len(approval.rows),
    )


def parse_approvers(text: str, platforms: Collection[str]) -> tuple[str, ...]:
    """`slack:U…,teams:<aad id>` as typed in the CLI or dashboard; refused unless each names one of
    `platforms` (the chat platforms the bot serves)."""
    approvers = tuple(dict.fromkeys(a.strip() for a in text.split(",") if a.strip()))
    bad = [a for a in approvers if a.partition(":")[0] not in platforms or not a.partition(":")[2]]
    if not approvers or bad:
        named = ",".join(f"{platform}:<user id>" for platform in sorted(platforms))
        raise InvalidRequest(f"Name approvers as {named}.")
    return approvers
