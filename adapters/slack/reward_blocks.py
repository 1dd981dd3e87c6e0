"""Block Kit rendering of rewards: the sender's confirmation and summary, the form, the recipient's
notice and reminder, the giver's undeliverable notice, and the bulk CSV report."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.i18n import ENGLISH, Localizer
from adapters.i18n.refusal_words import said
from adapters.i18n.words import error_text
from adapters.slack import action_ids as ids
from adapters.slack.approval_blocks import pending_message
from adapters.slack.kit import (
    MESSAGE_BLOCKS,
    SECTION_TEXT,
    STATIC_OPTIONS,
    Block,
    Message,
    actions,
    button,
    clip,
    context,
    escape,
    header,
    mrkdwn_field,
    option,
    plain,
    section,
)
from core.bulk import BulkReport, RowOutcome
from core.money import Money
from core.rewards import Programme
from core.views import RewardNotice, RewardPreview, RewardUndeliverable, SendReport

MODAL_TITLE = 24
NAMES_SHOWN = 40
ROWS_SHOWN = 200
REASON_LIMIT = 500


# --- the sender's side ------------------------------------------------------------------------


def reward_help(loc: Localizer = ENGLISH) -> Message:
    lines = [
        "*" + loc._("Thank colleagues with a reward they spend on a gift voucher") + "*",
        loc._(
            "{example} people, user groups or {channel}, the amount each, an optional currency "
            "({currency}), and why.",
            example="`/reward @ada @team-x 25 Thanks for the launch`",
            channel="`@channel`",
            currency="`25 EUR`",
        ),
        loc._("{command} alone opens a form.", command="`/reward`"),
        loc._(
            "Bulk: send me a CSV file here with columns {columns} (optional {optional}).",
            columns="`email` (`user_id`), `amount`, `reason`",
            optional="`currency`, `programme`",
        ),
        loc._("You see who, how much and the budget left before anything is sent."),
    ]
    return Message(loc._("How to use {command}", command="/reward"), [section("\n".join(lines))])


def confirmation_message(
    preview: RewardPreview,
    reason: str,
    confirmation_id: str,
    notes: Sequence[str] = (),
    loc: Localizer = ENGLISH,
) -> Message:
    """What the sender confirms before anything is sent; Send appears only when the core allows
    it."""
    count = len(preview.recipients)
    people = loc.n_("{count} person", "{count} people", count)
    fields = [
        mrkdwn_field(loc._("Each"), loc.money(preview.amount)),
        mrkdwn_field(loc._("Total"), loc.money(preview.total)),
        mrkdwn_field(loc._("Budget left"), budget_line(preview, loc)),
        mrkdwn_field(loc._("Programme"), escape(preview.programme_name)),
    ]
    ask = loc._("Send a reward to {people}?", people=people)
    why = quote(reason) or loc._("(no reason given)")
    blocks: list[Block] = [
        section(f"*{ask}*\n{_names(preview.recipients, loc)}"),
        {"type": "section", "fields": fields},
        section(f"*{loc._('Why')}*\n{why}"),
    ]
    blocks += [
        context(f":warning: {escape(said(problem, loc))}") for problem in preview.problems[:10]
    ]
    blocks += [context(escape(note)) for note in notes[:10]]
    buttons = [button(loc._("Cancel"), ids.REWARD_CANCEL, value=confirmation_id)]
    total = loc.money(preview.total)
    if preview.can_send:
        buttons.insert(
            0,
            button(
                loc._("Send {total}", total=total),
                ids.REWARD_SEND,
                value=confirmation_id,
                style="primary",
            ),
        )
    blocks.append(actions("vb_reward_confirm", buttons))
    return Message(
        loc._("Send {total} in rewards to {people}?", total=total, people=people), blocks
    )


def budget_line(preview: RewardPreview, loc: Localizer = ENGLISH) -> str:
    """'$1,000 → $925 after', or how much is missing when the total is more than is left."""
    available, total = preview.budget_available, preview.total
    if available.currency == total.currency and total.minor > available.minor:
        short = Money(total.minor - available.minor, total.currency)
        return loc._(
            "{available} left, {short} short",
            available=loc.money(available),
            short=loc.money(short),
        )
    return f"{loc.money(available)} → " + loc._(
        "{after} after", after=loc.money(preview.budget_after)
    )


def quote(text: str) -> str:
    """A block quote in mrkdwn: every line of it starts with `>`."""
    return "\n".join(f">{escape(line)}" for line in text.strip().splitlines())


def plural(count: int, noun: str, nouns: str = "") -> str:
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"


def _names(names: Sequence[str], loc: Localizer = ENGLISH) -> str:
    shown = ", ".join(escape(n) for n in names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        shown = loc._(
            "{names} and {more} more", names=shown, more=loc.number(len(names) - NAMES_SHOWN)
        )
    return clip(shown, SECTION_TEXT // 2)


def sent_message(report: SendReport, loc: Localizer = ENGLISH) -> Message:
    if report.pending is not None:
        return pending_message(report.pending, loc)
    if not report.sent:
        return notice(loc._("These rewards were already sent."))
    first = report.sent[0]
    count = len(report.sent)
    sent = loc.n_(
        "Sent {count} reward of {amount}",
        "Sent {count} rewards of {amount}",
        count,
        amount=loc.money(first.amount),
    )
    names = _names([s.recipient_name or loc._("a colleague") for s in report.sent], loc)
    lines = [
        f":white_check_mark: *{sent}* " + loc._("to {names}.", names=names),
        loc._(
            "Each gets a direct message to choose a voucher. Budget left: {left}.",
            left=loc.money(report.budget_left),
        ),
    ]
    blocks = [section("\n".join(lines))]
    blocks += [
        context(f":warning: {escape(who)}: {escape(said(why, loc))}")
        for who, why in report.refused[:20]
    ]
    return Message(sent, blocks)


def cancelled_message(loc: Localizer = ENGLISH) -> Message:
    return notice(loc._("Cancelled. Nothing was sent."))


def notice(text: str) -> Message:
    return Message(text, [section(escape(text))])


def reward_modal(programmes: Sequence[Programme], metadata: str, loc: Localizer = ENGLISH) -> Block:
    """The /reward form: recipients, amount, currency, reason and programme."""
    currencies = sorted({p.currency for p in programmes})
    currency_options = [option(c, c) for c in currencies[:STATIC_OPTIONS]]
    programme_options = [
        option(f"{p.name} ({p.currency})", p.id) for p in programmes[:STATIC_OPTIONS]
    ]
    blocks = [
        _input(
            ids.REWARD_RECIPIENTS,
            loc._("Who"),
            {"type": "multi_users_select", "placeholder": plain(loc._("Colleagues"))},
        ),
        _input(
            ids.REWARD_AMOUNT,
            loc._("Amount each"),
            {"type": "plain_text_input", "placeholder": plain("25")},
        ),
        _input(
            ids.REWARD_CURRENCY,
            loc._("Currency"),
            {
                "type": "static_select",
                "options": currency_options,
                "initial_option": currency_options[0],
            },
        ),
        _input(
            ids.REWARD_REASON,
            loc._("Why"),
            {"type": "plain_text_input", "multiline": True, "max_length": REASON_LIMIT},
        ),
        _input(
            ids.REWARD_PROGRAMME,
            loc._("Programme"),
            {
                "type": "static_select",
                "options": programme_options,
                "initial_option": programme_options[0],
            },
        ),
    ]
    return {
        "type": "modal",
        "callback_id": ids.REWARD_MODAL,
        "title": plain(loc._("Send a reward"), MODAL_TITLE),
        "submit": plain(loc._("Preview"), MODAL_TITLE),
        "close": plain(loc._("Cancel"), MODAL_TITLE),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def _input(block_id: str, label: str, element: Block) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {**element, "action_id": block_id},
    }


# --- the recipient's side ---------------------------------------------------------------------


def reward_notice_message(notice_: RewardNotice, loc: Localizer = ENGLISH) -> Message:
    """The recipient's DM: who thanked them and why, the amount, the expiry, Choose your voucher."""
    reward = notice_.reward
    giver = escape(reward.giver_name)
    available, amount, expires = (
        loc.money(reward.available),
        loc.money(reward.amount),
        loc.date(reward.expires_on),
    )
    if notice_.reminder:
        title = loc._("Your reward expires soon")
        lead = loc._(
            "You still have {available} to spend from {giver}'s reward, until {date}.",
            available=f"*{available}*",
            giver=giver,
            date=f"*{expires}*",
        )
        text = loc._("Your {available} reward expires on {date}", available=available, date=expires)
    else:
        title = loc._("You've been thanked!")
        lead = loc._(
            "{giver} sent you a reward of {amount}.", giver=f"*{giver}*", amount=f"*{amount}*"
        )
        text = loc._("{giver} sent you a {amount} reward", giver=reward.giver_name, amount=amount)
    fields = [mrkdwn_field(loc._("Amount"), available), mrkdwn_field(loc._("Expires"), expires)]
    if reward.programme_name:
        fields.append(mrkdwn_field(loc._("Programme"), escape(reward.programme_name)))
    choose = button(
        loc._("Choose your voucher"), ids.REWARD_CHOOSE, value=reward.reward_id, style="primary"
    )
    blocks = [
        header(title),
        section(f"{lead}\n{quote(reward.reason)}"),
        {"type": "section", "fields": fields},
        actions("vb_reward_actions", [choose]),
        context(
            loc._(
                "Any voucher in {currency}; one worth more is topped up by card.",
                currency=loc.currency_name(reward.amount.currency),
            )
        ),
    ]
    return Message(text, blocks)


def undeliverable_message(undeliverable: RewardUndeliverable, loc: Localizer = ENGLISH) -> Message:
    """Told to the giver when a recipient could not be reached."""
    reward = undeliverable.reward
    who = reward.recipient_name or loc._("a colleague")
    amount = loc.money(reward.amount)
    lines = [
        ":warning: "
        + loc._(
            "I could not tell {who} about their {amount} reward ({error}).",
            who=f"*{escape(who)}*",
            amount=amount,
            error=escape(undeliverable.error),
        ),
        loc._(
            "The reward is still theirs and they will see it in their wallet; an admin can cancel "
            "it from the dashboard to return it to the budget."
        ),
    ]
    return Message(
        loc._("Could not reach {who} about their reward", who=who), [section("\n".join(lines))]
    )


# --- bulk ----------------------------------------------------------------------------------------


def bulk_progress(file_name: str, rows: int, loc: Localizer = ENGLISH) -> Message:
    return notice(
        loc._(
            "Reading {file}: {rows} rows. I will update this message with what was sent.",
            file=file_name,
            rows=loc.number(rows),
        )
    )


def bulk_report(report: BulkReport, loc: Localizer = ENGLISH) -> Message:
    sent, refused = report.sent, report.refused
    totals = ", ".join(loc.money(t) for t in report.totals()) or loc._("nothing")
    counts = {
        "sent": loc.number(len(sent)),
        "rows": loc.number(len(report.outcomes)),
        "refused": loc.number(len(refused)),
    }
    title = loc._("Rewards from {file}", file=report.file_name)
    bold = {name: f"*{value}*" for name, value in counts.items() if name != "rows"}
    summary = f"*{escape(title)}*\n" + loc._(
        "Sent {sent} of {rows} rows ({totals}); refused {refused}.",
        totals=totals,
        **{**counts, **bold},
    )
    if report.repeated:
        summary += "\n" + loc._(
            "{count} rows had been sent before and were not sent again.",
            count=loc.number(report.repeated),
        )
    blocks = [section(summary)]
    room = MESSAGE_BLOCKS - 3
    if refused:
        blocks.append(header(loc._("Refused")))
        blocks += _row_sections([_refused_line(o, loc) for o in refused], room // 2, loc)
    if sent:
        blocks.append(header(loc._("Sent")))
        blocks += _row_sections(
            [_sent_line(o, loc) for o in sent], MESSAGE_BLOCKS - len(blocks), loc
        )
    return Message(
        loc._(
            "Rewards from {file}: {sent} sent, {refused} refused", file=report.file_name, **counts
        ),
        blocks,
    )


def row_reason(outcome: RowOutcome, loc: Localizer) -> str:
    """Why a row was refused, in the reader's language."""
    return error_text(outcome.error, loc) if outcome.error else said(outcome.reason, loc)


def _refused_line(outcome: RowOutcome, loc: Localizer) -> str:
    row = loc._("Row {line}", line=outcome.line)
    return f"{row} · {escape(outcome.who)} · {escape(row_reason(outcome, loc))}"


def _sent_line(outcome: RowOutcome, loc: Localizer) -> str:
    amount = loc.money(outcome.amount) if isinstance(outcome.amount, Money) else outcome.amount
    return f"{loc._('Row {line}', line=outcome.line)} · {escape(outcome.who)} · {amount}"


def _row_sections(lines: list[str], max_blocks: int, loc: Localizer = ENGLISH) -> list[Block]:
    """Lines packed into sections of at most 3,000 characters; what does not fit is counted."""
    shown = lines[:ROWS_SHOWN]
    chunks: list[list[str]] = [[]]
    for line in shown:
        line = clip(line, 300)
        if sum(len(x) + 1 for x in chunks[-1]) + len(line) > SECTION_TEXT - 100:
            chunks.append([])
        chunks[-1].append(line)
    chunks = chunks[: max(max_blocks - 1, 1)]
    listed = sum(len(c) for c in chunks)
    blocks = [section("\n".join(c)) for c in chunks if c]
    if listed < len(lines):
        blocks.append(
            context(loc._("…and {count} more rows.", count=loc.number(len(lines) - listed)))
        )
    return blocks
