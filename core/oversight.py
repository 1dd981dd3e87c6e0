"""The admin dashboard's view of the shop: read models, the Oversight read port, dashboard users and acts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from core.audit import AuditEntry, AuditRecord
from core.errors import InvalidRequest
from core.identity import ChatUser
from core.money import Money
from core.order_status import MONEY_HELD, FailureKind
from core.orders import (
    CardPayment,
    Order,
    OrderStatus,
    PaymentState,
    StatusChange,
    issuance_can_be_retried,
)
from core.outbox import MessageKind, MessageStatus, OutboxMessage
from core.ports import UnitOfWorkFactory
from core.rewards import Budget, LedgerEntry, Programme, Reward
from core.vouchers import Voucher, VoucherStatus, mask

T = TypeVar("T")
# What counts as money taken, for the value of orders over time: paid for and not refunded.
SETTLED = MONEY_HELD


# --- queries --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderQuery:
    """Filters of the order list; empty strings and None mean "any"."""

    status: str = ""
    platform: str = ""
    since: date | None = None
    until: date | None = None  # inclusive
    product_id: str = ""
    buyer: str = ""  # part of the buyer's name, user id or key
    programme_id: str = ""  # orders paid (in part) from a reward of this programme
    text: str = (
        ""  # part of the order id, payment intent id, buyer name, product id or failure reason
    )
    page: int = 1
    per_page: int = 25

    @property
    def offset(self) -> int:
        return (max(self.page, 1) - 1) * self.per_page


@dataclass(frozen=True)
class AuditQuery:
    actor: str = ""  # part of the actor
    action: str = ""  # an action or its prefix ("order." for every order change)
    subject: str = ""  # part of the subject (an order, reward, programme or user)
    since: date | None = None
    until: date | None = None
    page: int = 1
    per_page: int = 50

    @property
    def offset(self) -> int:
        return (max(self.page, 1) - 1) * self.per_page


@dataclass(frozen=True)
class RewardQuery:
    programme_id: str = ""
    status: str = ""
    page: int = 1
    per_page: int = 25

    @property
    def offset(self) -> int:
        return (max(self.page, 1) - 1) * self.per_page


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a filtered list and how many items match in all."""

    items: tuple[T, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


# --- orders ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLine:
    """An order as a row of the list: no payment secret, no checkout token."""

    order_id: str
    created_at: datetime
    updated_at: datetime
    status: OrderStatus
    amount: Money
    product_id: str
    buyer: ChatUser
    payment_intent_id: str | None
    failure_reason: str = ""
    reward_id: str | None = None
    reward_minor: int = 0
    provider: str = ""  # where issuance was routed (core.routing) and why
    route_reason: str = ""
    route_tried: tuple[str, ...] = ()

    @classmethod
    def of(cls, order: Order) -> OrderLine:
        return cls(
            order_id=order.id,
            created_at=order.created_at,
            updated_at=order.updated_at,
            status=order.status,
            amount=order.amount,
            product_id=order.product_id,
            buyer=order.buyer,
            payment_intent_id=order.payment_intent_id,
            failure_reason=order.failure_reason,
            reward_id=order.reward_id,
            reward_minor=order.reward_minor,
            provider=order.provider,
            route_reason=order.route_reason,
            route_tried=order.route_tried,
        )

    @property
    def platform(self) -> str:
        return self.buyer.platform


@dataclass(frozen=True)
class VoucherView:
    """A voucher as the dashboard shows it: the code masked; PIN and redemption link only as present or not."""

    voucher_id: str
    masked_code: str
    status: VoucherStatus
    expires_on: date
    issued_at: datetime
    provider: str
    provider_reference: str
    has_pin: bool
    has_redeem_url: bool

    @classmethod
    def of(cls, voucher: Voucher) -> VoucherView:
        return cls(
            voucher_id=voucher.id,
            masked_code=voucher.masked_code,
            status=voucher.status,
            expires_on=voucher.expires_on,
            issued_at=voucher.issued_at,
            provider=voucher.provider,
            provider_reference=voucher.provider_reference,
            has_pin=voucher.pin is not None,
            has_redeem_url=voucher.redeem_url is not None,
        )


@dataclass(frozen=True)
class DeliveryAttempts:
    """One outbox message and what happened each time it was tried."""

    message_id: str
    kind: MessageKind
    platform: str
    status: MessageStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str
    history: tuple[str, ...]
    order_id: str = ""
    reward_id: str = ""

    @classmethod
    def of(cls, message: OutboxMessage) -> DeliveryAttempts:
        return cls(
            message_id=message.id,
            kind=message.kind,
            platform=message.conversation.platform,
            status=message.status,
            attempts=message.attempts,
            created_at=message.created_at,
            next_attempt_at=message.next_attempt_at,
            sent_at=message.sent_at,
            last_error=message.last_error,
            history=tuple(message.history),
            order_id=message.order_id,
            reward_id=message.reward_id,
        )


@dataclass(frozen=True)
class TimelineStep:
    """One moment in an order's life: when, what, and who or what caused it."""

    at: datetime
    title: str
    source: str
    detail: str = ""


_STEP_TITLES = {
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
_SOURCES = {
    "slack": "Slack",
    "teams": "Microsoft Teams",
    "stripe": "Stripe webhook",
    "system": "voucherbot",
    "outbox": "delivery worker",
    "reward": "reward balance",
}
# Audit actions the status history or the outbox already tell.
_TOLD_ELSEWHERE = ("order.", "voucher.issued", "delivery.failed")


def source_label(source: str) -> str:
    """Who acted, in words: `admin:ops@example.com` → `ops@example.com (dashboard)`."""
    if source.startswith("admin:"):
        return f"{source.removeprefix('admin:')} (dashboard)"
    return _SOURCES.get(source, source)


@dataclass(frozen=True)
class PaymentLine:
    """One card payment of an order, as the dashboard lists it."""

    intent_id: str
    amount: Money
    at: datetime
    label: str

    @classmethod
    def of(cls, payment: CardPayment) -> PaymentLine:
        refunded = payment.state is PaymentState.REFUNDED
        if payment.duplicate:
            label = "duplicate payment refunded" if refunded else "duplicate payment, refund due"
        else:
            label = "refunded" if refunded else "pays for the order"
        return cls(payment.intent_id, payment.amount, payment.at, label)


@dataclass(frozen=True)
class OrderDetail:
    """Everything the dashboard knows about one order."""

    line: OrderLine
    history: tuple[StatusChange, ...]
    payment_attempts: int
    checkout_expires_at: datetime | None
    voucher: VoucherView | None
    deliveries: tuple[DeliveryAttempts, ...]
    audit: tuple[AuditEntry, ...]
    payments: tuple[PaymentLine, ...] = ()

    @property
    def timeline(self) -> tuple[TimelineStep, ...]:
        """Status changes, messages sent or given up on, and administrative acts, oldest first."""
        # At one instant, a message sent comes before the status it caused, and acts come last.
        ranked = [(change.at, 1, self._status_step(change)) for change in self.history]
        ranked += [
            (step.at, 0, step) for message in self.deliveries for step in _message_steps(message)
        ]
        ranked += [
            (
                entry.at,
                2,
                TimelineStep(
                    entry.at, _audit_title(entry), source_label(entry.actor), _audit_detail(entry)
                ),
            )
            for entry in self.audit
            if not entry.action.startswith(_TOLD_ELSEWHERE)
        ]
        return tuple(step for _, _, step in sorted(ranked, key=lambda item: (item[0], item[1])))

    def _status_step(self, change: StatusChange) -> TimelineStep:
        detail = change.note
        if change.after is OrderStatus.AWAITING_PAYMENT and self.line.payment_intent_id:
            detail = detail or f"PaymentIntent {self.line.payment_intent_id}"
        return TimelineStep(
            change.at, _STEP_TITLES[change.after], source_label(change.source), detail
        )

    @property
    def can_cancel(self) -> bool:
        """Unpaid: never paid, or its card was declined (an issuance failure means money was taken)."""
        unpaid = (OrderStatus.CREATED, OrderStatus.AWAITING_PAYMENT)
        declined = (
            self.line.status is OrderStatus.FAILED
            and not FailureKind.of(self.line.failure_reason).after_payment
        )
        return self.line.status in unpaid or declined

    @property
    def can_refund(self) -> bool:
        refundable = (
            OrderStatus.PAID,
            OrderStatus.ISSUED,
            OrderStatus.DELIVERED,
            OrderStatus.FAILED,
        )
        paid_failure = (
            self.line.status is not OrderStatus.FAILED
            or FailureKind.of(self.line.failure_reason).after_payment
        )
        return self.line.status in refundable and paid_failure

    @property
    def can_resend(self) -> bool:
        active = self.voucher is not None and self.voucher.status is VoucherStatus.ACTIVE
        return active and self.line.status in (OrderStatus.ISSUED, OrderStatus.DELIVERED)

    @property
    def can_retry_issuance(self) -> bool:
        return issuance_can_be_retried(self.line.status, self.line.failure_reason)

    @property
    def can_reveal(self) -> bool:
        return self.voucher is not None


def _message_steps(message: DeliveryAttempts) -> list[TimelineStep]:
    what = "Voucher message" if message.kind is MessageKind.VOUCHER_DELIVERY else "Status message"
    to = f"to {source_label(message.platform)}"
    if message.sent_at is not None:
        tries = f"after {message.attempts} attempts" if message.attempts > 1 else "first attempt"
        return [TimelineStep(message.sent_at, f"{what} sent", "delivery worker", f"{to}, {tries}")]
    if message.status is MessageStatus.DEAD:
        given_up = _logged_at(message.history[-1]) if message.history else None
        at = given_up or message.next_attempt_at
        return [
            TimelineStep(
                at,
                f"{what} could not be delivered",
                "delivery worker",
                f"{to}: {message.last_error}",
            )
        ]
    if message.attempts:
        return [
            TimelineStep(
                message.created_at,
                f"{what} waiting to be retried",
                "delivery worker",
                f"{to}: {message.last_error}",
            )
        ]
    return []


def _logged_at(line: str) -> datetime | None:
    """The time at the start of an outbox history line (`2026-11-26T09:00:00+00:00 gave up: …`)."""
    try:
        return datetime.fromisoformat(line.split(" ", 1)[0])
    except ValueError:
        return None


_AUDIT_TITLES = {
    "voucher.issued": "Voucher stored",
    "voucher.voided": "Voucher voided",
    "voucher.resend": "Voucher message sent again",
    "voucher.revealed": "Voucher code revealed",
    "voucher.issue_retry": "Provider busy, issuance will be retried",
    "delivery.failed": "Delivery failed for good",
    "payment.duplicate": "Duplicate payment received, to be refunded",
    "payment.duplicate_refunded": "Duplicate payment refunded",
}


def _audit_title(entry: AuditEntry) -> str:
    return _AUDIT_TITLES.get(entry.action, entry.action)


def _audit_detail(entry: AuditEntry) -> str:
    values = {**(entry.before or {}), **(entry.after or {})}
    return ", ".join(f"{key}: {value}" for key, value in sorted(values.items()))


# --- overview -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayTotal:
    """Orders created on one day (UTC) in one status and currency: how many, and their total amount."""

    day: date
    status: OrderStatus
    currency: str
    count: int
    minor: int


@dataclass(frozen=True)
class StatusTotal:
    status: OrderStatus
    count: int
    amounts: tuple[Money, ...]


@dataclass(frozen=True)
class DayPoint:
    """One day of the chart: every order created that day, and the value of those paid, in one currency."""

    day: date
    orders: int
    value: Money


@dataclass(frozen=True)
class Overview:
    """Orders created from `since` to `until` (inclusive), by day, status and currency."""

    since: date
    until: date
    totals: tuple[DayTotal, ...]

    @property
    def order_count(self) -> int:
        return sum(t.count for t in self.totals)

    def count(self, *statuses: str) -> int:
        """Orders now in any of `statuses`."""
        return sum(t.count for t in self.totals if t.status in statuses)

    @property
    def currencies(self) -> tuple[str, ...]:
        """Currencies by value taken, largest first (the chart shows the first)."""
        value: dict[str, int] = {}
        for t in self.totals:
            value[t.currency] = value.get(t.currency, 0) + (t.minor if t.status in SETTLED else 0)
        return tuple(sorted(value, key=lambda c: (-value[c], c)))

    def by_status(self) -> tuple[StatusTotal, ...]:
        counts: dict[OrderStatus, int] = {}
        amounts: dict[OrderStatus, dict[str, int]] = {}
        for t in self.totals:
            counts[t.status] = counts.get(t.status, 0) + t.count
            per_currency = amounts.setdefault(t.status, {})
            per_currency[t.currency] = per_currency.get(t.currency, 0) + t.minor
        return tuple(
            StatusTotal(s, counts[s], tuple(Money(m, c) for c, m in sorted(amounts[s].items())))
            for s in OrderStatus
            if s in counts
        )

    def settled(self) -> tuple[Money, ...]:
        """Money taken (paid, issuing, issued or delivered orders), per currency."""
        per_currency: dict[str, int] = {}
        for t in self.totals:
            if t.status in SETTLED:
                per_currency[t.currency] = per_currency.get(t.currency, 0) + t.minor
        return tuple(Money(m, c) for c, m in sorted(per_currency.items()))

    def series(self, currency: str) -> tuple[DayPoint, ...]:
        """Every day of the window, empty days included, with the value paid in `currency`."""
        days = (self.until - self.since).days + 1
        points = []
        for offset in range(max(days, 0)):
            day = self.since + timedelta(days=offset)
            todays = [t for t in self.totals if t.day == day]
            value = sum(t.minor for t in todays if t.currency == currency and t.status in SETTLED)
            points.append(DayPoint(day, sum(t.count for t in todays), Money(value, currency)))
        return tuple(points)


@dataclass(frozen=True)
class Attention:
    """What an operator should look at: undeliverable messages, retries under way, failed issuance."""

    undeliverable: tuple[DeliveryAttempts, ...]
    retrying: tuple[DeliveryAttempts, ...]
    failed_issuance: tuple[OrderLine, ...]

    @property
    def empty(self) -> bool:
        return not (self.undeliverable or self.retrying or self.failed_issuance)

    def undeliverable_by_subject(self) -> tuple[tuple[str, tuple[DeliveryAttempts, ...]], ...]:
        """Undeliverable messages grouped by their order (or reward), in the order first seen."""
        groups: dict[str, list[DeliveryAttempts]] = {}
        for message in self.undeliverable:
            groups.setdefault(message.order_id or message.reward_id, []).append(message)
        return tuple((subject, tuple(messages)) for subject, messages in groups.items())

    @property
    def count(self) -> int:
        """Orders and rewards an operator should look at (one per subject, however many messages)."""
        return len(self.undeliverable_by_subject()) + len(self.failed_issuance)


# --- rewards --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeBalance:
    """A programme with its budget (always the ledger's sum) and how many rewards are in each status."""

    programme: Programme
    budget: Budget
    rewards_by_status: tuple[tuple[str, int], ...] = ()

    def money(self, minor: int) -> Money:
        return self.programme.money(max(minor, 0))


@dataclass(frozen=True)
class GiftLine:
    """A gift as a row of the dashboard: who to whom, when, its payment and its delivery (never the code)."""

    gift_id: str
    order_id: str
    created_at: datetime
    buyer: ChatUser
    recipient: ChatUser
    amount: Money
    order_status: OrderStatus
    gift_status: str  # pending, delivered, cancelled
    deliver_at: datetime | None
    delivery: str  # the recipient's message: "not queued", "pending", "sent", "dead"
    delivered_at: datetime | None = None

    @property
    def refunded(self) -> bool:
        return self.order_status is OrderStatus.REFUNDED


# --- the read port ---------------------------------------------------------------------------------


class Oversight(Protocol):
    """Read-only queries behind the admin dashboard and its JSON API."""

    async def orders(self, query: OrderQuery) -> Page[OrderLine]:
        """Newest first."""

    async def order(self, order_id: str) -> OrderDetail:
        """OrderNotFound if there is no such order."""

    async def audit(self, query: AuditQuery) -> Page[AuditEntry]:
        """Newest first."""

    async def audit_chain(self) -> Sequence[AuditEntry]:
        """The whole chain in order, for verification."""

    async def overview(self, since: date, until: date) -> Overview: ...

    async def attention(self, limit: int = 20) -> Attention: ...

    async def programmes(self) -> Sequence[ProgrammeBalance]: ...

    async def ledger(self, programme_id: str, limit: int = 200) -> Sequence[LedgerEntry]:
        """Newest first."""

    async def rewards(self, query: RewardQuery) -> Page[Reward]:
        """Newest first."""

    async def reward_admins(self) -> Sequence[str]: ...

    async def gifts(self, limit: int = 100) -> Sequence[GiftLine]:
        """Newest first."""


# --- dashboard users ---------------------------------------------------------------------------------


class AdminRole(StrEnum):
    VIEWER = "viewer"  # reads everything, exports, verifies the audit chain
    ADMIN = (
        "admin"  # also cancels, refunds, resends, retries issuance, reveals codes, manages budgets
    )


@dataclass(frozen=True)
class Lockout:
    """Sign-in waits after `attempts` wrong passwords in a row: `first_delay`, doubled per further failure.

    A growing delay rather than a long fixed lock: a few mistyped passwords cost a minute, an attack
    keeps the account waiting at most `longest` after its latest failure, and the per-address limit
    on the sign-in form stops one client from keeping every account waiting.
    """

    attempts: int = 5
    first_delay: timedelta = timedelta(minutes=1)
    longest: timedelta = timedelta(minutes=15)

    def delay(self, failures: int) -> timedelta:
        """How long sign-in waits after the `failures`-th wrong password in a row."""
        if failures < self.attempts:
            return timedelta(0)
        doublings = min(failures - self.attempts, 32)  # 2**32 minutes is past any cap
        return min(self.first_delay * 2**doublings, self.longest)

    def admits(self, started: SignInTally, now_tally: SignInTally, now: datetime) -> bool:
        """Whether a right password opens a session, judged after the check (the attempt itself not counted).

        Attempts still being checked count as failures: 29 wrong passwords sent together with the
        right one lock the account whatever order they are checked in. After a delay has passed, a
        right password is admitted if no failure came and no other attempt ran while it was checked.
        """
        if started.is_locked(now) or now_tally.is_locked(now):
            return False
        pressure = now_tally.failures + now_tally.in_flight
        return pressure < self.attempts or pressure <= started.failures


@dataclass(frozen=True)
class SignInTally:
    """An account's lock-out counters as read atomically with a change to them."""

    failures: int  # wrong passwords in a row, each counted by one atomic increment
    in_flight: int  # sign-ins of this account whose password is being checked right now (others')
    locked_until: datetime | None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


@dataclass(frozen=True)
class SignInAttempt:
    """A sign-in under way: the account's hash and role, and its counters when the attempt began."""

    email: str
    role: AdminRole
    password_hash: str
    started: SignInTally


@dataclass
class AdminUser:
    """A person who signs in to the dashboard; the password only as a slow, salted hash."""

    email: str
    role: AdminRole
    password_hash: str
    created_at: datetime
    failed_logins: int = 0
    locked_until: datetime | None = None
    last_login_at: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


def normalise_email(email: str) -> str:
    """Emails are compared lower-cased and trimmed; InvalidRequest if it cannot be one."""
    cleaned = email.strip().lower()
    local, at, domain = cleaned.partition("@")
    if (
        not (local and at and "." in domain)
        or len(cleaned) > 254
        or any(c.isspace() for c in cleaned)
    ):
        raise InvalidRequest(f"'{email.strip()[:80]}' is not an email address.")
    return cleaned


@dataclass(frozen=True)
class AdminSession:
    """A signed-in browser; only a digest of its random id is stored."""

    id_hash: str
    email: str
    role: AdminRole
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime

    @property
    def actor(self) -> str:
        return f"admin:{self.email}"

    @property
    def is_admin(self) -> bool:
        return self.role is AdminRole.ADMIN


class AdminAccounts(Protocol):
    """Dashboard users and their sessions."""

    async def add(self, user: AdminUser) -> None:
        """DuplicateRequest if the email exists."""

    async def get(self, email: str) -> AdminUser | None: ...

    async def list(self) -> Sequence[AdminUser]: ...

    async def set_password(self, email: str, password_hash: str) -> None: ...

    async def begin_sign_in(self, email: str, now: datetime) -> SignInAttempt | None:
        """Note an attempt under way (one atomic update) and read the counters; None for an unknown email."""

    async def sign_in_failed(self, email: str, now: datetime, policy: Lockout) -> SignInTally:
        """End an attempt as a wrong password: failures + 1 in one atomic update, then the delay it earns."""

    async def sign_in_right(self, attempt: SignInAttempt, now: datetime, policy: Lockout) -> bool:
        """End an attempt whose password was right; atomically, `policy.admits` it (counters reset) or not."""

    async def open_session(self, session: AdminSession) -> None: ...

    async def find_session(self, id_hash: str, now: datetime) -> AdminSession | None:
        """The live session with the user's current role, or None if unknown, expired or the user is gone."""

    async def touch_session(self, id_hash: str, now: datetime, expires_at: datetime) -> None: ...

    async def close_session(self, id_hash: str) -> None: ...


# --- dashboard acts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevealedVoucher:
    """A voucher's secrets, for the one response that shows them to an admin."""

    order_id: str
    code: str
    pin: str | None
    redeem_url: str | None

    @property
    def masked_code(self) -> str:
        return mask(self.code)


class AdminActs:
    """The dashboard's own acts (the checkout and recognition use cases audit theirs): each is audited."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def reveal(self, order_id: str, actor: str) -> RevealedVoucher:
        """The voucher's code for an admin; the audit entry is committed before the code is returned."""
        async with self._uow() as uow:
            voucher = await uow.vouchers.for_order(order_id)
            if voucher is None:
                raise InvalidRequest(f"Order {order_id} has no voucher to reveal.")
            uow.audit.record(
                AuditRecord(
                    actor, "voucher.revealed", order_id, None, {"voucher": voucher.masked_code}
                )
            )
            await uow.commit()
        return RevealedVoucher(order_id, voucher.code, voucher.pin, voucher.redeem_url)

    async def note(
        self, actor: str, action: str, subject: str, after: dict[str, Any] | None = None
    ) -> None:
        """Audit a dashboard event that changes no order: a sign-in, a lock-out, an export, a verification."""
        async with self._uow() as uow:
            uow.audit.record(AuditRecord(actor, action, subject, None, after))
            await uow.commit()
