"""Oversight: the read-only port behind the admin dashboard and its JSON API."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from core.audit import AuditEntry
from core.oversight.lines import CollectionLine, GiftLine, OrderLine, ProgrammeBalance
from core.oversight.order_detail import OrderDetail
from core.oversight.overview import Attention, Overview
from core.oversight.queries import AuditQuery, OrderQuery, Page, RewardQuery
from core.rewards import LedgerEntry, Reward


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

    async def collections(self, limit: int = 100) -> Sequence[CollectionLine]:
        """Group gifts, newest first."""
