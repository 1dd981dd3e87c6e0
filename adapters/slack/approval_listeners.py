"""Bolt listeners for an approver's Approve and Reject: one core call each, the card replaced by the
outcome."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.chatkit import Background
from adapters.i18n import Localizer, words
from adapters.slack import action_ids as ids
from adapters.slack import translate
from adapters.slack.approval_blocks import approval_outcome_message
from adapters.slack.locales import SlackLocales
from adapters.slack.replies import Respond, after_ack, show
from adapters.slack.reward_blocks import notice
from core.approvals import Approvals
from core.errors import InvalidRequest, NotFound
from core.identity import identity_of

Ack = Callable[..., Awaitable[Any]]
Body = dict[str, Any]


def register_approvals(
    app: AsyncApp, *, approvals: Approvals, work: Background, locales: SlackLocales | None = None
) -> None:
    listeners = _ApprovalListeners(approvals, work, locales or SlackLocales())
    app.action(ids.APPROVAL_APPROVE)(listeners.approve)
    app.action(ids.APPROVAL_REJECT)(listeners.reject)
    app.action(ids.APPROVAL_NOTE)(listeners.typed)


def note_of(body: Body) -> str:
    """The reason typed on the card (Slack sends the message's input values with every button
    click)."""
    values = ((body.get("state") or {}).get("values") or {}).get(ids.APPROVAL_NOTE) or {}
    return str((values.get(ids.APPROVAL_NOTE) or {}).get("value") or "")


class _ApprovalListeners:
    def __init__(self, approvals: Approvals, work: Background, locales: SlackLocales) -> None:
        self._approvals = approvals
        self._work = work
        self._locales = locales

    async def approve(
        self, ack: Ack, body: Body, action: Body, respond: Respond, client: AsyncWebClient
    ) -> None:
        await ack()
        user = translate.user_of(body)
        approval_id, approver = str(action.get("value", "")), identity_of(user)
        decision = self._approvals.approve(approval_id, approver)
        loc = self._locales.of(client, user.tenant, user.user_id)
        after_ack(self._work, self._decide(approval_id, respond, decision, loc), respond)

    async def reject(
        self, ack: Ack, body: Body, action: Body, respond: Respond, client: AsyncWebClient
    ) -> None:
        await ack()
        user = translate.user_of(body)
        approval_id, approver = str(action.get("value", "")), identity_of(user)
        decision = self._approvals.reject(approval_id, approver, note_of(body))
        loc = self._locales.of(client, user.tenant, user.user_id)
        after_ack(self._work, self._decide(approval_id, respond, decision, loc), respond)

    async def typed(self, ack: Ack) -> None:
        await ack()  # typing the reason is not a decision; Reject reads it

    async def _decide(
        self,
        approval_id: str,
        respond: Respond,
        decision: Awaitable[object],
        locale: Awaitable[Localizer],
    ) -> None:
        loc = await locale
        try:
            await decision
        except (InvalidRequest, NotFound) as exc:  # decided already, own request, expired
            await show(respond, notice(words.error_text(exc, loc)))
            return
        outcome = approval_outcome_message(await self._approvals.view(approval_id), loc)
        await show(respond, outcome, replace=True)
