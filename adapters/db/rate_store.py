"""Exchange rates kept in the database (core.fx.RateSource): the newest per pair, whoever set it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from adapters.db import mapping
from adapters.db.tables import RateRow
from adapters.db.transaction import Transaction, WriteGate
from core.fx import Rate


class SqlRateStore:
    """Each call is its own transaction; `put` replaces the pairs it is given, all or none."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], gate: WriteGate) -> None:
        self._sessions = sessions
        self._gate = gate

    async def put(self, rates: Sequence[Rate]) -> None:
        rates = list(
            {(rate.base, rate.quote): rate for rate in rates}.values()
        )  # the last of a pair wins
        if not rates:
            return
        tx = Transaction(self._sessions(), self._gate)
        try:
            await tx.begin_write()
            pairs = [(rate.base, rate.quote) for rate in rates]
            await tx.execute(
                delete(RateRow).where(tuple_(col(RateRow.base), col(RateRow.quote)).in_(pairs))
            )
            await tx.insert(
                [mapping.rate_to_row(rate) for rate in rates], duplicate_key="exchange rate"
            )
            await tx.commit()
        finally:
            await tx.close()

    async def all(self) -> Sequence[Rate]:
        tx = Transaction(self._sessions(), self._gate)
        try:
            rows = await tx.rows(select(RateRow).order_by(col(RateRow.base), col(RateRow.quote)))
        finally:
            await tx.close()
        return [mapping.rate_to_domain(row) for row in rows]
