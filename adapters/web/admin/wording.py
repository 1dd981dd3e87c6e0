"""What the dashboard says about an order: who acted, each step of its life, each card payment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from core.orders import OrderStatus
from core.outbox import MessageKind
from core.oversight.lines import PaymentLine
from core.oversight.timeline import StepKind, TimelineStep

SOURCES = {
    "slack": "Slack",
    "teams": "Microsoft Teams",
    "stripe": "Stripe webhook",
    "system": "voucherbot",
    "outbox": "delivery worker",
    "reward": "reward balance",
}
STATUS_TITLES = {
    OrderStatus.CREATED: "Order created",
    OrderStatus.AWAITING_PAYMENT: "Checkout link issued, awaiting payment",
    OrderStatus.PAID: "Payment confirmed",
    OrderStatus.ISSUING: "Voucher requested from the provider",
    OrderStatus.ISSUED: "Voucher issued",
    OrderStatus.DELIVERED: "Voucher delivered in chat",
    OrderStatus.FAILED: "Failed",
    OrderStatus.CANCELLED: "Cancelled",
    OrderStatus.REFUNDED: "Refunded",
    OrderStatus.EXPIRED: "Checkout expired",
}
ACT_TITLES = {
    "voucher.issued": "Voucher stored",
    "voucher.voided": "Voucher voided",
    "voucher.resend": "Voucher message sent again",
    "voucher.revealed": "Voucher code revealed",
    "voucher.issue_retry": "Provider busy, issuance will be retried",
    "delivery.failed": "Delivery failed for good",
    "payment.duplicate": "Duplicate payment received, to be refunded",
    "payment.duplicate_refunded": "Duplicate payment refunded",
}
MESSAGE_OUTCOMES = {
    StepKind.MESSAGE_SENT: "sent",
    StepKind.MESSAGE_DEAD: "could not be delivered",
    StepKind.MESSAGE_RETRYING: "waiting to be retried",
}


@dataclass(frozen=True)
class ShownStep:
    """A timeline step in words: when, what, who or what caused it, and any detail."""

    at: datetime
    title: str
    source: str
    detail: str = ""


def source_label(source: str) -> str:
    """Who acted, in words: `admin:ops@example.com` → `ops@example.com (dashboard)`."""
    if source.startswith("admin:"):
        return f"{source.removeprefix('admin:')} (dashboard)"
    return SOURCES.get(source, source)


def shown_timeline(steps: Iterable[TimelineStep]) -> tuple[ShownStep, ...]:
    return tuple(shown_step(step) for step in steps)


def shown_step(step: TimelineStep) -> ShownStep:
    if step.kind is StepKind.STATUS and step.status is not None:
        return _status(step, step.status)
    if step.kind is StepKind.ACT:
        return _act(step)
    return _message(step)


def payment_label(payment: PaymentLine) -> str:
    if payment.duplicate:
        return "duplicate payment refunded" if payment.refunded else "duplicate payment, refund due"
    return "refunded" if payment.refunded else "pays for the order"


def _status(step: TimelineStep, status: OrderStatus) -> ShownStep:
    intent = f"PaymentIntent {step.payment_intent_id}" if step.payment_intent_id else ""
    return ShownStep(step.at, STATUS_TITLES[status], source_label(step.actor), step.note or intent)


def _act(step: TimelineStep) -> ShownStep:
    detail = ", ".join(f"{key}: {value}" for key, value in step.values)
    return ShownStep(
        step.at, ACT_TITLES.get(step.action, step.action), source_label(step.actor), detail
    )


def _message(step: TimelineStep) -> ShownStep:
    what = "Voucher message" if step.message is MessageKind.VOUCHER_DELIVERY else "Status message"
    to = f"to {source_label(step.platform)}"
    if step.kind is StepKind.MESSAGE_SENT:
        tries = f"after {step.attempts} attempts" if step.attempts > 1 else "first attempt"
        detail = f"{to}, {tries}"
    else:
        detail = f"{to}: {step.note}"
    title = f"{what} {MESSAGE_OUTCOMES[step.kind]}"
    return ShownStep(step.at, title, source_label(step.actor), detail)
