"""Bolt listeners for an approver's Approve and Reject: one core call each, the card replaced by the outcome."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.chatkit import Background
from adapters.slack import action_ids as ids
from adapters.slack import translate
from adapters.slack.approval_blocks import approval_outcome_message
from adapters.slack.replies import Respond, after_ack, show
from adapters.slack.reward_blocks import notice
from core.approvals import Approvals
from core.errors import InvalidRequest, NotFound
from core.recognition import identity_of

Ack = Callable[..., Awaitable[Any]]
Body = dict[str, Any]


def register_approvals(app: AsyncApp, *, approvals: Approvals, work: Background) -> None:
    listeners = _ApprovalListeners(approvals, work)
    app.action(ids.APPROVAL_APPROVE)(listeners.approve)
    app.action(ids.APPROVAL_REJECT)(listeners.reject)
    app.action(ids.APPROVAL_NOTE)(listeners.typed)


def note_of(body: Body) -> str:
    """The reason typed on the card (Slack sends the message's input values with every button click)."""
    values = ((body.get("state") or {}).get("values") or {}).get(ids.APPROVAL_NOTE) or {}
    return str((values.get(ids.APPROVAL_NOTE) or {}).get("value") or "")


class _ApprovalListeners:
    def __init__(self, approvals: Approvals, work: Background) -> None:
        self._approvals = approvals
        self._work = work

    async def approve(self, ack: Ack, body: Body, action: Body, respond: Respond) -> None:
        await ack()
        approval_id, approver = str(action.get("value", "")), identity_of(translate.user_of(body))
        after_ack(
            self._work,
            self._decide(approval_id, respond, self._approvals.approve(approval_id, approver)),
            respond,
        )

    async def reject(self, ack: Ack, body: Body, action: Body, respond: Respond) -> None:
        await ack()
        approval_id, approver = str(action.get("value", "")), identity_of(translate.user_of(body))
        decision = self._approvals.reject(approval_id, approver, note_of(body))
        after_ack(self._work, self._decide(approval_id, respond, decision), respond)

    async def typed(self, ack: Ack) -> None:
        await ack()  # typing the reason is not a decision; Reject reads it

    async def _decide(
        self, approval_id: str, respond: Respond, decision: Awaitable[object]
    ) -> None:
        try:
            await decision
        except (
            InvalidRequest,
            NotFound,
        ) as exc:  # decided already, own request, expired: said as the core says
            await show(respond, notice(str(exc)))
            return
        await show(
            respond, approval_outcome_message(await self._approvals.view(approval_id)), replace=True
        )
