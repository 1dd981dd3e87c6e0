"""Adaptive Cards for approvals: the approver's card (Approve / Reject with a reason) and the
giver's news.

The same rules as cards.py: version 1.2 elements, Action.Submit buttons (the reason input rides
along).
"""

from __future__ import annotations

from datetime import datetime

from adapters.i18n import ENGLISH, Localizer, words
from adapters.i18n.refusal_words import said
from adapters.teams.answer import Answer, Card
from adapters.teams.approval_translate import NOTE, ApprovalIntent, ApproveRequest
from adapters.teams.cards import Element, _card, _facts, _submit, _subtle, _text, _title
from core.approvals import Approvals
from core.errors import InvalidRequest, NotFound
from core.identity import ChatUser, identity_of
from core.views import ApprovalView, ShoutOut

MAX_ROWS_SHOWN = 40  # a card stays well under Teams' 28 KB


def _outcome(view: ApprovalView, loc: Localizer) -> str:
    by, note = view.decided_by, view.note
    said = {
        "approved": loc._("Approved by {by}; the rewards are sent.", by=by),
        "rejected": loc._("Rejected by {by}: {note}", by=by, note=note),
        "expired": loc._(
            "Expired before anyone decided; the budget is released and nothing was sent."
        ),
    }
    return said.get(view.status, view.status)


def _told(view: ApprovalView, loc: Localizer) -> str:
    to, note = ", ".join(view.recipients), view.note
    said = {
        "approved": loc._("Your rewards to {to} were approved and sent.", to=to),
        "rejected": loc._("Your rewards to {to} were rejected: {note}", to=to, note=note),
        "expired": loc._("Your rewards to {to} expired unapproved; nothing was sent.", to=to),
    }
    return said.get(view.status, view.status)


def _each(view: ApprovalView, loc: Localizer) -> tuple[str, str]:
    if view.rows:
        return (loc._("Rows"), loc.number(view.rows))
    return (loc._("Each"), loc.money(view.amount))


def _about(view: ApprovalView, loc: Localizer) -> Element:
    return _facts(
        (loc._("From"), view.giver_name),
        (loc._("To"), ", ".join(view.recipients)),
        _each(view, loc),
        (loc._("Total"), loc.money(view.total)),
        (loc._("Programme"), view.programme_name),
        (loc._("Budget after"), loc.money(view.budget_after)),
    )


def approval_request_card(view: ApprovalView, loc: Localizer = ENGLISH) -> Card:
    """Who, whom, how much, why and the budget after; Approve, or Reject with the reason typed."""
    when = loc.datetime(datetime.fromisoformat(view.expires_at))
    body: list[Element] = [
        _title(loc._("A reward needs your approval")),
        _about(view, loc),
        _text(f"“{view.reason}”", isSubtle=True),
        {
            "type": "Input.Text",
            "id": NOTE,
            "placeholder": loc._("Reason (to reject)"),
            "maxLength": 500,
            "isMultiline": True,
        },
        _subtle(loc._("Expires {when} (UTC); until then the budget is reserved.", when=when)),
    ]
    actions = [
        _submit(loc._("Approve"), "approval-approve", approval=view.approval_id),
        _submit(loc._("Reject"), "approval-reject", approval=view.approval_id),
    ]
    return _card(body, actions)


def approval_outcome_card(view: ApprovalView, loc: Localizer = ENGLISH) -> Card:
    return _card([_title(_outcome(view, loc)), _about(view, loc)], [])


def approval_decided_card(view: ApprovalView, loc: Localizer = ENGLISH) -> Card:
    each = (
        loc._("{count} rows of a file", count=loc.number(view.rows))
        if view.rows
        else loc._("{amount} each", amount=loc.money(view.amount))
    )
    summary = loc._(
        "{each}, {total} in all, for: {reason}",
        each=each,
        total=loc.money(view.total),
        reason=f"“{view.reason}”",
    )
    body = [_title(_told(view, loc)), _subtle(summary)]
    body += [
        _text(said(line, loc)) for line in view.row_outcomes[:MAX_ROWS_SHOWN]
    ]  # an approved file, row by row
    return _card(body, [])


def pending_card(view: ApprovalView, loc: Localizer = ENGLISH) -> Card:
    """The giver's Send, held for an approver."""
    body: list[Element] = [
        _title(loc._("Waiting for approval")),
        _facts(
            (loc._("To"), ", ".join(view.recipients)),
            _each(view, loc),
            (loc._("Reserved"), loc.money(view.total)),
        ),
        _text(
            loc._(
                "An approver decides; I'll tell you what they say. The budget is reserved "
                "meanwhile."
            )
        ),
    ]
    return _card(body, [])


async def decide(
    approvals: Approvals | None,
    intent: ApprovalIntent,
    approver: ChatUser,
    loc: Localizer = ENGLISH,
) -> Answer:
    """An approver's press: one core call; the card becomes the outcome, a refusal is said as the
    core says."""
    if approvals is None:
        return Answer(text=loc._("Approvals are not switched on for this bot."), replaces=False)
    who = identity_of(approver)
    try:
        if isinstance(intent, ApproveRequest):
            await approvals.approve(intent.approval_id, who)
        else:
            await approvals.reject(intent.approval_id, who, intent.note)
    except (InvalidRequest, NotFound) as exc:
        return Answer(text=words.error_text(exc, loc), replaces=False)
    return Answer(approval_outcome_card(await approvals.view(intent.approval_id), loc))


def shout_out_card(shout: ShoutOut, loc: Localizer = ENGLISH) -> Card:
    """A peer thank-you in the conversation it was given in: who, whom and why; never an amount or a
    code."""
    thanked = loc._(
        "{giver} thanked {recipient}", giver=shout.giver_name, recipient=shout.recipient_name
    )
    return _card([_title(thanked), _text(f"“{shout.reason}”")], [])
