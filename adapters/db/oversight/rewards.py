"""The dashboard's reads of rewards: programmes with their budgets, ledgers, rewards and who may
send them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlmodel import col

from adapters.db import mapping
from adapters.db.oversight.reading import SqlReads, count
from adapters.db.tables import LedgerRow, ProgrammeRow, RewardAdminRow, RewardRow
from core.oversight.lines import ProgrammeBalance
from core.oversight.queries import Page, RewardQuery
from core.rewards import Budget, LedgerEntry, LedgerKind, Reward


class RewardReads(SqlReads):
    """Reward programmes with their budgets, their ledgers and rewards, and the reward admins."""

    async def programmes(self) -> Sequence[ProgrammeBalance]:
        ledger = select(
            col(LedgerRow.programme_id), col(LedgerRow.kind), func.sum(col(LedgerRow.minor))
        ).group_by(col(LedgerRow.programme_id), col(LedgerRow.kind))
        rewards = select(col(RewardRow.programme_id), col(RewardRow.status), func.count()).group_by(
            col(RewardRow.programme_id), col(RewardRow.status)
        )
        async with self._reading() as tx:
            programmes = await tx.rows(select(ProgrammeRow).order_by(col(ProgrammeRow.id)))
            sums = (await tx.execute(ledger)).all()
            counts = (await tx.execute(rewards)).all()
        balances = []
        for row in programmes:
            # One synthetic entry per kind carrying its total: Budget.of stays the only place of the
            # formula.
            budget = Budget.of(
                LedgerEntry("", row.id, LedgerKind(kind), int(total), datetime.min, "")
                for programme_id, kind, total in sums
                if programme_id == row.id
            )
            by_status = tuple(sorted((str(s), int(n)) for p, s, n in counts if p == row.id))
            balances.append(ProgrammeBalance(mapping.programme_to_domain(row), budget, by_status))
        return balances

    async def ledger(self, programme_id: str, limit: int = 200) -> Sequence[LedgerEntry]:
        query = (
            select(LedgerRow)
            .where(col(LedgerRow.programme_id) == programme_id)
            .order_by(col(LedgerRow.seq).desc())
            .limit(limit)
        )
        async with self._reading() as tx:
            return [mapping.ledger_to_domain(row) for row in await tx.rows(query)]

    async def rewards(self, query: RewardQuery) -> Page[Reward]:
        where: list[ColumnElement[bool]] = []
        if query.programme_id:
            where.append(col(RewardRow.programme_id) == query.programme_id)
        if query.status:
            where.append(col(RewardRow.status) == query.status)
        listing = (
            select(RewardRow)
            .where(*where)
            .order_by(col(RewardRow.created_at).desc(), col(RewardRow.id).desc())
            .limit(query.per_page)
            .offset(query.offset)
        )
        async with self._reading() as tx:
            total = await count(tx, select(func.count()).select_from(RewardRow).where(*where))
            rows = await tx.rows(listing)
        return Page(
            tuple(mapping.reward_to_domain(r) for r in rows),
            total,
            max(query.page, 1),
            query.per_page,
        )

    async def reward_admins(self) -> Sequence[str]:
        query = select(col(RewardAdminRow.identity)).order_by(col(RewardAdminRow.identity))
        async with self._reading() as tx:
            return [identity for (identity,) in (await tx.execute(query)).all()]
