"""Block Kit for approvals (the approver's card, what the giver is told) and peer shout-outs."""

from __future__ import annotations

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

OUTCOMES = {
    "approved": ":white_check_mark: Approved by {by}; the rewards are sent.",
    "rejected": ":no_entry: Rejected by {by}: {note}",
    "expired": ":hourglass: Expired before anyone decided; the budget is released and nothing was sent.",
}


MAX_ROWS_SHOWN = 40  # a section's text stays under Block Kit's 3,000 characters


def _names(names: tuple[str, ...]) -> str:
    shown = ", ".join(escape(n) for n in names[:10])
    return shown + (f" and {len(names) - 10} more" if len(names) > 10 else "")


def _facts(view: ApprovalView) -> Block:
    fields = [
        mrkdwn_field("From", escape(view.giver_name)),
        mrkdwn_field("To", _names(view.recipients)),
        mrkdwn_field("Rows", str(view.rows))
        if view.rows
        else mrkdwn_field("Each", str(view.amount)),
        mrkdwn_field("Total", str(view.total)),
        mrkdwn_field("Programme", escape(view.programme_name)),
        mrkdwn_field("Budget after", str(view.budget_after)),
    ]
    return {"type": "section", "fields": fields}


def approval_request_message(view: ApprovalView) -> Message:
    """The approver's DM: who, whom, how much, why, the budget after; Approve, or Reject with a reason."""
    note: Block = {
        "type": "input",
        "block_id": ids.APPROVAL_NOTE,
        "optional": True,
        "label": plain("Reason (to reject)"),
        "element": {"type": "plain_text_input", "action_id": ids.APPROVAL_NOTE, "max_length": 500},
    }
    buttons = [
        button("Approve", ids.APPROVAL_APPROVE, value=view.approval_id, style="primary"),
        button("Reject", ids.APPROVAL_REJECT, value=view.approval_id, style="danger"),
    ]
    blocks = [
        header("A reward needs your approval"),
        section(
            f"*{escape(view.giver_name)}* wants to thank {_names(view.recipients)}:\n>{escape(view.reason)}"
        ),
        _facts(view),
        note,
        actions("vb_approval_actions", buttons),
        context(
            f"Expires {view.expires_at[:16].replace('T', ' ')} UTC; until then the budget is reserved."
        ),
    ]
    return Message(f"{view.giver_name} asks you to approve {view.total} of rewards", blocks)


def approval_outcome_message(view: ApprovalView) -> Message:
    """What the approval card becomes once decided (the approver's own click, or a later one)."""
    text = OUTCOMES.get(view.status, view.status).format(
        by=escape(view.decided_by), note=escape(view.note)
    )
    return Message(
        text, [section(f"{text}\n{_names(view.recipients)}, {_each(view)}"), _facts(view)]
    )


def approval_decided_message(view: ApprovalView) -> Message:
    """Told to the giver."""
    lead = {
        "approved": f":white_check_mark: Your rewards to {_names(view.recipients)} were approved and sent.",
        "rejected": f":no_entry: Your rewards to {_names(view.recipients)} were rejected: {escape(view.note)}",
        "expired": f":hourglass: Your rewards to {_names(view.recipients)} expired unapproved; nothing was sent.",
    }.get(view.status, view.status)
    text = (
        lead.replace(":white_check_mark: ", "")
        .replace(":no_entry: ", "")
        .replace(":hourglass: ", "")
    )
    blocks = [
        section(lead),
        context(f"{_each(view)}, {view.total} in all, for: {escape(view.reason)}"),
    ]
    if view.row_outcomes:  # an approved file: what became of each row
        shown = "\n".join(escape(line) for line in view.row_outcomes[:MAX_ROWS_SHOWN])
        more = len(view.row_outcomes) - MAX_ROWS_SHOWN
        blocks.append(section(shown + (f"\n…and {more} more" if more > 0 else "")))
    return Message(text, blocks)


def _each(view: ApprovalView) -> str:
    return f"{view.rows} rows of a file" if view.rows else f"{view.amount} each"


def pending_message(view: ApprovalView) -> Message:
    """The giver's Send, held: who must approve, and that the budget is reserved meanwhile."""
    text = f"Waiting for approval: {view.total} of rewards to {len(view.recipients)} people"
    lead = (
        f":hourglass_flowing_sand: *Waiting for approval.* {_names(view.recipients)} get {view.amount} each "
        "once an approver says yes; you will be told."
    )
    return Message(
        text,
        [
            section(lead),
            context(f"{view.total} is reserved from {escape(view.programme_name)} meanwhile."),
        ],
    )


def shout_out_message(shout: ShoutOut) -> Message:
    """A peer thank-you in the channel it was given in: who, whom and why; never an amount or a code."""
    text = f"{shout.giver_name} thanked {shout.recipient_name}"
    return Message(
        text,
        [
            section(
                f":tada: *{escape(shout.giver_name)}* thanked *{escape(shout.recipient_name)}*\n"
                f">{escape(shout.reason)}"
            )
        ],
    )
