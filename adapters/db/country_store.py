"""Recipients' chosen countries kept in the database (core.redeem.RecipientCountries)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from adapters.db.curation_tables import RecipientCountryRow
from adapters.db.transaction import Transaction, WriteGate


class SqlRecipientCountries:
    """One row per recipient; the last choice wins."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], gate: WriteGate) -> None:
        self._sessions = sessions
        self._gate = gate

    async def get(self, user_key: str) -> str | None:
        tx = Transaction(self._sessions(), self._gate)
        try:
            rows = await tx.rows(
                select(RecipientCountryRow).where(col(RecipientCountryRow.user_key) == user_key)
            )
        finally:
            await tx.close()
        return rows[0].country if rows else None

    async def set(self, user_key: str, country: str, source: str, at: datetime) -> None:
        tx = Transaction(self._sessions(), self._gate)
        try:
            await tx.begin_write()
            await tx.execute(
                delete(RecipientCountryRow).where(col(RecipientCountryRow.user_key) == user_key)
            )
            row = RecipientCountryRow(
                user_key=user_key, country=country, source=source, updated_at=at
            )
            await tx.insert([row], duplicate_key="recipient country")
            await tx.commit()
        finally:
            await tx.close()
