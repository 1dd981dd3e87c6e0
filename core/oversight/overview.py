"""The dashboard's overview: orders by day, status and currency, and what needs an operator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from core.money import Money
from core.order_status import MONEY_HELD, OrderStatus
from core.oversight.lines import DeliveryAttempts, OrderLine

# What counts as money taken, for the value of orders over time: paid for and not refunded.
SETTLED = MONEY_HELD


@dataclass(frozen=True)
class DayTotal:
    """Orders created on one day (UTC) in one status and currency: how many, their total amount."""

    day: date
    status: OrderStatus
    currency: str
    count: int
    minor: int


@dataclass(frozen=True)
class StatusTotal:
    """Orders now in one status: how many, and their amounts per currency."""

    status: OrderStatus
    count: int
    amounts: tuple[Money, ...]


@dataclass(frozen=True)
class DayPoint:
    """One day of the chart: every order created that day, and the value of those paid."""

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
    """What an operator should look at: undeliverable messages, retries, failed issuance."""

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
        """Orders and rewards an operator should look at (one per subject, however many
        messages)."""
        return len(self.undeliverable_by_subject()) + len(self.failed_issuance)
