"""An order's life as steps in domain terms: status changes, messages and audited acts, oldest
first.

The steps say what happened (a kind, a status, an action) and who caused it (an actor such as
`stripe`, `outbox` or `admin:<email>`); the web adapter words them for people.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.audit import AuditEntry
from core.orders import OrderStatus, StatusChange
from core.outbox import MessageKind, MessageStatus
from core.oversight.lines import DeliveryAttempts

# Audit actions the status history or the outbox already tell.
TOLD_ELSEWHERE = ("order.", "voucher.issued", "delivery.failed")
OUTBOX = "outbox"  # the actor of message steps: the delivery worker


class StepKind(StrEnum):
    STATUS = "status"  # the order moved to `status`
    MESSAGE_SENT = "message_sent"
    MESSAGE_DEAD = "message_dead"  # given up on
    MESSAGE_RETRYING = "message_retrying"
    ACT = "act"  # an audited act (`action`) that the status history does not tell


@dataclass(frozen=True)
class TimelineStep:
    """One moment in an order's life: when, what kind of step, and who or what caused it."""

    at: datetime
    kind: StepKind
    actor: str
    status: OrderStatus | None = None  # STATUS: the status the order moved to
    action: str = ""  # ACT: the audit action
    message: MessageKind | None = None  # MESSAGE_*: which message
    platform: str = ""  # MESSAGE_*: where it goes
    attempts: int = 0  # MESSAGE_*: how many times it was tried
    note: str = ""  # STATUS: the change's note; MESSAGE_*: the last error
    payment_intent_id: str = ""  # STATUS awaiting payment: the intent the checkout link pays
    values: tuple[tuple[str, object], ...] = ()  # ACT: the entry's values, by key


def order_timeline(
    history: Iterable[StatusChange],
    deliveries: Iterable[DeliveryAttempts],
    audit: Iterable[AuditEntry],
    payment_intent_id: str | None,
) -> tuple[TimelineStep, ...]:
    """At one instant, a message sent comes before the status it caused, and acts come last."""
    ranked = [(c.at, 1, status_step(c, payment_intent_id)) for c in history]
    ranked += [(step.at, 0, step) for message in deliveries for step in message_steps(message)]
    ranked += [
        (entry.at, 2, act_step(entry))
        for entry in audit
        if not entry.action.startswith(TOLD_ELSEWHERE)
    ]
    return tuple(step for _, _, step in sorted(ranked, key=lambda item: (item[0], item[1])))


def status_step(change: StatusChange, payment_intent_id: str | None) -> TimelineStep:
    awaiting = change.after is OrderStatus.AWAITING_PAYMENT and payment_intent_id
    return TimelineStep(
        change.at,
        StepKind.STATUS,
        change.source,
        status=change.after,
        note=change.note,
        payment_intent_id=(payment_intent_id or "") if awaiting else "",
    )


def act_step(entry: AuditEntry) -> TimelineStep:
    values = {**(entry.before or {}), **(entry.after or {})}
    return TimelineStep(
        entry.at,
        StepKind.ACT,
        entry.actor,
        action=entry.action,
        values=tuple(sorted(values.items())),
    )


def message_steps(message: DeliveryAttempts) -> list[TimelineStep]:
    """A message sent, given up on, or waiting to be retried; nothing for one not yet tried."""
    if message.sent_at is not None:
        return [_message_step(message, message.sent_at, StepKind.MESSAGE_SENT)]
    if message.status is MessageStatus.DEAD:
        given_up = _logged_at(message.history[-1]) if message.history else None
        at = given_up or message.next_attempt_at
        return [_message_step(message, at, StepKind.MESSAGE_DEAD)]
    if message.attempts:
        return [_message_step(message, message.created_at, StepKind.MESSAGE_RETRYING)]
    return []


def _message_step(message: DeliveryAttempts, at: datetime, kind: StepKind) -> TimelineStep:
    error = "" if kind is StepKind.MESSAGE_SENT else message.last_error
    return TimelineStep(
        at,
        kind,
        OUTBOX,
        message=message.kind,
        platform=message.platform,
        attempts=message.attempts,
        note=error,
    )


def _logged_at(line: str) -> datetime | None:
    """The time at the start of an outbox history line (`2026-11-26T09:00:00+00:00 gave up: …`)."""
    try:
        return datetime.fromisoformat(line.split(" ", 1)[0])
    except ValueError:
        return None
