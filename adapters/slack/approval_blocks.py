"""Block Kit for approvals (the approver's card, what the giver is told) and peer shout-outs."""

from __future__ import annotations

from datetime import datetime

from adapters.i18n import ENGLISH, Localizer
from adapters.i18n.refusal_words import said
from adapters.slack import action_ids as ids
from adapters.slack.kit import (
    Block,
    Message,
    actions,
    button,
    context,
    escape,
    header,
    mrkdwn_field,
    plain,
    section,
)
from core.views import ApprovalView, ShoutOut

MAX_ROWS_SHOWN = 40  # a section's text stays under Block Kit's 3,000 characters
NAMES_SHOWN = 10
ICONS = {"approved": ":white_check_mark:", "rejected": ":no_entry:", "expired": ":hourglass:"}


def outcome_text(view: ApprovalView, loc: Localizer) -> str:
    """What became of the request, as the approver's card says it (plain text, no emoji)."""
    by, note = who(view.decided_by), escape(view.note)
    said = {
        "approved": loc._("Approved by {by}; the rewards are sent.", by=by),
        "rejected": loc._("Rejected by {by}: {note}", by=by, note=note),
        "expired": loc._(
            "Expired before anyone decided; the budget is released and nothing was sent."
        ),
    }
    return said.get(view.status, view.status)


def told_text(view: ApprovalView, loc: Localizer) -> str:
    """What the giver is told once the request is decided (plain text, no emoji)."""
    to, note = _names(view.recipients, loc), escape(view.note)
    said = {
        "approved": loc._("Your rewards to {to} were approved and sent.", to=to),
        "rejected": loc._("Your rewards to {to} were rejected: {note}", to=to, note=note),
        "expired": loc._("Your rewards to {to} expired unapproved; nothing was sent.", to=to),
    }
    return said.get(view.status, view.status)


def who(identity: str) -> str:
    """'<@U0BOSS>' for a Slack identity ('slack:U0BOSS'): Slack shows the person's name; any other
    identity as escaped text."""
    platform, _, user = identity.partition(":")
    return f"<@{user}>" if platform == "slack" and user else escape(identity)


def _names(names: tuple[str, ...], loc: Localizer) -> str:
    shown = ", ".join(escape(n) for n in names[:NAMES_SHOWN])
    if len(names) <= NAMES_SHOWN:
        return shown
    return loc._("{names} and {count} more", names=shown, count=len(names) - NAMES_SHOWN)


def _facts(view: ApprovalView, loc: Localizer) -> Block:
    fields = [
        mrkdwn_field(loc._("From"), escape(view.giver_name)),
        mrkdwn_field(loc._("To"), _names(view.recipients, loc)),
        mrkdwn_field(loc._("Rows"), loc.number(view.rows))
        if view.rows
        else mrkdwn_field(loc._("Each"), loc.money(view.amount)),
        mrkdwn_field(loc._("Total"), loc.money(view.total)),
        mrkdwn_field(loc._("Programme"), escape(view.programme_name)),
        mrkdwn_field(loc._("Budget after"), loc.money(view.budget_after)),
    ]
    return {"type": "section", "fields": fields}


def expiry_text(view: ApprovalView, loc: Localizer) -> str:
    when = loc.datetime(datetime.fromisoformat(view.expires_at))
    return loc._("Expires {when} (UTC); until then the budget is reserved.", when=when)


def approval_request_message(view: ApprovalView, loc: Localizer = ENGLISH) -> Message:
    """The approver's DM: who, whom, how much, why, the budget after; Approve, or Reject with a
    reason."""
    note: Block = {
        "type": "input",
        "block_id": ids.APPROVAL_NOTE,
        "optional": True,
        "label": plain(loc._("Reason (to reject)")),
        "element": {"type": "plain_text_input", "action_id": ids.APPROVAL_NOTE, "max_length": 500},
    }
    buttons = [
        button(loc._("Approve"), ids.APPROVAL_APPROVE, value=view.approval_id, style="primary"),
        button(loc._("Reject"), ids.APPROVAL_REJECT, value=view.approval_id, style="danger"),
    ]
    asks = loc._(
        "{giver} wants to thank {to}:",
        giver=f"*{escape(view.giver_name)}*",
        to=_names(view.recipients, loc),
    )
    blocks = [
        header(loc._("A reward needs your approval")),
        section(f"{asks}\n>{escape(view.reason)}"),
        _facts(view, loc),
        note,
        actions("vb_approval_actions", buttons),
        context(expiry_text(view, loc)),
    ]
    text = loc._(
        "{giver} asks you to approve {total} of rewards",
        giver=view.giver_name,
        total=loc.money(view.total),
    )
    return Message(text, blocks)


def approval_outcome_message(view: ApprovalView, loc: Localizer = ENGLISH) -> Message:
    """What the approval card becomes once decided (the approver's own click, or a later one)."""
    text = outcome_text(view, loc)
    lead = f"{ICONS.get(view.status, '')} {text}".strip()
    return Message(
        text,
        [section(f"{lead}\n{_names(view.recipients, loc)}, {_each(view, loc)}"), _facts(view, loc)],
    )


def approval_decided_message(view: ApprovalView, loc: Localizer = ENGLISH) -> Message:
    """Told to the giver."""
    text = told_text(view, loc)
    summary = loc._(
        "{each}, {total} in all, for: {reason}",
        each=_each(view, loc),
        total=loc.money(view.total),
        reason=escape(view.reason),
    )
    blocks = [section(f"{ICONS.get(view.status, '')} {text}".strip()), context(summary)]
    if view.row_outcomes:  # an approved file: what became of each row
        shown = "\n".join(escape(said(line, loc)) for line in view.row_outcomes[:MAX_ROWS_SHOWN])
        more = len(view.row_outcomes) - MAX_ROWS_SHOWN
        if more > 0:
            shown += "\n" + loc._("…and {count} more", count=loc.number(more))
        blocks.append(section(shown))
    return Message(text, blocks)


def _each(view: ApprovalView, loc: Localizer) -> str:
    if view.rows:
        return loc._("{count} rows of a file", count=loc.number(view.rows))
    return loc._("{amount} each", amount=loc.money(view.amount))


def pending_message(view: ApprovalView, loc: Localizer = ENGLISH) -> Message:
    """The giver's Send, held: who must approve, and that the budget is reserved meanwhile."""
    text = loc._(
        "Waiting for approval: {total} of rewards to {to}",
        total=loc.money(view.total),
        to=_names(view.recipients, loc),
    )
    lead = loc._(
        "{to} get {amount} each once an approver says yes; you will be told.",
        to=_names(view.recipients, loc),
        amount=loc.money(view.amount),
    )
    reserved = loc._(
        "{total} is reserved from {programme} meanwhile.",
        total=loc.money(view.total),
        programme=escape(view.programme_name),
    )
    title = loc._("Waiting for approval")
    return Message(
        text, [section(f":hourglass_flowing_sand: *{title}.* {lead}"), context(reserved)]
    )


def shout_out_message(shout: ShoutOut, loc: Localizer = ENGLISH) -> Message:
    """A peer thank-you in the channel it was given in: who, whom and why; never an amount or a
    code."""
    text = loc._(
        "{giver} thanked {recipient}", giver=shout.giver_name, recipient=shout.recipient_name
    )
    said = loc._(
        "{giver} thanked {recipient}",
        giver=f"*{escape(shout.giver_name)}*",
        recipient=f"*{escape(shout.recipient_name)}*",
    )
    return Message(text, [section(f":tada: {said}\n>{escape(shout.reason)}")])
