"""The HR ports over SQL: employees, milestone rules, API keys and idempotent API responses.

Each call is its own transaction. Changes an operator makes are audited in the same transaction, so
a key never exists without the audit entry that created it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from adapters.db.hr_tables import ApiKeyRow, EmployeeRow, IdempotentRequestRow, MilestoneRuleRow
from adapters.db.mapping import utc
from adapters.db.repositories import SqlAudit
from adapters.db.transaction import Transaction, WriteGate
from core.api_keys import ApiKey, IdempotentRequest, StoredResponse
from core.audit import AuditRecord
from core.errors import DuplicateRequest
from core.identity import ChatUser
from core.milestone_calendar import Employee, MilestoneKind, MonthDay
from core.milestones import MilestoneRule
from core.money import Money
from core.ports import Clock

T = TypeVar("T")
R = TypeVar("R")


class _Store:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], gate: WriteGate, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._gate = gate
        self._clock = clock

    async def _read(self, query: Select[T]) -> Sequence[T]:
        tx = Transaction(self._sessions(), self._gate)
        try:
            return await tx.rows(query)
        finally:
            await tx.close()

    async def _write(self, work: Callable[[Transaction], Awaitable[R]], *audit: AuditRecord) -> R:
        tx = Transaction(self._sessions(), self._gate)
        try:
            await tx.begin_write()
            result = await work(tx)
            chain = SqlAudit(tx)
            for record in audit:
                chain.record(record)
            await chain.write(utc(self._clock.now()))
            await tx.commit()
            return result
        finally:
            await tx.close()

    def _insert(self, tx: Transaction) -> Any:
        return sqlite.insert if tx.gate.sqlite else postgresql.insert


class SqlEmployees(_Store):
    """core.ports.EmployeeStore."""

    async def upsert(self, employees: Sequence[Employee], actor: str) -> None:
        now = self._clock.now()
        rows = [employee_row(e, now) for e in employees]

        async def work(tx: Transaction) -> None:
            statement = self._insert(tx)(EmployeeRow)
            columns = {c: statement.excluded[c] for c in rows[0] if c != "email"}
            await tx.execute(
                statement.on_conflict_do_update(index_elements=["email"], set_=columns), rows
            )

        if rows:
            await self._write(
                work,
                AuditRecord(actor, "employees.imported", "employees", None, {"rows": len(rows)}),
            )

    async def all(self) -> Sequence[Employee]:
        return [
            employee_of_row(r)
            for r in await self._read(select(EmployeeRow).order_by(col(EmployeeRow.email)))
        ]

    async def by_email(self, email: str) -> Employee | None:
        rows = await self._read(select(EmployeeRow).where(col(EmployeeRow.email) == email))
        return employee_of_row(rows[0]) if rows else None

    async def by_user(self, platform: str, tenant: str, user_id: str) -> Employee | None:
        query = select(EmployeeRow).where(
            col(EmployeeRow.platform) == platform,
            col(EmployeeRow.tenant) == tenant,
            col(EmployeeRow.user_id) == user_id,
        )
        rows = await self._read(query.order_by(col(EmployeeRow.email)).limit(1))
        return employee_of_row(rows[0]) if rows else None


class SqlMilestoneRules(_Store):
    """core.ports.MilestoneRuleStore."""

    async def all(self) -> Sequence[MilestoneRule]:
        return [
            _rule(r)
            for r in await self._read(select(MilestoneRuleRow).order_by(col(MilestoneRuleRow.kind)))
        ]

    async def put(self, rule: MilestoneRule, actor: str) -> None:
        row = {
            "kind": str(rule.kind),
            "programme_id": rule.programme_id,
            "amount_minor": rule.amount.minor,
            "currency": rule.amount.currency,
            "template": rule.template,
            "enabled": rule.enabled,
            "from_manager": rule.from_manager,
            "updated_at": self._clock.now(),
        }

        async def work(tx: Transaction) -> None:
            statement = self._insert(tx)(MilestoneRuleRow).values(**row)
            changes = {c: statement.excluded[c] for c in row if c != "kind"}
            await tx.execute(statement.on_conflict_do_update(index_elements=["kind"], set_=changes))

        after = {
            "programme": rule.programme_id,
            "minor": rule.amount.minor,
            "enabled": rule.enabled,
        }
        await self._write(
            work, AuditRecord(actor, "milestone_rule.set", str(rule.kind), None, after)
        )


class SqlApiKeys(_Store):
    """core.ports.ApiKeyStore."""

    async def add(self, key: ApiKey, actor: str) -> None:
        async def work(tx: Transaction) -> None:
            # Key creation is an operator's act (CLI), never concurrent enough to need more than
            # this check.
            active = await tx.rows(_active(key.name))
            if active:
                raise DuplicateRequest(f"api key {key.name}")
            await tx.insert([_key_row(key)], duplicate_key=f"api key {key.name}")

        await self._write(
            work, AuditRecord(actor, "api_key.created", key.identity, None, {"hint": key.hint})
        )

    async def find_active(self, key_hash: str) -> ApiKey | None:
        query = select(ApiKeyRow).where(
            col(ApiKeyRow.key_hash) == key_hash, col(ApiKeyRow.revoked_at).is_(None)
        )
        rows = await self._read(query)
        return _key(rows[0]) if rows else None

    async def revoke(self, name: str, at: datetime, actor: str) -> bool:
        async def work(tx: Transaction) -> bool:
            statement = (
                update(ApiKeyRow)
                .where(col(ApiKeyRow.name) == name, col(ApiKeyRow.revoked_at).is_(None))
                .values(revoked_at=at)
            )
            return bool(getattr(await tx.execute(statement), "rowcount", 0))

        return await self._write(work, AuditRecord(actor, "api_key.revoked", f"api:{name}"))

    async def list(self) -> Sequence[ApiKey]:
        return [
            _key(r) for r in await self._read(select(ApiKeyRow).order_by(col(ApiKeyRow.created_at)))
        ]


class SqlIdempotency(_Store):
    """core.ports.IdempotencyStore: the claim is a row (a unique key), so two racing requests cannot
    both run."""

    async def begin(
        self, scope: str, key: str, fingerprint: str, now: datetime, stale_before: datetime
    ) -> IdempotentRequest | None:
        row = IdempotentRequestRow(scope=scope, key=key, fingerprint=fingerprint, started_at=now)
        try:
            await self._write(lambda tx: tx.insert([row], duplicate_key=f"idempotency key {key}"))
            return None
        except DuplicateRequest:
            pass
        existing = await self._get(scope, key)
        if existing is None:  # claimed and abandoned meanwhile: the caller may simply try again
            return IdempotentRequest(fingerprint, now)
        stale = existing.status is None and existing.started_at < stale_before
        if stale and existing.fingerprint == fingerprint and await self._take_over(existing, now):
            return None
        return _request(existing)

    async def finish(self, scope: str, key: str, response: StoredResponse, at: datetime) -> None:
        statement = (
            update(IdempotentRequestRow)
            .where(col(IdempotentRequestRow.scope) == scope, col(IdempotentRequestRow.key) == key)
            .values(status=response.status, body=response.body, finished_at=at)
        )
        await self._write(lambda tx: tx.execute(statement))

    async def abandon(self, scope: str, key: str) -> None:
        statement = delete(IdempotentRequestRow).where(
            col(IdempotentRequestRow.scope) == scope,
            col(IdempotentRequestRow.key) == key,
            col(IdempotentRequestRow.status).is_(None),
        )
        await self._write(lambda tx: tx.execute(statement))

    async def _get(self, scope: str, key: str) -> IdempotentRequestRow | None:
        rows = await self._read(
            select(IdempotentRequestRow).where(
                col(IdempotentRequestRow.scope) == scope, col(IdempotentRequestRow.key) == key
            )
        )
        return rows[0] if rows else None

    async def _take_over(self, stale: IdempotentRequestRow, now: datetime) -> bool:
        # Compare-and-set on the start time: of two takers of one stale claim, one wins.
        statement = (
            update(IdempotentRequestRow)
            .where(
                col(IdempotentRequestRow.scope) == stale.scope,
                col(IdempotentRequestRow.key) == stale.key,
                col(IdempotentRequestRow.started_at) == stale.started_at,
                col(IdempotentRequestRow.status).is_(None),
            )
            .values(started_at=now)
        )

        async def work(tx: Transaction) -> bool:
            return bool(getattr(await tx.execute(statement), "rowcount", 0))

        return await self._write(work)


@dataclass(frozen=True)
class HrStores:
    """The HR ports, built on one Database's sessions (Database.hr_stores())."""

    employees: SqlEmployees
    rules: SqlMilestoneRules
    api_keys: SqlApiKeys
    idempotency: SqlIdempotency

    @classmethod
    def on(
        cls, sessions: async_sessionmaker[AsyncSession], gate: WriteGate, clock: Clock
    ) -> HrStores:
        return cls(
            SqlEmployees(sessions, gate, clock),
            SqlMilestoneRules(sessions, gate, clock),
            SqlApiKeys(sessions, gate, clock),
            SqlIdempotency(sessions, gate, clock),
        )


# --- rows <-> domain
# -------------------------------------------------------------------------------


def employee_row(employee: Employee, now: datetime) -> dict[str, Any]:
    user = employee.user
    return {
        "email": employee.email,
        "name": employee.name,
        "start_date": employee.start_date,
        "birthday": str(employee.birthday) if employee.birthday else None,
        "platform": user.platform if user else None,
        "tenant": user.tenant if user else None,
        "user_id": user.user_id if user else None,
        "country": employee.country or None,
        "updated_at": utc(now),
    }


def employee_of_row(row: EmployeeRow) -> Employee:
    birthday = MonthDay(*map(int, row.birthday.split("-"))) if row.birthday else None
    user = None
    if row.platform and row.user_id:
        user = ChatUser(row.platform, row.tenant or "", row.user_id, row.name)
    return Employee(
        row.email,
        row.name,
        row.start_date,
        birthday,
        user,
        source=row.source or "",
        person_id=row.person_id or "",
        active=row.active,
        country=row.country or "",
        manager_id=row.manager_id or "",
        time_zone=row.time_zone or "",
    )


def _rule(row: MilestoneRuleRow) -> MilestoneRule:
    return MilestoneRule(
        MilestoneKind(row.kind),
        row.programme_id,
        Money(row.amount_minor, row.currency),
        row.template,
        row.enabled,
        row.from_manager,
    )


def _active(name: str) -> Select[ApiKeyRow]:
    return select(ApiKeyRow).where(col(ApiKeyRow.name) == name, col(ApiKeyRow.revoked_at).is_(None))


def _key_row(key: ApiKey) -> ApiKeyRow:
    return ApiKeyRow(
        id=key.id,
        name=key.name,
        key_hash=key.key_hash,
        hint=key.hint,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(row.id, row.name, row.key_hash, row.hint, row.created_at, row.revoked_at)


def _request(row: IdempotentRequestRow) -> IdempotentRequest:
    response = StoredResponse(row.status, row.body or "") if row.status is not None else None
    return IdempotentRequest(row.fingerprint, row.started_at, response)
