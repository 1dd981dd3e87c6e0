"""One database transaction, and the per-dialect rule for becoming its writer.

SQLite allows one writer at a time. Its connections run in driver autocommit (see engine.py), so
reads never hold a snapshot that a later write would have to upgrade (which fails at once with
"database is locked"). The first write of a transaction takes a process-wide asyncio lock, then
`BEGIN IMMEDIATE` (the file lock, which also covers other processes): from there to commit the
transaction is the only writer, which is what makes audit chaining and outbox claims safe.
PostgreSQL needs none of this: row locks, unique indexes and an advisory lock for the audit chain do
the work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Executable, Result, Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.db.errors import DatabaseUnavailable, translated
from adapters.db.tables import Table

T = TypeVar("T")


class WriteGate:
    """Shared by every transaction of one Database: serialises SQLite writers, locks the PG audit
    chain."""

    def __init__(self, *, sqlite: bool, lock_timeout: float, audit_lock_key: int) -> None:
        self.sqlite = sqlite
        self._lock = asyncio.Lock()
        self._timeout = lock_timeout
        self._audit_lock_key = audit_lock_key

    async def enter(self, session: AsyncSession) -> None:
        """Make `session`'s transaction a writer (SQLite: wait for the single writer's turn)."""
        if not self.sqlite:
            return
        # Hold a connection before queueing for the turn: a writer waiting for a pooled connection
        # while the readers holding them all wait for its turn would deadlock.
        with translated():
            await session.connection()
        try:
            async with asyncio.timeout(self._timeout):
                await self._lock.acquire()
        except TimeoutError:
            raise DatabaseUnavailable("the database is busy: no write turn came in time") from None
        try:
            with translated():
                await session.execute(text("BEGIN IMMEDIATE"))
        except BaseException:
            self._lock.release()
            raise

    def leave(self) -> None:
        if self.sqlite:
            self._lock.release()

    async def lock_audit_chain(self, session: AsyncSession) -> None:
        """Serialise appends to the audit chain until this transaction ends (SQLite: already the
        writer)."""
        if not self.sqlite:
            with translated():
                await session.execute(select(func.pg_advisory_xact_lock(self._audit_lock_key)))


class Transaction:
    """A session with translated errors; becomes a writer on the first write and commits once or
    more."""

    def __init__(self, session: AsyncSession, gate: WriteGate) -> None:
        self.session = session
        self.gate = gate
        self._writing = False

    async def execute(
        self,
        statement: Executable,
        params: Sequence[dict[str, Any]] | None = None,
        *,
        duplicate_key: str = "unique key",
    ) -> Result[*tuple[Any, ...]]:
        with translated(duplicate_key):
            return await self.session.execute(statement, params)

    async def rows(self, statement: Select[T]) -> Sequence[T]:
        """ORM rows of a select, always refreshed from the database (never a stale identity-map
        copy)."""
        result = await self.execute(statement.execution_options(populate_existing=True))
        return result.scalars().all()

    async def begin_write(self) -> None:
        if not self._writing:
            await self.gate.enter(self.session)
            self._writing = True

    async def insert(self, rows: Sequence[Table], *, duplicate_key: str) -> None:
        """INSERT now, so a unique key that exists raises DuplicateRequest here."""
        await self.begin_write()
        self.session.add_all(rows)
        with translated(duplicate_key):
            await self.session.flush()
        for row in rows:
            self.session.expunge(row)

    async def commit(self) -> None:
        # On failure the write turn is kept until close() has rolled back: the transaction is still
        # open.
        with translated():
            await self.session.commit()
        self._finish_write()

    async def close(self) -> None:
        """Roll back whatever was not committed and give the connection back."""
        try:
            with translated():
                await self.session.close()
        finally:
            self._finish_write()

    def _finish_write(self) -> None:
        if self._writing:
            self._writing = False
            self.gate.leave()
