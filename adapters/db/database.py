"""The database adapter's façade: units of work, the catalog cache, migrations and the admin read
API."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker
from sqlmodel import col

from adapters.db import mapping
from adapters.db.catalog_store import SqlCatalogStore
from adapters.db.confirmations import SqlPendingConfirmations
from adapters.db.country_store import SqlRecipientCountries
from adapters.db.crypto import VoucherCipher
from adapters.db.curation_store import SqlCurations
from adapters.db.engine import is_sqlite, make_engine
from adapters.db.errors import translated
from adapters.db.hr_people import SqlHrPeople
from adapters.db.hr_repositories import HrStores
from adapters.db.leases import SqlJobLeases
from adapters.db.migrate import upgrade_on
from adapters.db.rate_store import SqlRateStore
from adapters.db.recorded_countries import SqlRecordedCountries
from adapters.db.repositories import PENDING
from adapters.db.scim_users import SqlPushedUsers
from adapters.db.secret_store import SqlSecretStore
from adapters.db.tables import OrderRow, OutboxRow, VoucherRow
from adapters.db.teams_tenants import SqlTeamsTenants
from adapters.db.token_buckets import SqlTokenBuckets
from adapters.db.transaction import Transaction, WriteGate
from adapters.db.unit_of_work import SqlUnitOfWork
from core.orders import Order, OrderStatus
from core.ports import Clock, SystemClock

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class Database:
    """One engine and everything built on it. Creating it connects to nothing; `upgrade()` first.

    `url`: `sqlite+aiosqlite:///path/file.db` (WAL, one writer at a time) or `postgresql+asyncpg://…`.
    `schema` (PostgreSQL only): keep voucherbot's tables in that schema, created by `upgrade()`.
    `busy_timeout`: seconds a SQLite writer waits for its turn before DatabaseUnavailable.
    """

    def __init__(
        self,
        url: str,
        cipher: VoucherCipher,
        *,
        echo: bool = False,
        clock: Clock | None = None,
        schema: str | None = None,
        busy_timeout: float = 5.0,
    ) -> None:
        if schema is not None and not _IDENTIFIER.match(schema):
            raise ValueError(f"'{schema}' is not a plain SQL identifier")
        self._engine = make_engine(url, echo=echo, busy_timeout=busy_timeout, schema=schema)
        self._schema = schema
        self._cipher = cipher
        self._clock = clock or SystemClock()
        self._sessions = async_sessionmaker(self._engine, autoflush=False, expire_on_commit=False)
        self._gate = WriteGate(
            sqlite=is_sqlite(self._engine),
            lock_timeout=busy_timeout,
            audit_lock_key=self._lock_key("audit"),
        )

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work (core.ports.UnitOfWorkFactory): `async with db.unit_of_work() as
        uow`."""
        return SqlUnitOfWork(self._sessions, self._gate, self._cipher, self._clock)

    def catalog_store(self) -> SqlCatalogStore:
        return SqlCatalogStore(self._sessions, self._gate)

    def recipient_countries(self) -> SqlRecipientCountries:
        return SqlRecipientCountries(self._sessions, self._gate)

    def recorded_countries(self) -> SqlRecordedCountries:
        """A person's chosen country, else their employee record's, in one read
        (core.redeem.RecordedCountries)."""
        return SqlRecordedCountries(self._engine)

    def curations(self) -> SqlCurations:
        return SqlCurations(self._sessions, self._gate)

    def rate_store(self) -> SqlRateStore:
        return SqlRateStore(self._sessions, self._gate)

    def hr_stores(self) -> HrStores:
        """Employees, milestone rules, API keys and idempotent API answers (core.ports, one
        transaction a call)."""
        return HrStores.on(self._sessions, self._gate, self._clock)

    def hr_people(self) -> SqlHrPeople:
        """Employees owned by HR systems, and each system's sync cursor
        (core.hris.HrPeopleStore)."""
        return SqlHrPeople(self._sessions, self._gate, self._clock)

    def pushed_users(self) -> SqlPushedUsers:
        """Users pushed over SCIM, with the versions behind their ETags
        (core.pushed_users.PushedUserStore)."""
        return SqlPushedUsers(self._sessions, self._gate, self._clock)

    def job_leases(self) -> SqlJobLeases:
        """Leases that let one replica at a time run a scheduled job (`try_lease(name, holder,
        ttl)`)."""
        return SqlJobLeases(self._sessions, self._gate, self._clock)

    def token_buckets(self) -> SqlTokenBuckets:
        """Rate-limit buckets every replica shares (core.pacing.TokenBuckets); PostgreSQL only."""
        if self._gate.sqlite:
            raise ValueError("shared token buckets need PostgreSQL; SQLite runs one process")
        return SqlTokenBuckets(self._engine)

    def secret_store(self) -> SqlSecretStore:
        """Encrypted named values that survive restarts (`load(name)`, `save(name, value)`)."""
        return SqlSecretStore(self._sessions, self._gate, self._cipher, self._clock)

    def teams_tenants(self) -> SqlTeamsTenants:
        """Where each Teams tenant is reached (core.ports.TenantEndpoints), remembered from its
        activities."""
        return SqlTeamsTenants(self._sessions, self._gate, self._clock)

    def pending_confirmations(self) -> SqlPendingConfirmations:
        """Requests waiting for their sender's Send click (core.ports.PendingConfirmations)."""
        return SqlPendingConfirmations(self._sessions, self._gate, self._clock)

    async def upgrade(self) -> None:
        """Apply pending migrations; safe when several processes start at once."""
        async with self._engine.connect() as connection:
            with translated():
                await self._lock_for_migration(connection)
                await connection.run_sync(upgrade_on)
                await connection.commit()

    async def _lock_for_migration(self, connection: AsyncConnection) -> None:
        if self._gate.sqlite:
            await connection.execute(text("BEGIN IMMEDIATE"))
            return
        await connection.execute(select(func.pg_advisory_xact_lock(self._lock_key("migrate"))))
        if self._schema is not None:
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self._schema}"'))

    async def ping(self, timeout: float = 2.0) -> bool:
        """True if the database answers a trivial query within `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout), self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError, TimeoutError):
            return False
        return True

    async def dispose(self) -> None:
        await self._engine.dispose()

    # --- read API for the admin dashboard and metrics ---------------------------------------------

    async def list_orders(
        self, status: OrderStatus | str | None = None, limit: int = 100, offset: int = 0
    ) -> list[Order]:
        """Orders newest first, optionally of one status."""
        query = select(OrderRow)
        if status is not None:
            query = query.where(col(OrderRow.status) == str(status))
        query = (
            query.order_by(col(OrderRow.created_at).desc(), col(OrderRow.id).desc())
            .limit(limit)
            .offset(offset)
        )
        async with self._reading() as tx:
            return [mapping.order_to_domain(row, self._cipher) for row in await tx.rows(query)]

    async def counts_by_status(self) -> dict[str, int]:
        query = select(col(OrderRow.status), func.count()).group_by(col(OrderRow.status))
        async with self._reading() as tx:
            return {status: int(count) for status, count in (await tx.execute(query)).all()}

    async def vouchers_issued(self) -> int:
        """Every voucher ever stored, void ones included."""
        async with self._reading() as tx:
            return int(
                (await tx.execute(select(func.count()).select_from(VoucherRow))).scalar_one()
            )

    async def outbox_depth(self) -> int:
        """Messages still owed (pending, whether due now or later)."""
        async with self._reading() as tx:
            query = (
                select(func.count()).select_from(OutboxRow).where(col(OutboxRow.status) == PENDING)
            )
            return int((await tx.execute(query)).scalar_one())

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Transaction]:
        tx = Transaction(self._sessions(), self._gate)
        try:
            yield tx
        finally:
            await tx.close()

    def _lock_key(self, purpose: str) -> int:
        """A PostgreSQL advisory lock id per purpose and schema (two schemas never wait on each
        other)."""
        seed = hashlib.sha256(f"voucherbot:{purpose}:{self._schema or ''}".encode()).digest()
        return int.from_bytes(seed[:8], "big", signed=True)
