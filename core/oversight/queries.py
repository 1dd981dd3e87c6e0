"""Filters of the dashboard's lists (orders, audit, rewards) and one page of results."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

T = TypeVar("T")


def _offset(page: int, per_page: int) -> int:
    return (max(page, 1) - 1) * per_page


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
    # part of the order id, payment intent id, buyer name, product id or failure reason
    text: str = ""
    page: int = 1
    per_page: int = 25

    @property
    def offset(self) -> int:
        return _offset(self.page, self.per_page)


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the audit trail; empty strings and None mean "any"."""

    actor: str = ""  # part of the actor
    action: str = ""  # an action or its prefix ("order." for every order change)
    subject: str = ""  # part of the subject (an order, reward, programme or user)
    since: date | None = None
    until: date | None = None
    page: int = 1
    per_page: int = 50

    @property
    def offset(self) -> int:
        return _offset(self.page, self.per_page)


@dataclass(frozen=True)
class RewardQuery:
    """Filters of the reward list."""

    programme_id: str = ""
    status: str = ""
    page: int = 1
    per_page: int = 25

    @property
    def offset(self) -> int:
        return _offset(self.page, self.per_page)


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
