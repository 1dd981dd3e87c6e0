"""The Database façade: migrations, the admin read API, the catalog cache, encryption and
outages."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.db import CipherError, Database, DatabaseUnavailable, VoucherCipher
from adapters.db.tables import metadata
from core.audit import AuditRecord
from core.catalog import ExpiryPolicy, Product
from core.orders import OrderStatus
from tests.db.conftest import KEY, Backend, later, new_order
from tests.unit.conftest import BOOKS, TEA


def _drift(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), metadata))


async def test_the_migrations_create_exactly_the_schema_the_tables_describe(
    backend: Backend,
) -> None:
    args = {} if backend.is_sqlite else {"server_settings": {"search_path": backend.schema}}
    engine = create_async_engine(backend.url, connect_args=args)
    try:
        async with engine.connect() as connection:
            drift = await connection.run_sync(_drift)
    finally:
        await engine.dispose()
    assert drift == []


async def test_upgrading_again_or_from_two_processes_at_once_is_harmless(backend: Backend) -> None:
    twin = Database(backend.url, VoucherCipher(KEY), schema=backend.schema)
    try:
        await asyncio.gather(backend.database.upgrade(), twin.upgrade(), backend.database.upgrade())
    finally:
        await twin.dispose()
    assert await backend.database.ping()


async def test_the_admin_read_api_lists_orders_newest_first_and_counts_what_is_stored(
    backend: Backend,
) -> None:
    database, clock = backend.database, backend.clock
    orders = [new_order(f"ord_{n}", at=later(clock, n)) for n in range(4)]
    orders[1].cancel(at=later(clock, 9), actor="slack")
    async with database.unit_of_work() as uow:
        for order in orders:
            await uow.orders.add(order)
        await uow.commit()

    assert [o.id for o in await database.list_orders()] == ["ord_3", "ord_2", "ord_1", "ord_0"]
    assert [o.id for o in await database.list_orders(limit=2, offset=1)] == ["ord_2", "ord_1"]
    assert [o.id for o in await database.list_orders(status=OrderStatus.CANCELLED)] == ["ord_1"]
    assert await database.counts_by_status() == {"created": 3, "cancelled": 1}
    assert (await database.vouchers_issued(), await database.outbox_depth()) == (0, 0)


async def test_a_providers_catalog_is_replaced_whole_and_read_back_unchanged(
    backend: Backend,
) -> None:
    store = backend.database.catalog_store()
    fixed = Product(
        id="plum-harbour-42",
        brand="Harbour Cinema",
        name="Harbour Cinema e-gift",
        currency="INR",
        countries=("IN",),
        denominations=(50000, 100000),
        instructions="Show at the box office.",
        terms="Valid on weekdays.",
        expiry=ExpiryPolicy(days_after_issue=None, fixed_date=date(2027, 3, 31)),
        provider="xoxoday",
        voucher_format="url_pin",
        redeem_url="https://harbour.example/redeem",
    )
    first_sync = backend.clock.now()

    await store.replace("xoxoday", [fixed, TEA], first_sync)
    await store.replace("builtin-mirror", [BOOKS], first_sync)
    assert await store.load("xoxoday") == [TEA, fixed]
    await store.replace("xoxoday", [fixed], first_sync + timedelta(hours=6))

    assert await store.load("xoxoday") == [fixed]
    assert await store.load("builtin-mirror") == [BOOKS]
    assert await store.last_synced("xoxoday") == first_sync + timedelta(hours=6)
    await store.replace("empty", [], first_sync)
    assert (await store.load("empty"), await store.last_synced("empty")) == ([], first_sync)
    assert await store.last_synced("never") is None


# --- encryption -----------------------------------------------------------------------------------


def test_the_cipher_round_trips_and_never_repeats_a_ciphertext() -> None:
    cipher = VoucherCipher(VoucherCipher.generate_key())

    first, second = cipher.encrypt("QHB-7K3M-9Q2X"), cipher.encrypt("QHB-7K3M-9Q2X")

    assert first != second and "7K3M" not in first
    assert cipher.decrypt(first) == cipher.decrypt(second) == "QHB-7K3M-9Q2X"


def test_a_secret_written_with_another_key_cannot_be_read() -> None:
    token = VoucherCipher(VoucherCipher.generate_key()).encrypt("QHB-7K3M-9Q2X")

    with pytest.raises(CipherError):
        VoucherCipher(VoucherCipher.generate_key()).decrypt(token)


def test_a_rotated_key_still_reads_what_the_previous_key_wrote() -> None:
    old, new = VoucherCipher.generate_key(), VoucherCipher.generate_key()
    token = VoucherCipher(old).encrypt("PIN 8264")

    assert VoucherCipher(new, previous_keys=[old]).decrypt(token) == "PIN 8264"


def test_a_malformed_key_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="32 url-safe base64-encoded bytes"):
        VoucherCipher(b"too-short")


# --- outages --------------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_unreachable_postgresql_raises_database_unavailable() -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/test"
    database = Database(url, VoucherCipher(KEY))
    try:
        assert await database.ping() is False
        with pytest.raises(DatabaseUnavailable):
            async with database.unit_of_work() as uow:
                await uow.orders.find_by_request_key("req-1")
        with pytest.raises(DatabaseUnavailable):
            await database.counts_by_status()
    finally:
        await database.dispose()


async def test_a_sqlite_file_locked_by_another_process_raises_database_unavailable(
    tmp_path: Path,
) -> None:
    path = tmp_path / "locked.db"
    database = Database(f"sqlite+aiosqlite:///{path}", VoucherCipher(KEY), busy_timeout=0.2)
    await database.upgrade()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseUnavailable):
            async with database.unit_of_work() as uow:
                uow.audit.record(AuditRecord("system", "probe", "db"))
                await uow.commit()
    finally:
        other.execute("ROLLBACK")
        other.close()
    async with database.unit_of_work() as uow:  # recovers without a restart
        uow.audit.record(AuditRecord("system", "probe", "db"))
        await uow.commit()
    await database.dispose()


async def test_a_sqlite_database_is_created_with_its_folder_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "var" / "nested" / "voucherbot.db"
    database = Database(f"sqlite+aiosqlite:///{path}", VoucherCipher(KEY))
    await database.upgrade()
    await database.dispose()

    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
