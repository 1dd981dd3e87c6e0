"""What the dashboard says about an order: who acted, each step of its life, each card payment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from adapters.i18n import ENGLISH, Localizer
from adapters.i18n.phrases import Phrase, later
from core.orders import OrderStatus
from core.outbox import MessageKind
from core.oversight.lines import PaymentLine
from core.oversight.timeline import StepKind, TimelineStep
from core.platforms import ChatPlatform

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
