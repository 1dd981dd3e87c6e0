"""The database a test cluster runs on, made for that run, and the outages a test can cause in it.

SQLite: a file in the test's folder; an outage is another connection holding the write lock.
PostgreSQL: a database of its own on the test server (so it can refuse connections without touching
anyone else's), dropped afterwards; an outage is `ALLOW_CONNECTIONS false` plus terminating its
sessions.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Protocol
from uuid import uuid4

import asyncpg


class DatabaseUnderTest(Protocol):
    kind: str
    url: str

    async def create(self) -> None: ...

    async def drop(self) -> None: ...

    def unavailable(self) -> AbstractAsyncContextManager[None]: ...


class SqliteUnderTest:
    kind = "sqlite"

    def __init__(self, folder: Path) -> None:
        self.path = folder / "voucherbot.db"
        self.url = f"sqlite+aiosqlite:///{self.path}"

    async def create(self) -> None:
        """Nothing to do: the first replica creates the file and its tables."""

    async def drop(self) -> None:
        """Nothing to do: the file goes with the test's temporary folder."""

    @asynccontextmanager
    async def unavailable(self) -> AsyncIterator[None]:
        """Another connection holds the write lock (BEGIN EXCLUSIVE) until the block ends."""
        holding, release = threading.Event(), threading.Event()

        def hold() -> None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                connection.execute("BEGIN EXCLUSIVE")
                holding.set()
                release.wait(120)
                connection.execute("ROLLBACK")
            finally:
                connection.close()

        thread = threading.Thread(target=hold, name="sqlite-lock-holder")
        thread.start()
        try:
            assert await asyncio.to_thread(holding.wait, 30), "could not take the SQLite write lock"
            yield
        finally:
            release.set()
            await asyncio.to_thread(thread.join, 30)


class PostgresUnderTest:
    kind = "postgres"

    def __init__(self, server_url: str) -> None:
        """`server_url`: the suite's PostgreSQL URL; the cluster gets a new database on that
        server."""
        self.name = f"vb_faults_{uuid4().hex[:12]}"
        base = server_url.rsplit("/", 1)[0]
        self.url = f"{base}/{self.name}"
        self._admin_dsn = server_url.replace("postgresql+asyncpg://", "postgresql://")

    async def create(self) -> None:
        await self._admin(f'CREATE DATABASE "{self.name}"')

    async def drop(self) -> None:
        await self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    @asynccontextmanager
    async def unavailable(self) -> AsyncIterator[None]:
        """The database refuses new connections and its open sessions are terminated, until the
        block ends."""
        await self._admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        await self._admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", self.name
        )
        try:
            yield
        finally:
            await self._admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    async def _admin(self, sql: str, *args: object) -> None:
        connection = await asyncpg.connect(self._admin_dsn)
        try:
            await connection.execute(sql, *args)
        finally:
            await connection.close()
