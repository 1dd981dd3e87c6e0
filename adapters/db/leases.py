"""Job leases: a scheduled job runs on one replica at a time, whichever takes its lease first."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Insert, or_, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from adapters.db.mapping import utc
from adapters.db.tables import JobLeaseRow
from adapters.db.transaction import Transaction, WriteGate
from core.ports import Clock


class SqlJobLeases:
    """Leases in the `job_leases` table; each call is one short transaction.

    The lease is taken by a single `INSERT … ON CONFLICT DO UPDATE … WHERE` statement, atomic on
    both databases: PostgreSQL settles racing inserts of one name on the row's lock, SQLite has one
    writer. Times come from this process's clock, so replicas' clocks should agree to well within a
    lease.
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], gate: WriteGate, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._gate = gate
        self._clock = clock

    async def try_lease(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Hold `name` for `ttl` from now: True if it was free, had expired or was `holder`'s
        already."""
        now = utc(self._clock.now())
        tx = Transaction(self._sessions(), self._gate)
        try:
            await tx.begin_write()
            taken = (await tx.execute(self._take(name, holder, now, ttl))).first() is not None
            await tx.commit()
            return taken
        finally:
            await tx.close()

    async def holder(self, name: str) -> str | None:
        """Who holds `name` (expired or not), for operators and tests."""
        tx = Transaction(self._sessions(), self._gate)
        try:
            rows = await tx.rows(select(JobLeaseRow).where(col(JobLeaseRow.name) == name))
            return rows[0].holder if rows else None
        finally:
            await tx.close()

    def _take(self, name: str, holder: str, now: datetime, ttl: timedelta) -> Insert:
        insert = sqlite_insert if self._gate.sqlite else postgres_insert
        statement = insert(JobLeaseRow).values(name=name, holder=holder, expires_at=now + ttl)
        return statement.on_conflict_do_update(
            index_elements=[col(JobLeaseRow.name)],
            set_={"holder": statement.excluded.holder, "expires_at": statement.excluded.expires_at},
            where=or_(col(JobLeaseRow.expires_at) <= now, col(JobLeaseRow.holder) == holder),
        ).returning(col(JobLeaseRow.name))
