"""Requests waiting for their sender's click, in the database so any replica (or a restarted one)
takes them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Executable, Insert, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from adapters.db.teams_tenant_tables import PendingConfirmationRow as Row
from adapters.db.transaction import Transaction, WriteGate
from core.ports import Clock


class SqlPendingConfirmations:
    """core.ports.PendingConfirmations in `pending_confirmations`; each call is one short
    transaction.

    Taking is a single `UPDATE … WHERE taken_at IS NULL … RETURNING`: of two clicks racing on two
    replicas, exactly one gets the payload. Expired rows are deleted as new ones are put.
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], gate: WriteGate, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._gate = gate
        self._clock = clock

    async def put(self, key: str, payload: str, ttl: timedelta) -> None:
        now = self._clock.now()
        await self._write(
            delete(Row).where(col(Row.expires_at) <= now),
            self._insert_new(key, payload, now + ttl),
        )

    async def take(self, key: str) -> str | None:
        now = self._clock.now()
        statement = (
            update(Row)
            .where(col(Row.key) == key, col(Row.taken_at).is_(None), col(Row.expires_at) > now)
            .values(taken_at=now)
            .returning(col(Row.payload))
        )
        tx = Transaction(self._sessions(), self._gate)
        try:
            await tx.begin_write()
            payload = (await tx.execute(statement)).scalar_one_or_none()
            await tx.commit()
        finally:
            await tx.close()
        return None if payload is None else str(payload)

    async def taken(self, key: str) -> str | None:
        query = select(Row).where(
            col(Row.key) == key,
            col(Row.taken_at).is_not(None),
            col(Row.expires_at) > self._clock.now(),
        )
        tx = Transaction(self._sessions(), self._gate)
        try:
            rows = await tx.rows(query)
        finally:
            await tx.close()
        return (rows[0].outcome or "") if rows else None

    async def finish(self, key: str, outcome: str) -> None:
        await self._write(update(Row).where(col(Row.key) == key).values(outcome=outcome))

    async def release(self, key: str) -> None:
        await self._write(
            update(Row).where(col(Row.key) == key).values(taken_at=None, outcome=None)
        )

    async def discard(self, key: str) -> None:
        await self._write(delete(Row).where(col(Row.key) == key))

    def _insert_new(self, key: str, payload: str, expires_at: datetime) -> Insert:
        insert = sqlite_insert if self._gate.sqlite else postgres_insert
        statement = insert(Row).values(
            key=key, payload=payload, expires_at=expires_at, taken_at=None
        )
        return statement.on_conflict_do_nothing(index_elements=[col(Row.key)])

    async def _write(self, *statements: Executable) -> None:
        """Run `statements` in one write transaction."""
        tx = Transaction(self._sessions(), self._gate)
        try:
            await tx.begin_write()
            for statement in statements:
                await tx.execute(statement)
            await tx.commit()
        finally:
            await tx.close()
