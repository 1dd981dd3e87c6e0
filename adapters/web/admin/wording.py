"""What the dashboard says about an order: who acted, each step of its life, each card payment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from adapters.i18n import ENGLISH, Localizer
from adapters.i18n.phrases import Phrase, later
from adapters.i18n.refusal_words import said as reason_said
from adapters.i18n.words import error_text
from core.errors import InvalidTransition, OrderNotPayable
from core.orders import OrderStatus
from core.outbox import MessageKind
from core.oversight.lines import PaymentLine
from core.oversight.timeline import StepKind, TimelineStep
from core.platforms import ChatPlatform

# What a page says in its reader's words (`said`): a title, a notice, a form's problem.
Said = str | Phrase | Exception
# Who else acts on an order; a chat platform is named by its descriptor's label.
SOURCES: dict[str, str | Phrase] = {
    "stripe": later("Stripe webhook"),
    "system": "voucherbot",
    "outbox": later("delivery worker"),
    "reward": later("reward balance"),
}
# An order's status as a badge or a filter option says it.
STATUS_LABELS = {
    "created": later("Created"),
    "awaiting_payment": later("Awaiting payment"),
    "paid": later("Paid"),
    "issuing": later("Issuing"),
    "issued": later("Issued"),
    "delivered": later("Delivered"),
    "failed": later("Failed"),
    "cancelled": later("Cancelled"),
    "refunded": later("Refunded"),
    "expired": later("Expired"),
}
# Any other badge: a reward, a budget movement, a held send, a queued message and its kind.
BADGE_LABELS: dict[str, Phrase] = {
    **STATUS_LABELS,
    "sent": later("Sent"),
    "opened": later("Opened"),
    "redeemed": later("Redeemed"),
    "pending": later("Pending"),
    "approved": later("Approved"),
    "rejected": later("Rejected"),
    "dead": later("Undeliverable"),
    "credit": later("Credit"),
    "reserve": later("Reserve"),
    "release": later("Release"),
    "debit": later("Debit"),
    "restore": later("Restore"),
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
# An order status inside a sentence ("Order … is awaiting payment and cannot be paid.").
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
}
STATUS_TITLES = {
    OrderStatus.CREATED: later("Order created"),
    OrderStatus.AWAITING_PAYMENT: later("Checkout link issued, awaiting payment"),
    OrderStatus.PAID: later("Payment confirmed"),
    OrderStatus.ISSUING: later("Voucher requested from the provider"),
    OrderStatus.ISSUED: later("Voucher issued"),
    OrderStatus.DELIVERED: later("Voucher delivered in chat"),
    OrderStatus.FAILED: later("Failed"),
    OrderStatus.CANCELLED: later("Cancelled"),
    OrderStatus.REFUNDED: later("Refunded"),
    OrderStatus.EXPIRED: later("Checkout expired"),
}
ACT_TITLES = {
    "voucher.issued": later("Voucher stored"),
    "voucher.voided": later("Voucher voided"),
    "voucher.resend": later("Voucher message sent again"),
    "voucher.revealed": later("Voucher code revealed"),
    "voucher.issue_retry": later("Provider busy, issuance will be retried"),
    "delivery.failed": later("Delivery failed for good"),
    "payment.duplicate": later("Duplicate payment received, to be refunded"),
    "payment.duplicate_refunded": later("Duplicate payment refunded"),
}
MESSAGE_OUTCOMES = {
    StepKind.MESSAGE_SENT: later("sent"),
    StepKind.MESSAGE_DEAD: later("could not be delivered"),
    StepKind.MESSAGE_RETRYING: later("waiting to be retried"),
}


@dataclass(frozen=True)
class ShownStep:
    """A timeline step in words: when, what, who or what caused it, and any detail."""

    at: datetime
    title: str
    source: str
    detail: str = ""


def platform_labels(platforms: Iterable[ChatPlatform]) -> dict[str, str]:
    """Each chat platform's name → what people read (`teams` → `Microsoft Teams`)."""
    return {platform.name: platform.label for platform in platforms}


def source_label(
    source: str, loc: Localizer = ENGLISH, platforms: Mapping[str, str] | None = None
) -> str:
    """Who acted, in words: `admin:ops@example.com` → `ops@example.com (dashboard)`; a chat
    platform by its label in `platforms` (name → label)."""
    if source.startswith("admin:"):
        return loc._("{email} (dashboard)", email=source.removeprefix("admin:"))
    if platforms and source in platforms:
        return platforms[source]
    return _said(SOURCES.get(source, source), loc)


def shown_timeline(
    steps: Iterable[TimelineStep],
    loc: Localizer = ENGLISH,
    platforms: Mapping[str, str] | None = None,
) -> tuple[ShownStep, ...]:
    return tuple(shown_step(step, loc, platforms) for step in steps)


def shown_step(
    step: TimelineStep, loc: Localizer = ENGLISH, platforms: Mapping[str, str] | None = None
) -> ShownStep:
    said = _Sayer(loc, platforms or {})
    if step.kind is StepKind.STATUS and step.status is not None:
        return _status(step, step.status, said)
    if step.kind is StepKind.ACT:
        return _act(step, said)
    return _message(step, said)


@dataclass(frozen=True)
class _Sayer:
    loc: Localizer
    platforms: Mapping[str, str]

    def source(self, source: str) -> str:
        return source_label(source, self.loc, self.platforms)


def payment_label(payment: PaymentLine, loc: Localizer = ENGLISH) -> str:
    if payment.duplicate:
        if payment.refunded:
            return loc._("duplicate payment refunded")
        return loc._("duplicate payment, refund due")
    return loc._("refunded") if payment.refunded else loc._("pays for the order")


def said(text: Said, loc: Localizer = ENGLISH) -> str:
    """A page's title, notice or problem in the reader's words: a phrase said in their language,
    a core refusal or reason by the data it carries, plain text (a name, a value) as it is."""
    if isinstance(text, Exception):
        return _refusal(text, loc)
    if isinstance(text, str):
        return reason_said(text, loc)  # a core `Reason` by its rule, other text as it is
    return _said(text, loc)


def _refusal(error: Exception, loc: Localizer) -> str:
    """An order act the order's status does not allow, with its statuses; others as chat says
    them."""
    match error:
        case OrderNotPayable():
            return loc._(
                "Order {order} is {status} and cannot be paid.",
                order=error.order_id,
                status=_status_word(error.status, loc),
            )
        case InvalidTransition():
            return loc._(
                "Order {order} cannot go from {current} to {target}.",
                order=error.order_id,
                current=_status_word(error.current, loc),
                target=_status_word(error.target, loc),
            )
    return error_text(error, loc)


def _status_word(status: str, loc: Localizer) -> str:
    word = STATUS_WORDS.get(str(status))
    return word.said(loc) if word else str(status).replace("_", " ")


def audit_key(key: str, loc: Localizer = ENGLISH) -> str:
    return _said(AUDIT_KEYS.get(key, key), loc)


def _said(text: str | Phrase, loc: Localizer) -> str:
    return text.said(loc) if isinstance(text, Phrase) else text


def _status(step: TimelineStep, status: OrderStatus, said: _Sayer) -> ShownStep:
    intent = f"PaymentIntent {step.payment_intent_id}" if step.payment_intent_id else ""
    return ShownStep(
        step.at,
        _said(STATUS_TITLES[status], said.loc),
        said.source(step.actor),
        step.note or intent,
    )


def _act(step: TimelineStep, said: _Sayer) -> ShownStep:
    detail = ", ".join(f"{key}: {value}" for key, value in step.values)
    title = _said(ACT_TITLES.get(step.action, step.action), said.loc)
    return ShownStep(step.at, title, said.source(step.actor), detail)


def _message(step: TimelineStep, said: _Sayer) -> ShownStep:
    loc = said.loc
    to = said.source(step.platform)
    outcome = _said(MESSAGE_OUTCOMES[step.kind], loc)
    if step.message is MessageKind.VOUCHER_DELIVERY:
        title = loc._("Voucher message {outcome}", outcome=outcome)
    else:
        title = loc._("Status message {outcome}", outcome=outcome)
    if step.kind is StepKind.MESSAGE_SENT:
        if step.attempts > 1:
            detail = loc._(
                "to {platform}, after {attempts} attempts", platform=to, attempts=step.attempts
            )
        else:
            detail = loc._("to {platform}, first attempt", platform=to)
    else:
        detail = loc._("to {platform}: {note}", platform=to, note=step.note)
    return ShownStep(step.at, title, said.source(step.actor), detail)
