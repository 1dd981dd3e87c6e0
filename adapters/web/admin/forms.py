"""Reading the dashboard's query strings and forms into core queries, with a reason for each bad
value."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from adapters.i18n.phrases import Phrase, later
from core.money import Money
from core.orders import OrderStatus
from core.oversight.queries import AuditQuery, OrderQuery, RewardQuery
from core.rewards import RewardStatus

MAX_PER_PAGE = 200
MAX_TEXT = 200


@dataclass
class Reader:
    """Reads typed values out of a query string or form, collecting what was wrong instead of
    raising."""

    values: Mapping[str, str]
    problems: list[str | Phrase] = field(default_factory=list)  # said in the reader's language

    def text(self, name: str) -> str:
        return str(self.values.get(name, "")).strip()[:MAX_TEXT]

    def choice(self, name: str, allowed: tuple[str, ...], label: Phrase) -> str:
        value = self.text(name)
        if value and value not in allowed:
            self.problems.append(
                later(
                    "{label}: '{value}' is not one of {choices}.",
                    label=label,
                    value=value,
                    choices=", ".join(allowed),
                )
            )
            return ""
        return value

    def day(self, name: str, label: Phrase) -> date | None:
        value = self.text(name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.problems.append(
                later("{label}: '{value}' is not a date (YYYY-MM-DD).", label=label, value=value)
            )
            return None

    def number(self, name: str, default: int, *, low: int, high: int) -> int:
        value = self.text(name)
        if not value:
            return default
        if not value.isdigit() or not low <= int(value) <= high:
            self.problems.append(
                later(
                    "{name}: give a whole number from {low} to {high}.",
                    name=name,
                    low=low,
                    high=high,
                )
            )
            return default
        return int(value)

    def money(self, name: str, currency: str, label: Phrase) -> Money | None:
        value = self.text(name)
        try:
            amount = Money.parse(value, currency)
        except ValueError:
            self.problems.append(
                later(
                    "{label}: '{value}' is not an amount in {currency}.",
                    label=label,
                    value=value,
                    currency=currency,
                )
            )
            return None
        if amount.minor <= 0:
            self.problems.append(later("{label}: the amount must be more than zero.", label=label))
            return None
        return amount


STATUSES = tuple(str(s) for s in OrderStatus)
REWARD_STATUSES = tuple(str(s) for s in RewardStatus)


def order_query(
    values: Mapping[str, str], *, platforms: Collection[str], per_page: int = 25
) -> tuple[OrderQuery, list[str | Phrase]]:
    """The orders filter; `platforms` names the chat platforms a channel filter may choose."""
    read = Reader(values)
    query = OrderQuery(
        status=read.choice("status", STATUSES, later("Status")),
        platform=read.choice("channel", tuple(platforms), later("Channel")),
        since=read.day("from", later("From")),
        until=read.day("to", later("To")),
        product_id=read.text("product"),
        buyer=read.text("buyer"),
        programme_id=read.text("programme"),
        text=read.text("q"),
        page=read.number("page", 1, low=1, high=100_000),
        per_page=read.number("per_page", per_page, low=1, high=MAX_PER_PAGE),
    )
    if query.since and query.until and query.since > query.until:
        read.problems.append(later("From: the first day comes after the last."))
    return query, read.problems


def audit_query(
    values: Mapping[str, str], *, per_page: int = 50
) -> tuple[AuditQuery, list[str | Phrase]]:
    read = Reader(values)
    query = AuditQuery(
        actor=read.text("actor"),
        action=read.text("action"),
        subject=read.text("subject"),
        since=read.day("from", later("From")),
        until=read.day("to", later("To")),
        page=read.number("page", 1, low=1, high=100_000),
        per_page=read.number("per_page", per_page, low=1, high=MAX_PER_PAGE),
    )
    return query, read.problems


def reward_query(
    values: Mapping[str, str], programme_id: str
) -> tuple[RewardQuery, list[str | Phrase]]:
    read = Reader(values)
    query = RewardQuery(
        programme_id=programme_id,
        status=read.choice("status", REWARD_STATUSES, later("Status")),
        page=read.number("page", 1, low=1, high=100_000),
    )
    return query, read.problems


def with_page(values: Mapping[str, str], page: int) -> str:
    """The same query string on another page (for "previous" and "next" links)."""
    kept = {k: v for k, v in values.items() if k != "page" and v}
    return "?" + urlencode({**kept, "page": page})


def same_filters(values: Mapping[str, str]) -> str:
    """The query string without paging, for an export of "what I am looking at"."""
    kept = {k: v for k, v in values.items() if k not in ("page", "per_page") and v}
    return "?" + urlencode(kept) if kept else ""
