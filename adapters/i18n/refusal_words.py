"""Reward, budget, approval, group-gift and curated-catalog refusals, said from their data in the
person's language."""

from __future__ import annotations

from adapters.i18n.localizer import Localizer
from adapters.i18n.phrases import Phrase, later
from core.amounts import AmountRefused
from core.collections import CollectionNotFound, CollectionNotOpen, NotOrganiser
from core.confirmations import NotYourConfirmation
from core.curation import NotInProgrammeCatalog
from core.errors import ProgrammeNotFound, UnknownCheckout
from core.funding import CardTopUpNotAllowed
from core.money import Money
from core.refusals import RULES, Reason, reason_of
from core.rewards import CurrencyMismatch, NotRewardAdmin

# One phrase per core.refusals rule: the same English, marked for the catalogs.
SAID: dict[str, Phrase] = {
    "no_recipient": later("Name at least one recipient."),
    "reward_self": later("You cannot reward yourself."),
    "reason_length": later("Give a reason of 1 to {maximum} characters."),
    "programme_currency": later("The {programme} programme pays in {currency}."),
    "not_positive": later("The amount must be more than zero."),
    "per_reward_limit": later("One reward can be at most {limit}."),
    "giver_monthly": later("You can give {left} more this month."),
    "peer_allowance": later("Your {programme} allowance has {left} left this month."),
    "peer_per_colleague": later(
        "You can give one colleague at most {most} a month from {programme}."
    ),
    "budget": later("The budget has {left} left, not enough for {needed}."),
    "file_budget": later("This file needs {needed}; {left} is left."),
    "held": later("Held for approval: an approver decides, and you will be told."),
    "approval_closed": later("Its approval request was {status}."),
    "row_sent": later("{name}: {amount} sent"),
    "row_not_sent": later("{name}: {amount} not sent (a limit was reached before approval)"),
    "reject_note": later("Say why you reject it, in 1 to {maximum} characters."),
    "already_decided": later("This request was already {status}."),
    "already_decided_by": later("This request was already {status} by {by}."),
    "approval_expired": later("This request has expired; nothing was sent."),
    "own_request": later("You cannot approve or reject your own request."),
    "not_approver": later("Only this programme's approvers can decide on it."),
    "collection_to_self": later("A group gift is for someone else."),
    "collection_title": later("Give the group gift a title, e.g. “Farewell”."),
    "collection_closing": later("Choose a closing date in the next {days} days."),
    "collection_usage": later(
        "Start a group gift with: collect @person “Farewell” [goal, e.g. 150 EUR] [by 2026-07-01]"
    ),
    "collection_for_you": later(
        "This group gift is for you: it stays a surprise until it is given."
    ),
    "two_currencies": later("“{typed}” names two currencies ({currencies}); name one."),
    "other_currency": later(
        "“{typed}” is in {typed_currency}, but the currency given is {currency}."
    ),
    "paid_in": later("“{typed}” is in {typed_currency}, but this is paid in {currency}."),
    "not_an_amount": later("“{typed}” is not an amount."),
    "no_programme_in": later(
        "There is no reward programme in {currency} yet. An admin can create one in the dashboard."
    ),
    "no_programme": later(
        "There is no reward programme yet. An admin can create one in the dashboard."
    ),
    "programme_is_in": later("The {programme} programme is in {currency}."),
    "reward_being_paid": later(
        "An order is being paid with this reward; try again in a few minutes."
    ),
    "not_an_email": later("'{typed}' is not an email address."),
    "no_voucher_to_reveal": later("Order {order} has no voucher to reveal."),
    # core.money's own refusals keep their straight quotes: the English is said as it always was.
    "too_many_decimals": later("{currency} amounts have {digits} decimals at most."),
    "ambiguous_comma": later(
        "'{typed}' is ambiguous: write {written} (a comma only separates thousands)."
    ),
    "comma_thousands": later(
        "'{typed}' is not an amount: a comma only separates thousands, as in 1,000.50."
    ),
    "symbol_currency": later("'{typed}' is in {typed_currency}, not {currency}."),
    "not_a_currency": later("'{typed}' is not an ISO 4217 currency code."),
    "out_of_range": later("Amount out of range: {minor}."),
    "chain_entry_missing": later("An entry is missing"),
    "chain_entry_rewritten": later(
        "The entry was rewritten and its hash recomputed: entry #{sealer} sealed different content"
    ),
    "chain_link_broken": later("The link to the previous entry is broken"),
    "chain_entry_altered": later("The entry's content was altered"),
}
assert set(SAID) == set(RULES), "every core refusal has its words"

_STATUS = {
    "approved": later("approved"),
    "rejected": later("rejected"),
    "expired": later("expired"),
    "pending": later("pending"),
    "open": later("open"),
    "closed": later("closed"),
    "cancelled": later("cancelled"),
    "redeemed": later("redeemed"),
}


def said(reason: str, loc: Localizer) -> str:
    """A reason in the person's language: a `Reason` from its rule and values, other text as it
    is."""
    if not isinstance(reason, Reason):
        return reason
    if reason.parts:
        return " ".join(said(part, loc) for part in reason.parts)
    phrase = SAID.get(reason.rule)
    if phrase is None:
        return str(reason)
    values = {name: _value(name, value, loc) for name, value in reason.values.items()}
    return loc._(phrase.template, **values)


def status_word(status: str, loc: Localizer) -> str:
    """'approved', 'genehmigt': a status as a sentence says it."""
    phrase = _STATUS.get(status)
    return phrase.said(loc) if phrase else status


def _value(name: str, value: object, loc: Localizer) -> str:
    if isinstance(value, Money):
        return loc.money(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return loc.number(value)
    if name == "status":
        return status_word(str(value), loc)
    return str(value)


def refusal(error: Exception, loc: Localizer) -> str | None:
    """The sentence for a reward, approval, group-gift or catalog refusal; None when `error` is
    none."""
    match error:
        case NotRewardAdmin():
            return loc._("Only reward admins can send rewards. Ask your HR team to add you.")
        case CurrencyMismatch():
            return loc._(
                "The {programme} programme pays in {programme_currency}, not {currency}.",
                programme=error.name,
                programme_currency=error.programme_currency,
                currency=error.currency,
            )
        case NotInProgrammeCatalog():
            return loc._(
                "This voucher is not in the {programme} catalog. Choose one from the reward's "
                "catalog.",
                programme=error.programme_name,
            )
        case CardTopUpNotAllowed():
            return loc._(
                "Your reward covers up to {available}. Choose a voucher of that amount or less: "
                "this programme does not take card payments.",
                available=loc.money(error.available),
            )
        case NotYourConfirmation():
            return loc._("Only the person who asked for these rewards can send or cancel them.")
        case CollectionNotFound():
            return loc._("There is no group gift {collection}.", collection=error.collection_id)
        case NotOrganiser():
            return loc._("Only the person who started this group gift can close it.")
        case CollectionNotOpen():
            return loc._(
                "This group gift is {status}: it takes no more contributions.",
                status=status_word(error.status, loc),
            )
        case ProgrammeNotFound():
            return loc._("There is no reward programme {programme}.", programme=error.programme_id)
        case UnknownCheckout():
            return loc._("This checkout link is not valid.")
        case AmountRefused():
            return said(reason_of(error), loc)
    reason = reason_of(error)
    return said(reason, loc) if isinstance(reason, Reason) else None
