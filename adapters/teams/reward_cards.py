"""Adaptive Cards for rewards: the giver's confirmation and reports, the recipient's card, the
dialog form.

The same rules as cards.py: version 1.2 elements only, Action.Submit buttons, far below 28 KB. The
one exception is the dialog form's people picker (`choices.data`), a Teams extension of
Input.ChoiceSet that desktop and web render; the form also takes emails for clients without it
(mobile).
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.i18n import ENGLISH, Localizer
from adapters.teams.answer import Card
from adapters.teams.approval_cards import pending_card
from adapters.teams.bulk import COLUMNS_HINT, BulkReport
from adapters.teams.cards import (
    Element,
    _card,
    _facts,
    _submit,
    _subtle,
    _text,
    _title,
    choose_voucher,
)
from adapters.teams.reward_translate import RewardForm
from core.money import Money
from core.rewards import Programme
from core.views import RewardNotice, RewardPreview, RewardUndeliverable, SendReport

PEOPLE_DATASET = "graph.microsoft.com/users"
REFUSED_ROWS_SHOWN = 25
# Teams lets a bot message only people who have its app; proactive installation needs Microsoft
# Graph permissions this bot does not ask for, so the tenant admin pre-installs the app for everyone
# instead.
INSTALL_HINT = (
    "Ask your Teams admin to pre-install Voucherbot for everyone (Teams admin center: Teams apps, "
    "Setup policies, Installed apps), or ask them to open a chat with me."
)


# --- the giver
# --------------------------------------------------------------------------------------


def confirmation_card(
    preview: RewardPreview,
    reason: str,
    key: str,
    left_out: Sequence[tuple[str, str]] = (),
    loc: Localizer = ENGLISH,
) -> Card:
    """Who, how much, the total and the budget before and after; nothing is sent until Send.

    The buttons carry only `key`: the request itself waits in the core (core.confirmations)."""
    body: list[Element] = [
        _title(loc._("Send these rewards?")),
        _subtle(loc._("From the {programme} programme", programme=preview.programme_name)),
        _facts(
            (loc._("To"), ", ".join(preview.recipients) or loc._("nobody yet")),
            (loc._("Each"), loc.money(preview.amount)),
            (loc._("Total"), loc.money(preview.total)),
            (loc._("Budget now"), loc.money(preview.budget_available)),
            _budget_after(preview, loc),
        ),
    ]
    if reason:
        body.append(_text(f"“{reason}”", isSubtle=True))
    for problem in preview.problems:
        body.append(_text(problem, color="Attention", weight="Bolder"))
    for who, why in left_out:
        body.append(_text(loc._("Left out: {who} ({why}).", who=who, why=why), color="Warning"))
    actions = [_submit(loc._("Cancel"), "reward-cancel", key=key)]
    if preview.can_send:
        send = loc._("Send {total}", total=loc.money(preview.total))
        actions.insert(0, _submit(send, "reward-send", key=key))
    return _card(body, actions)


def _budget_after(preview: RewardPreview, loc: Localizer) -> tuple[str, str]:
    """What is left after sending, or how much is missing when the total is more than is left."""
    available, total = preview.budget_available, preview.total
    if available.currency == total.currency and total.minor > available.minor:
        short = Money(total.minor - available.minor, total.currency)
        return (loc._("Budget short by"), loc.money(short))
    return (loc._("Budget after"), loc.money(preview.budget_after))


def sent_card(report: SendReport, amount: Money, reason: str, loc: Localizer = ENGLISH) -> Card:
    if report.pending is not None:
        return pending_card(report.pending, loc)
    names = ", ".join(r.recipient_name or loc._("a colleague") for r in report.sent)
    body: list[Element] = [
        _title(loc._("Rewards sent")),
        _facts(
            (loc._("To"), names),
            (loc._("Each"), loc.money(amount)),
            (loc._("Budget left"), loc.money(report.budget_left)),
        ),
        _subtle(f"“{reason}”"),
        _text(
            loc._(
                "Each of them gets a card from me in a personal chat. If I can't reach someone, "
                "I'll tell you."
            )
        ),
    ]
    return _card(body, [])


def cancelled_card(loc: Localizer = ENGLISH) -> Card:
    return _card([_text(loc._("Cancelled: no reward was sent."), isSubtle=True)], [])


def undeliverable_card(notice: RewardUndeliverable, loc: Localizer = ENGLISH) -> Card:
    """Told to the giver when a recipient's 1:1 chat cannot be opened (app not installed for
    them)."""
    reward = notice.reward
    who = reward.recipient_name or "one of the people you rewarded"
    amount, until = loc.money(reward.amount), loc.date(reward.expires_on)
    body: list[Element] = [
        _title(f"I couldn't reach {who}"),
        _text(
            f"They need the app installed before I can send them your {amount} reward. "
            f"{INSTALL_HINT} "
            f"The reward waits for them: “vouchers mine” shows it until {until}."
        ),
        _subtle(f"“{reward.reason}” · Teams said: {notice.error}"),
    ]
    return _card(body, [])


def bulk_report_card(report: BulkReport) -> Card:
    """Row by row: how many were sent, sent before (the same file again), and each refusal with its
    reason."""
    totals: dict[str, int] = {}
    for reward in report.sent:
        totals[reward.amount.currency] = totals.get(reward.amount.currency, 0) + reward.amount.minor
    total = ", ".join(
        ENGLISH.money(Money(minor, currency)) for currency, minor in sorted(totals.items())
    )
    facts = [("Sent", f"{len(report.sent)}" + (f" ({total})" if total else ""))]
    if report.already_sent:
        facts.append(("Sent before", str(report.already_sent)))
    facts.append(("Refused", str(len(report.refused))))
    facts.extend(("Budget left", ENGLISH.money(money)) for money in report.budget_left)
    body: list[Element] = [_title(f"Rewards from {report.file_name}"), _facts(*facts)]
    for bad in report.refused[:REFUSED_ROWS_SHOWN]:
        who = f" ({bad.who})" if bad.who else ""
        body.append(
            _text(f"Row {bad.number}{who}: {bad.problem}", color="Attention", spacing="Small")
        )
    if len(report.refused) > REFUSED_ROWS_SHOWN:
        body.append(_subtle(f"and {len(report.refused) - REFUSED_ROWS_SHOWN} more refused rows"))
    if report.refused:
        body.append(
            _subtle(
                "Fix the refused rows and send just those again; sent rows are never sent twice."
            )
        )
    return _card(body, [])


def bulk_hint_card(note: str = "") -> Card:
    body: list[Element] = [_title("Bulk rewards")]
    if note:
        body.append(_text(note, color="Attention"))
    body.append(_text(f"Send me a CSV file in this chat with {COLUMNS_HINT}; one reward per row."))
    return _card(body, [])


# --- the recipient
# ----------------------------------------------------------------------------------


def notice_card(notice: RewardNotice, loc: Localizer = ENGLISH) -> Card:
    """Who thanked them and why, the amount, the expiry, and Choose your voucher (also as a
    reminder).

    The same words as Slack's notice (one voice), without Markdown."""
    reward = notice.reward
    available, amount, expires = (
        loc.money(reward.available),
        loc.money(reward.amount),
        loc.date(reward.expires_on),
    )
    if notice.reminder:
        title = loc._("Your reward expires soon")
        lead = loc._(
            "You still have {available} to spend from {giver}'s reward, until {date}.",
            available=available,
            giver=reward.giver_name,
            date=expires,
        )
    else:
        title = loc._("You've been thanked!")
        lead = loc._(
            "{giver} sent you a reward of {amount}.", giver=reward.giver_name, amount=amount
        )
    facts = [(loc._("Amount"), available), (loc._("Expires"), expires)]
    if reward.programme_name:
        facts.append((loc._("Programme"), reward.programme_name))
    body: list[Element] = [
        _title(title),
        _text(lead),
        _text(f"“{reward.reason}”", isSubtle=True),
        _facts(*facts),
        _subtle(
            loc._(
                "Any voucher in {currency}; one worth more is topped up by card.",
                currency=loc.currency_name(reward.amount.currency),
            )
        ),
    ]
    return _card(body, [choose_voucher(reward.reward_id, loc)])


# --- the "Send a reward" dialog
# ---------------------------------------------------------------------


def reward_form_card(
    programmes: Sequence[Programme], form: RewardForm | None = None, error: str = ""
) -> Card:
    """Recipients (people picker, or emails), programme, amount each and reason."""
    body: list[Element] = [_title("Send a reward")]
    if error:
        body.append(_text(error, color="Attention", weight="Bolder"))
    body += [
        _text("Who", weight="Bolder"),
        {
            "type": "Input.ChoiceSet",
            "id": "people",
            "isMultiSelect": True,
            "choices": [],
            "choices.data": {"type": "Data.Query", "dataset": PEOPLE_DATASET},
            "placeholder": "Search for colleagues",
        },
        _input("emails", "…or their work emails, separated by commas", form.emails if form else ()),
        _text("Programme", weight="Bolder"),
        {
            "type": "Input.ChoiceSet",
            "id": "programme",
            "style": "compact",
            "choices": [{"title": f"{p.name} ({p.currency})", "value": p.id} for p in programmes],
            "value": (form.programme_id if form and form.programme_id else programmes[0].id),
        },
        _text("Amount for each", weight="Bolder"),
        _input("amount", "25", (form.amount,) if form and form.amount else ()),
        _text("Why", weight="Bolder"),
        {
            **_input(
                "reason",
                "Five years of quiet excellence",
                (form.reason,) if form and form.reason else (),
            ),
            "isMultiline": True,
            "maxLength": 500,
        },
    ]
    return _card(body, [_submit("Review", "reward-review")])


def _input(input_id: str, placeholder: str, values: Sequence[str]) -> Element:
    element: Element = {"type": "Input.Text", "id": input_id, "placeholder": placeholder}
    if values:
        element["value"] = ", ".join(values)
    return element
