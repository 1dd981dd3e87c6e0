"""What the dashboard's codes and acts say in the reader's words: badges, a status inside a
sentence, the keys of an audit entry's change, the notice after an act, and a page's titles and
problems (`said`)."""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_decimal

from adapters.i18n import ENGLISH, Localizer
from adapters.i18n.phrases import Phrase, later, say
from adapters.i18n.refusal_words import said as reason_said
from adapters.i18n.words import error_text
from adapters.web.admin.wording import STATUS_LABELS
from core.errors import InvalidTransition, OrderNotPayable

RETRY = re.compile(r"retry in (?P<seconds>[\d.]+)s: (?P<error>.*)", re.DOTALL)
# What a page says in its reader's words (`said`): a title, a notice, a form's problem.
Said = str | Phrase | Exception
# Every badge: an order, a reward, a budget movement, a held send, a queued message and its kind.
BADGE_LABELS: dict[str, Phrase] = {
    **STATUS_LABELS,
    "scheduled": later("Scheduled"),
    "withdrawn": later("Withdrawn"),
    "sent": later("Sent"),
    "opened": later("Opened"),
    "redeemed": later("Redeemed"),
    "pending": later("Pending"),
    "approved": later("Approved"),
    "rejected": later("Rejected"),
    "dead": later("Undeliverable"),
    "not queued": later("Not queued"),
    "open": later("Open"),
    "closed": later("Closed"),
    "counted": later("Counted"),
    "credit": later("Credited"),
    "reserve": later("Reserved"),
    "release": later("Released"),
    "debit": later("Debited"),
    "restore": later("Restored"),
    "order_update": later("Order update"),
    "voucher_delivery": later("Voucher delivery"),
    "reward_notice": later("Reward notice"),
    "reward_reminder": later("Reward reminder"),
    "reward_undeliverable": later("Reward undeliverable"),
    "gift_delivery": later("Gift delivery"),
    "gift_receipt": later("Gift receipt"),
    "gift_undeliverable": later("Gift undeliverable"),
    "approval_request": later("Approval request"),
    "approval_decided": later("Approval decision"),
    "peer_shout_out": later("Shout-out"),
    "collection_card": later("Group gift card"),
    # a curated catalog's pick kinds, an upcoming milestone's kind, a dashboard role
    "product": later("Product"),
    "brand": later("Brand"),
    "country": later("Country"),
    "category": later("Category"),
    "anniversary": later("Work anniversary"),
    "birthday": later("Birthday"),
    "admin": later("admin"),
    "viewer": later("viewer"),
    # a voucher
    "active": later("Active"),
    "void": later("Void"),
}
# The keys of an audit entry's values, as its "Change" column says them; others stay as they are.
AUDIT_KEYS = {
    "status": later("status"),
    "amount": later("amount"),
    "minor": later("minor units"),
    "released": later("released (minor units)"),
    "currency": later("currency"),
    "programme": later("programme"),
    "provider": later("provider"),
    "reason": later("reason"),
    "voucher": later("voucher"),
    "error": later("error"),
    "payment_intent": later("PaymentIntent"),
    "to": later("to"),
    "rows": later("rows"),
    "inactive": later("inactive"),
    "note": later("note"),
    "kind": later("kind"),
    "value": later("value"),
    "characters": later("characters"),
    "checked": later("checked"),
    "intact": later("intact"),
    "first_broken": later("first broken"),
    "failures": later("failures"),
    "role": later("role"),
    "gift": later("gift"),
    "collection": later("group gift"),
    "title": later("title"),
    "total": later("total"),
    "reward": later("reward"),
    "order": later("order"),
    "approvers": later("approvers"),
    "notified": later("notified"),
    "fx_margin_bps": later("FX margin (basis points)"),
    "card_topup": later("card top-up"),
    "monthly_allowance": later("monthly allowance"),
    "per_recipient_monthly": later("monthly per recipient"),
    "shout_out": later("shout-out"),
    "above": later("above"),
    "above_total": later("total above"),
    "people_above": later("people above"),
    "hint": later("hint"),
}
# What a dashboard act says once it is done (`?done=…` after the redirect).
DONE = {
    "resend": later("The voucher message is queued to be sent again."),
    "cancel": later("The order is cancelled."),
    "refund": later("The refund went to Stripe and the voucher is void."),
    "retry": later("Issuance was retried."),
    "credit": later("The budget was credited."),
    "programme": later("The programme was created."),
    "grant": later("The reward admin was added."),
    "revoke": later("The reward admin was removed."),
    "reward-cancel": later("The reward was cancelled and its unspent amount released."),
    "add": later("The pick was added."),
    "remove": later("The pick was removed."),
}
# A status inside a sentence ("Order … is awaiting payment and cannot be paid.", "· counted").
STATUS_WORDS = {
    "created": later("created"),
    "awaiting_payment": later("awaiting payment"),
    "paid": later("paid"),
    "issuing": later("issuing"),
    "issued": later("issued"),
    "delivered": later("delivered"),
    "failed": later("failed"),
    "cancelled": later("cancelled"),
    "refunded": later("refunded"),
    "expired": later("expired"),
    # a contribution, a reward, a message
    "pending": later("pending"),
    "counted": later("counted"),
    "open": later("open"),
    "closed": later("closed"),
    "scheduled": later("scheduled"),
    "withdrawn": later("withdrawn"),
    "sent": later("sent"),
    "opened": later("opened"),
    "redeemed": later("redeemed"),
    "dead": later("undeliverable"),
    "not queued": later("not queued"),
    "approved": later("approved"),
    "rejected": later("rejected"),
}


def said(text: Said, loc: Localizer = ENGLISH) -> str:
    """A page's title, notice or problem in the reader's words: a phrase said in their language,
    a core refusal or reason by the data it carries, plain text (a name, a value) as it is."""
    if isinstance(text, Exception):
        return _refusal(text, loc)
    if isinstance(text, str):
        return reason_said(text, loc)  # a core `Reason` by its rule, other text as it is
    return say(text, loc)


def _refusal(error: Exception, loc: Localizer) -> str:
    """An order act the order's status does not allow, with its statuses; others as chat says
    them."""
    match error:
        case OrderNotPayable():
            return loc._(
                "Order {order} is {status} and cannot be paid.",
                order=error.order_id,
                status=status_word(error.status, loc),
            )
        case InvalidTransition():
            return loc._(
                "Order {order} cannot go from {current} to {target}.",
                order=error.order_id,
                current=status_word(error.current, loc),
                target=status_word(error.target, loc),
            )
    return error_text(error, loc)


def status_word(status: object, loc: Localizer = ENGLISH) -> str:
    word = STATUS_WORDS.get(str(status))
    return word.said(loc) if word else str(status).replace("_", " ")


def history_line(line: str, loc: Localizer = ENGLISH) -> tuple[str, str]:
    """A queued message's history line as core.outbox writes it (`<ISO time> sent`, `… retry in
    1.5s: <error>`, `… gave up: <error>`): its moment and what happened, in the reader's words."""
    at, _, event = line.partition(" ")
    if event == "sent":
        return at, loc._("sent")
    if retry := RETRY.fullmatch(event):
        seconds = format_decimal(Decimal(retry["seconds"]), locale=loc.locale)
        return at, loc._("retry in {seconds} s: {error}", seconds=seconds, error=retry["error"])
    if event.startswith("gave up: "):
        return at, loc._("gave up: {error}", error=event.removeprefix("gave up: "))
    return "", line


def audit_key(key: str, loc: Localizer = ENGLISH) -> str:
    return say(AUDIT_KEYS.get(key, key), loc)
