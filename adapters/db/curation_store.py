"""Programmes' curated catalogs kept in the database (core.curation.CurationStore)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from adapters.db.curation_tables import ProgrammeCatalogRow
from adapters.db.transaction import T, Transaction, WriteGate
from core.curation import CatalogRule, RuleKind
from core.errors import DuplicateRequest


class SqlCurations:
    """Each call is its own transaction; adding a pick twice or removing an absent one changes
    nothing."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], gate: WriteGate) -> None:
        self._sessions = sessions
        self._gate = gate

    async def add(self, rule: CatalogRule) -> bool:
        tx = Transaction(self._sessions(), self._gate)
        try:
            row = ProgrammeCatalogRow(
                programme_id=rule.programme_id, kind=str(rule.kind), value=rule.value
            )
            await tx.insert([row], duplicate_key="catalog pick")
            await tx.commit()
            return True
        except DuplicateRequest:
            return False
        finally:
            await tx.close()

    async def remove(self, rule: CatalogRule) -> bool:
        tx = Transaction(self._sessions(), self._gate)
        try:
            await tx.begin_write()
            result = await tx.execute(
                delete(ProgrammeCatalogRow).where(
                    col(ProgrammeCatalogRow.programme_id) == rule.programme_id,
                    col(ProgrammeCatalogRow.kind) == str(rule.kind),
                    col(ProgrammeCatalogRow.value) == rule.value,
                )
            )
            await tx.commit()
            return bool(getattr(result, "rowcount", 0))
        finally:
            await tx.close()

    async def rules(self, programme_id: str) -> Sequence[CatalogRule]:
        return await self._read(
            select(ProgrammeCatalogRow).where(col(ProgrammeCatalogRow.programme_id) == programme_id)
        )

    async def all(self) -> Sequence[CatalogRule]:
        return await self._read(select(ProgrammeCatalogRow))

    async def _read(self, query: Select[T]) -> list[CatalogRule]:
        tx = Transaction(self._sessions(), self._gate)
        try:
            rows = await tx.rows(
                query.order_by(col(ProgrammeCatalogRow.kind), col(ProgrammeCatalogRow.value))
            )
        finally:
            await tx.close()
        return [CatalogRule(row.programme_id, RuleKind(row.kind), row.value) for row in rows]  # type: ignore[attr-defined]
