"""What approvers and givers are told about an approval: outbox messages and the views they
render."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from core.approval_requests import (
    Approval,
    ApprovalStatus,
    view_of,
)
from core.identity import ConversationRef
from core.outbox import MessageKind, OutboxMessage
from core.ports import IdFactory, UnitOfWork
from core.refusals import Reason
from core.reward_sends import SendRewards
from core.views import ApprovalDecided, ApprovalRequest, ApprovalView


def message(
    ids: IdFactory,
    approval: Approval,
    kind: MessageKind,
    to: ConversationRef,
    now: datetime,
    whom: str = "giver",
) -> OutboxMessage:
    return OutboxMessage(
        id=ids.new_id("msg"),
        key=f"{approval.id}:{kind}:{whom}",
        kind=kind,
        order_id="",
        reward_id=approval.id,
        conversation=to,
        created_at=now,
        next_attempt_at=now,
    )


async def notice_view(
    uow: UnitOfWork, approval_id: str, approval: Approval | None = None
) -> ApprovalView:
    approval = approval or await uow.approvals.get(approval_id)
    programme = await uow.programmes.get(approval.programme_id)
    view = view_of(approval, programme, (await uow.ledger.budget(programme.id)).available)
    if approval.rows and approval.status is ApprovalStatus.APPROVED:
        view = replace(
            view, row_outcomes=tuple([await _row_outcome(uow, row) for row in approval.rows])
        )
    return view


async def _row_outcome(uow: UnitOfWork, row: SendRewards) -> str:
    """One approved file row as its giver reads it: whom, how much, and whether it went."""
    recipient = row.recipients[0]
    sent = (
        await uow.rewards.find_by_request_key(f"{row.request_key}:{recipient.user.key}") is not None
    )
    name = recipient.user.name or recipient.user.user_id
    return Reason("row_sent" if sent else "row_not_sent", name=name, amount=row.amount)


async def approval_notice(
    uow: UnitOfWork, kind: MessageKind, approval_id: str
) -> ApprovalRequest | ApprovalDecided:
    """What the outbox relay hands a chat sender for an approval message."""
    view = await notice_view(uow, approval_id)
    return ApprovalRequest(view) if kind is MessageKind.APPROVAL_REQUEST else ApprovalDecided(view)
