"""What every family of the dashboard's read queries shares: a short read transaction per call,
and the SQL pieces of their filters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from adapters.db.crypto import VoucherCipher
from adapters.db.transaction import Transaction, WriteGate


class SqlReads:
    """The engine's sessions, its write gate (which knows the SQL dialect) and the key that masks
    voucher codes; every call reads in its own short transaction."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], gate: WriteGate, cipher: VoucherCipher
    ) -> None:
        self._sessions = sessions
        self._gate = gate
        self._cipher = cipher

    def _day(self, column: Any) -> Any:
        """The UTC calendar day of a timestamp column (SQLite stores naive UTC text)."""
        if self._gate.sqlite:
            return func.date(column)
        return func.date(func.timezone("UTC", column))

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Transaction]:
        tx = Transaction(self._sessions(), self._gate)
        try:
            yield tx
        finally:
            await tx.close()


def period(column: Any, since: date | None, until: date | None) -> list[ColumnElement[bool]]:
    where = []
    if since is not None:
        where.append(column >= datetime.combine(since, time.min, UTC))
    if until is not None:
        where.append(column < datetime.combine(until + timedelta(days=1), time.min, UTC))
    return where


def contains(text: str, *columns: Any) -> ColumnElement[bool]:
    """Case-insensitive "contains" on any of `columns`, with LIKE wildcards in `text` taken
    literally."""
    pattern = f"%{escape(text.strip())}%"
    return or_(*(col(column).ilike(pattern, escape="\\") for column in columns))


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def count(tx: Transaction, query: Select[Any]) -> int:
    return int((await tx.execute(query)).scalar_one())
