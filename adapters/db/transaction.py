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
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Executable,
    Insert,
    Result,
    Row,
    Select,
    bindparam,
    func,
    insert,
    select,
)
from sqlalchemy import Table as CoreTable
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from adapters.db.errors import DatabaseUnavailable, translated
from adapters.db.tables import Table

T = TypeVar("T")
_ADVISORY_LOCK = select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger)))


class WriteGate:
    """Shared by every transaction of one Database: serialises SQLite writers, locks the PG audit
    chain."""

    def __init__(self, *, sqlite: bool, lock_timeout: float, audit_lock_key: int) -> None:
        self.sqlite = sqlite
        self._lock = asyncio.Lock()
        self._timeout = lock_timeout
        self._audit_lock_key = audit_lock_key

    async def enter(self, tx: Transaction) -> None:
        """Make `tx` a writer (SQLite: wait for the single writer's turn)."""
        if not self.sqlite:
            return
        # Hold a connection before queueing for the turn: a writer waiting for a pooled connection
        # while the readers holding them all wait for its turn would deadlock.
        connection = await tx.connection()
        try:
            async with asyncio.timeout(self._timeout):
                await self._lock.acquire()
        except TimeoutError:
            raise DatabaseUnavailable("the database is busy: no write turn came in time") from None
        try:
            with translated():
                await connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise

    def leave(self) -> None:
        if self.sqlite:
            self._lock.release()

    async def lock_audit_chain(self, tx: Transaction) -> None:
        """Serialise appends to the audit chain until this transaction ends (SQLite: already the
        writer)."""
        if not self.sqlite:
            await tx.run(_ADVISORY_LOCK, {"key": self._audit_lock_key})


class Transaction:
    """A session with translated errors; becomes a writer on the first write and commits once or
    more."""

    def __init__(self, session: AsyncSession, gate: WriteGate) -> None:
        self.session = session
        self.gate = gate
        self._writing = False
        self._connection: AsyncConnection | None = None

    async def execute(
        self,
        statement: Executable,
        params: Sequence[dict[str, Any]] | None = None,
        *,
        duplicate_key: str = "unique key",
    ) -> Result[*tuple[Any, ...]]:
        with translated(duplicate_key):
            return await self.session.execute(statement, params)

    async def run(
        self,
        statement: Executable,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        duplicate_key: str = "unique key",
    ) -> Result[Any]:
        """A Core statement on the transaction's connection, without the ORM session's per-statement
        work: the hot path's statements are built once (see `values`, `insert_of`) and their
        compiled form is cached."""
        connection = await self.connection()
        with translated(duplicate_key):
            return await connection.execute(statement, params)

    async def connection(self) -> AsyncConnection:
        """The session's connection (taken from the pool at the first statement), kept until
        commit."""
        if self._connection is None:
            with translated():
                self._connection = await self.session.connection()
        return self._connection

    async def first(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Row[Any] | None:
        """The first row of a Core select (attributes named as the table's columns), or None."""
        return (await self.run(statement, params)).first()

    async def rows(self, statement: Select[T]) -> Sequence[T]:
        """ORM rows of a select, always refreshed from the database (never a stale identity-map
        copy)."""
        result = await self.execute(statement.execution_options(populate_existing=True))
        return result.scalars().all()

    async def begin_write(self) -> None:
        if not self._writing:
            await self.gate.enter(self)
            self._writing = True

    async def insert(self, rows: Sequence[Table], *, duplicate_key: str) -> None:
        """INSERT now, so a unique key that exists raises DuplicateRequest here."""
        if rows:
            table = type(rows[0]).__table__  # type: ignore[attr-defined]
            await self.insert_values(table, [values(row, table) for row in rows], duplicate_key)

    async def insert_values(
        self, table: CoreTable, rows: Sequence[Mapping[str, Any]], duplicate_key: str
    ) -> None:
        """INSERT rows given as column values (one statement per table, compiled once)."""
        await self.begin_write()
        await self.run(insert_of(table), rows, duplicate_key=duplicate_key)

    async def commit(self) -> None:
        self._connection = None  # the session gives its connection back at commit
        # On failure the write turn is kept until close() has rolled back: the transaction is still
        # open.
        with translated():
            await self.session.commit()
        self._finish_write()

    async def close(self) -> None:
        """Roll back whatever was not committed and give the connection back."""
        self._connection = None
        try:
            with translated():
                await self.session.close()
        finally:
            self._finish_write()

    def _finish_write(self) -> None:
        if self._writing:
            self._writing = False
            self.gate.leave()


def values(row: Table, table: CoreTable) -> dict[str, Any]:
    """A row's column values for a Core INSERT or UPDATE; an auto-increment key not yet set is left
    to the database (as the ORM would)."""
    found = {column.key: getattr(row, column.key) for column in table.columns}
    serial = table.autoincrement_column
    if serial is not None and found.get(serial.key) is None:
        del found[serial.key]
    return found


@cache
def insert_of(table: CoreTable) -> Insert:
    """One INSERT statement per table: built once, so its cache key and compiled form are reused."""
    return insert(table)
