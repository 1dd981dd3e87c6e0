"""SQLModel tables of the HR side: employees, milestone rules, API keys and idempotent API responses."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Index, Integer, String, Text
from sqlmodel import Field

from adapters.db.tables import Table, UTCDateTime


class EmployeeRow(Table, table=True):
    """An employee by work email; the chat identity is optional (else found by email at send time)."""

    __tablename__ = "employees"
    __table_args__ = (Index("ix_employees_platform_tenant_user_id", "platform", "tenant", "user_id"),)

    email: str = Field(primary_key=True, sa_type=String())
    name: str = Field(sa_type=String())
    start_date: date = Field(sa_type=Date())
    birthday: str | None = Field(default=None, sa_type=String(5))  # MM-DD: the year is not kept
    platform: str | None = Field(default=None, sa_type=String(16))
    tenant: str | None = Field(default=None, sa_type=String())
    user_id: str | None = Field(default=None, sa_type=String())
    country: str | None = Field(default=None, sa_type=String(2))  # where they redeem rewards
    updated_at: datetime = Field(sa_type=UTCDateTime())


class MilestoneRuleRow(Table, table=True):
    """What is sent for a kind of milestone (anniversary, birthday)."""

    __tablename__ = "milestone_rules"

    kind: str = Field(primary_key=True, sa_type=String(16))
    programme_id: str = Field(sa_type=String())
    amount_minor: int = Field(sa_type=BigInteger())
    currency: str = Field(sa_type=String(3))
    template: str = Field(sa_type=Text())
    enabled: bool = Field(default=True, sa_type=Boolean())
    updated_at: datetime = Field(sa_type=UTCDateTime())


class ApiKeyRow(Table, table=True):
    """An HR system's API key, as its SHA-256 only; revoked keys stay for the record."""

    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, sa_type=String())
    name: str = Field(index=True, sa_type=String())
    key_hash: str = Field(unique=True, sa_type=String(64))
    hint: str = Field(sa_type=String(8))
    created_at: datetime = Field(sa_type=UTCDateTime())
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class IdempotentRequestRow(Table, table=True):
    """A request under an Idempotency-Key: claimed when it starts, its answer stored when it succeeds."""

    __tablename__ = "api_idempotency"

    scope: str = Field(primary_key=True, sa_type=String())
    key: str = Field(primary_key=True, sa_type=String())
    fingerprint: str = Field(sa_type=String(64))
    status: int | None = Field(default=None, sa_type=Integer())
    body: str | None = Field(default=None, sa_type=Text())
    started_at: datetime = Field(sa_type=UTCDateTime())
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
