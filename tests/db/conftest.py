"""A fresh database per test, on SQLite (a temporary file) and on PostgreSQL (a schema of its
own)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import pytest

from adapters.db import Database, VoucherCipher
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.orders import Order
from tests.fakes import FixedClock

KEY = VoucherCipher.generate_key()
ADA = ChatUser("slack", "T0HARBOUR", "U0ADA", "Ada Lovelace")
GRACE = ChatUser("teams", "8f1c0d2e-tenant", "29:1grace", "Grace Hopper")


@dataclass
class Backend:
    """The database under test, its clock, and raw access for what the adapter must not reveal."""

    database: Database
    clock: FixedClock
    url: str
    schema: str | None
    sqlite_path: Path | None

    @property
    def is_sqlite(self) -> bool:
        return self.sqlite_path is not None

    async def execute_raw(self, sql: str) -> None:
        """Run SQL behind the adapter's back (a tamperer with database access)."""
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path) as connection:
                connection.execute(sql)
            return
        connection = await _pg_connect(self.url, self.schema)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    async def raw_contents(self) -> bytes:
        """Everything stored: SQLite's file and write-ahead log, or every PostgreSQL row as JSON."""
        if self.sqlite_path is not None:
            files = [self.sqlite_path, self.sqlite_path.with_name(self.sqlite_path.name + "-wal")]
            return b"".join(f.read_bytes() for f in files if f.exists())
        connection = await _pg_connect(self.url, self.schema)
        try:
            tables = await connection.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
                self.schema,
            )
            rows = []
            for table in tables:
                rows += await connection.fetch(
                    f'SELECT row_to_json(t)::text AS j FROM "{table["table_name"]}" t'
                )
            return "\n".join(r["j"] for r in rows).encode()
        finally:
            await connection.close()


async def _pg_connect(url: str, schema: str | None) -> Any:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    return await asyncpg.connect(dsn, server_settings={"search_path": schema or "public"})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    clock = FixedClock()
    if request.param == "sqlite":
        path = tmp_path / "data" / "voucherbot.db"
        url = f"sqlite+aiosqlite:///{path}"
        database = Database(url, VoucherCipher(KEY), clock=clock)
        backend = Backend(database, clock, url, None, path)
    else:
        url = request.getfixturevalue("postgres_url")
        schema = f"vb_test_{uuid4().hex[:16]}"
        database = Database(url, VoucherCipher(KEY), clock=clock, schema=schema)
        backend = Backend(database, clock, url, schema, None)
    await database.upgrade()
    try:
        yield backend
    finally:
        await database.dispose()
        if backend.schema is not None:
            await backend.execute_raw(f'DROP SCHEMA "{backend.schema}" CASCADE')


@pytest.fixture
def database(backend: Backend) -> Database:
    return backend.database


def new_order(
    order_id: str,
    *,
    at: datetime,
    buyer: ChatUser = ADA,
    key: str | None = None,
    address: str | None = None,
) -> Order:
    conversation = ConversationRef(buyer.platform, address or f'{{"channel": "D{buyer.user_id}"}}')
    return Order.create(
        order_id=order_id,
        product_id="quiet-harbour-books",
        amount=Money(2500, "USD"),
        buyer=buyer,
        conversation=conversation,
        request_key=key or f"req-{order_id}",
        at=at,
        source=buyer.platform,
    )


def later(clock: FixedClock, seconds: float) -> datetime:
    return clock.now() + timedelta(seconds=seconds)
