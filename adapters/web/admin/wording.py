"""What the dashboard says about an order: who acted, each step of its life, each card payment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from adapters.i18n import ENGLISH, Localizer
from adapters.i18n.phrases import Phrase, later
from core.orders import OrderStatus
from core.outbox import MessageKind
from core.oversight.lines import PaymentLine
from core.oversight.timeline import StepKind, TimelineStep

SOURCES: dict[str, str | Phrase] = {
    "slack": "Slack",
    "teams": "Microsoft Teams",
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


def source_label(source: str, loc: Localizer = ENGLISH) -> str:
    """Who acted, in words: `admin:ops@example.com` → `ops@example.com (dashboard)`."""
    if source.startswith("admin:"):
        return loc._("{email} (dashboard)", email=source.removeprefix("admin:"))
    return _said(SOURCES.get(source, source), loc)


def shown_timeline(
    steps: Iterable[TimelineStep], loc: Localizer = ENGLISH
) -> tuple[ShownStep, ...]:
    return tuple(shown_step(step, loc) for step in steps)


def shown_step(step: TimelineStep, loc: Localizer = ENGLISH) -> ShownStep:
    if step.kind is StepKind.STATUS and step.status is not None:
        return _status(step, step.status, loc)
    if step.kind is StepKind.ACT:
        return _act(step, loc)
    return _message(step, loc)


def payment_label(payment: PaymentLine, loc: Localizer = ENGLISH) -> str:
    if payment.duplicate:
        if payment.refunded:
            return loc._("duplicate payment refunded")
        return loc._("duplicate payment, refund due")
    return loc._("refunded") if payment.refunded else loc._("pays for the order")


def _said(text: str | Phrase, loc: Localizer) -> str:
    return text.said(loc) if isinstance(text, Phrase) else text


def _status(step: TimelineStep, status: OrderStatus, loc: Localizer) -> ShownStep:
    intent = f"PaymentIntent {step.payment_intent_id}" if step.payment_intent_id else ""
    return ShownStep(
        step.at,
        _said(STATUS_TITLES[status], loc),
        source_label(step.actor, loc),
        step.note or intent,
    )


def _act(step: TimelineStep, loc: Localizer) -> ShownStep:
    detail = ", ".join(f"{key}: {value}" for key, value in step.values)
    title = _said(ACT_TITLES.get(step.action, step.action), loc)
    return ShownStep(step.at, title, source_label(step.actor, loc), detail)


def _message(step: TimelineStep, loc: Localizer) -> ShownStep:
    to = source_label(step.platform, loc)
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
    return ShownStep(step.at, title, source_label(step.actor, loc), detail)
