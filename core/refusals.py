"""Why something was refused, as data: a rule and its values, which each channel says in the
reader's language.

A `Reason` is also the English sentence itself (a `str`), so code that passes reasons along as text
(a report's rows, an error's message, the log) keeps working; `adapters.i18n` words it from `rule`
and `values` (amounts as `Money`, counts as `int`), never from the English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

RULES = {
    # a reward send (core.reward_rules, core.peer)
    "no_recipient": "Name at least one recipient.",
    "reward_self": "You cannot reward yourself.",
    "reason_length": "Give a reason of 1 to {maximum} characters.",
    "programme_currency": "The {programme} programme pays in {currency}.",
    "not_positive": "The amount must be more than zero.",
    "per_reward_limit": "One reward can be at most {limit}.",
    "giver_monthly": "You can give {left} more this month.",
    "peer_allowance": "Your {programme} allowance has {left} left this month.",
    "peer_per_colleague": "You can give one colleague at most {most} a month from {programme}.",
    "budget": "The budget has {left} left, not enough for {needed}.",
    # a bulk file (core.recognition, core.bulk, core.approval_notices)
    "file_budget": "This file needs {needed}; {left} is left.",
    "held": "Held for approval: an approver decides, and you will be told.",
    "approval_closed": "Its approval request was {status}.",
    "row_sent": "{name}: {amount} sent",
    "row_not_sent": "{name}: {amount} not sent (a limit was reached before approval)",
    # an approver's decision (core.approval_requests)
    "reject_note": "Say why you reject it, in 1 to {maximum} characters.",
    "already_decided": "This request was already {status}.",
    "already_decided_by": "This request was already {status} by {by}.",
    "approval_expired": "This request has expired; nothing was sent.",
    "own_request": "You cannot approve or reject your own request.",
    "not_approver": "Only this programme's approvers can decide on it.",
    # a group gift (core.collections, core.group_gifts)
    "collection_to_self": "A group gift is for someone else.",
    "collection_title": 'Give the group gift a title, e.g. "Farewell".',
    "collection_closing": "Choose a closing date in the next {days} days.",
    "collection_usage": 'Start a group gift with: collect @person "Farewell" [goal, e.g. 150 EUR] '
    "[by 2026-07-01]",
    "collection_for_you": "This group gift is for you: it stays a surprise until it is given.",
    # an amount as typed (core.amounts)
    "two_currencies": "'{typed}' names two currencies ({currencies}); name one.",
    "other_currency": "'{typed}' is in {typed_currency}, but the currency given is {currency}.",
    "paid_in": "'{typed}' is in {typed_currency}, but this is paid in {currency}.",
    "not_an_amount": "'{typed}' is not an amount.",
    # a programme to pay from (core.programmes)
    "no_programme_in": "There is no reward programme in {currency} yet. An admin can create one "
    "in the dashboard.",
    "no_programme": "There is no reward programme yet. An admin can create one in the dashboard.",
    # a budget, a reward's life, the dashboard's oversight (core.budgets, core.reward_life,
    # core.oversight)
    "programme_is_in": "The {programme} programme is in {currency}.",
    "reward_being_paid": "An order is being paid with this reward; try again in a few minutes.",
    "not_an_email": "'{typed}' is not an email address.",
    "no_voucher_to_reveal": "Order {order} has no voucher to reveal.",
    # an amount core.money cannot read (its message, as a sentence)
    "too_many_decimals": "{currency} amounts have {digits} decimals at most.",
    "ambiguous_comma": "'{typed}' is ambiguous: write {written} (a comma only separates "
    "thousands).",
    "comma_thousands": "'{typed}' is not an amount: a comma only separates thousands, as in "
    "1,000.50.",
    "symbol_currency": "'{typed}' is in {typed_currency}, not {currency}.",
    "not_a_currency": "'{typed}' is not an ISO 4217 currency code.",
    "out_of_range": "Amount out of range: {minor}.",
    # where the audit trail's hash chain breaks (core.audit.verify)
    "chain_entry_missing": "an entry is missing",
    "chain_entry_rewritten": "the entry was rewritten and its hash recomputed: entry #{sealer} "
    "sealed different content",
    "chain_link_broken": "the link to the previous entry is broken",
    "chain_entry_altered": "the entry's content was altered",
}


class Reason(str):
    """The English sentence for `rule` with `values`, keeping both (and, joined, its `parts`)."""

    rule: str
    values: Mapping[str, object]
    parts: tuple[Reason, ...]

    def __new__(cls, rule: str, **values: object) -> Reason:
        reason = super().__new__(cls, RULES[rule].format(**values))
        reason.rule, reason.values, reason.parts = rule, values, ()
        return reason

    def __reduce__(self) -> tuple[object, ...]:
        # Copied or pickled (a deep copy of a view), it stays a Reason with its data.
        return (_restored, (str(self), self.rule, dict(self.values), self.parts))


def _restored(
    text: str, rule: str, values: Mapping[str, object], parts: tuple[Reason, ...]
) -> Reason:
    reason = str.__new__(Reason, text)
    reason.rule, reason.values, reason.parts = rule, values, parts
    return reason


def joined(reasons: Iterable[str]) -> str:
    """Several reasons as one sentence each after the other; a `Reason` when every one is."""
    parts = tuple(reasons)
    text = " ".join(parts)
    if not parts or not all(isinstance(part, Reason) for part in parts):
        return text
    if len(parts) == 1:
        return parts[0]
    return _restored(text, "joined", {}, tuple(p for p in parts if isinstance(p, Reason)))


def reason_of(error: Exception) -> str:
    """The reason an error was raised with: its `Reason` when it carries one, else its message."""
    first = error.args[0] if error.args else None
    return first if isinstance(first, Reason) else str(error)
