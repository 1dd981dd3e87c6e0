"""A provider's synced catalog cached in the database (core.ports.CatalogStore)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from adapters.db import mapping
from adapters.db.tables import CatalogProductRow, CatalogSyncRow
from adapters.db.transaction import T, Transaction, WriteGate
from core.catalog import Product


class SqlCatalogStore:
    """Each call is its own transaction; `replace` swaps a provider's whole catalog atomically."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], gate: WriteGate) -> None:
        self._sessions = sessions
        self._gate = gate

    async def replace(
        self, provider: str, products: Sequence[Product], synced_at: datetime
    ) -> None:
        tx = Transaction(self._sessions(), self._gate)
        try:
            await tx.begin_write()
            await tx.execute(
                delete(CatalogProductRow).where(col(CatalogProductRow.provider) == provider)
            )
            await tx.execute(delete(CatalogSyncRow).where(col(CatalogSyncRow.provider) == provider))
            rows = [mapping.product_to_row(provider, p, synced_at).model_dump() for p in products]
            if rows:
                await tx.execute(insert(CatalogProductRow), rows)
            sync = CatalogSyncRow(provider=provider, synced_at=synced_at, product_count=len(rows))
            await tx.insert([sync], duplicate_key=f"catalog sync of {provider}")
            await tx.commit()
        finally:
            await tx.close()

    async def load(self, provider: str) -> Sequence[Product]:
        query = select(CatalogProductRow).where(col(CatalogProductRow.provider) == provider)
        rows = await self._read(query.order_by(col(CatalogProductRow.product_id)))
        return [mapping.product_to_domain(row) for row in rows]

    async def last_synced(self, provider: str) -> datetime | None:
        rows = await self._read(
            select(CatalogSyncRow).where(col(CatalogSyncRow.provider) == provider)
        )
        return rows[0].synced_at if rows else None

    async def _read(self, query: Select[T]) -> Sequence[T]:
        tx = Transaction(self._sessions(), self._gate)
        try:
            return await tx.rows(query)
        finally:
            await tx.close()
