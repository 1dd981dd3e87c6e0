"""Adaptive Cards for approvals: the approver's card (Approve / Reject with a reason) and the giver's news.

The same rules as cards.py: version 1.2 elements, Action.Submit buttons (the reason input rides along).
"""

from __future__ import annotations

from adapters.teams.answer import Answer, Card
from adapters.teams.approval_translate import NOTE, ApprovalIntent, ApproveRequest
from adapters.teams.cards import Element, _card, _facts, _submit, _subtle, _text, _title
from core.approvals import Approvals
from core.errors import InvalidRequest, NotFound
from core.identity import ChatUser
from core.recognition import identity_of
from core.views import ApprovalView, ShoutOut

OUTCOMES = {
    "approved": "Approved by {by}; the rewards are sent.",
    "rejected": "Rejected by {by}: {note}",
    "expired": "Expired before anyone decided; the budget is released and nothing was sent.",
}
TOLD = {
    "approved": "Your rewards to {to} were approved and sent.",
    "rejected": "Your rewards to {to} were rejected: {note}",
    "expired": "Your rewards to {to} expired unapproved; nothing was sent.",
}


def _about(view: ApprovalView) -> Element:
    return _facts(
        ("From", view.giver_name),
        ("To", ", ".join(view.recipients)),
        ("Rows", str(view.rows)) if view.rows else ("Each", view.amount.label()),
        ("Total", view.total.label()),
        ("Programme", view.programme_name),
        ("Budget after", view.budget_after.label()),
    )


def approval_request_card(view: ApprovalView) -> Card:
    """Who, whom, how much, why and the budget after; Approve, or Reject with the reason typed."""
    body: list[Element] = [
        _title("A reward needs your approval"),
        _about(view),
        _text(f"“{view.reason}”", isSubtle=True),
        {
            "type": "Input.Text",
            "id": NOTE,
            "placeholder": "Reason (to reject)",
            "maxLength": 500,
            "isMultiline": True,
        },
        _subtle(
            f"Expires {view.expires_at[:16].replace('T', ' ')} UTC; until then the budget is reserved."
        ),
    ]
    actions = [
        _submit("Approve", "approval-approve", approval=view.approval_id),
        _submit("Reject", "approval-reject", approval=view.approval_id),
    ]
    return _card(body, actions)


def approval_outcome_card(view: ApprovalView) -> Card:
    outcome = OUTCOMES.get(view.status, view.status).format(by=view.decided_by, note=view.note)
    return _card([_title(outcome), _about(view)], [])


def approval_decided_card(view: ApprovalView) -> Card:
    told = TOLD.get(view.status, view.status).format(to=", ".join(view.recipients), note=view.note)
    each = f"{view.rows} rows of a file" if view.rows else f"{view.amount.label()} each"
    body = [_title(told), _subtle(f"{each}, {view.total.label()} in all: “{view.reason}”")]
    body += [
        _text(line) for line in view.row_outcomes[:MAX_ROWS_SHOWN]
    ]  # an approved file, row by row
    return _card(body, [])


MAX_ROWS_SHOWN = 40  # a card stays well under Teams' 28 KB


def pending_card(view: ApprovalView) -> Card:
    """The giver's Send, held for an approver."""
    body: list[Element] = [
        _title("Waiting for approval"),
        _facts(
            ("To", ", ".join(view.recipients)),
            ("Rows", str(view.rows)) if view.rows else ("Each", view.amount.label()),
            ("Reserved", view.total.label()),
        ),
        _text(
            "An approver decides; I'll tell you what they say. The budget is reserved meanwhile."
        ),
    ]
    return _card(body, [])


async def decide(approvals: Approvals | None, intent: ApprovalIntent, approver: ChatUser) -> Answer:
    """An approver's press: one core call; the card becomes the outcome, a refusal is said as the core says."""
    if approvals is None:
        return Answer(text="Approvals are not switched on for this bot.", replaces=False)
    who = identity_of(approver)
    try:
        if isinstance(intent, ApproveRequest):
            await approvals.approve(intent.approval_id, who)
        else:
            await approvals.reject(intent.approval_id, who, intent.note)
    except (InvalidRequest, NotFound) as exc:
        return Answer(text=str(exc), replaces=False)
    return Answer(approval_outcome_card(await approvals.view(intent.approval_id)))


def shout_out_card(shout: ShoutOut) -> Card:
    """A peer thank-you in the conversation it was given in: who, whom and why; never an amount or a code."""
    return _card(
        [_title(f"{shout.giver_name} thanked {shout.recipient_name}"), _text(f"“{shout.reason}”")],
        [],
    )
