"""SQLModel tables of the HR side: employees, milestone rules, API keys and idempotent API
responses."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Index, Integer, String, Text
from sqlmodel import Field

from adapters.db.tables import Table, UTCDateTime


class EmployeeRow(Table, table=True):
    """An employee by work email; the chat identity is optional (else found by email at send
    time)."""

    __tablename__ = "employees"
    __table_args__ = (
        Index("ix_employees_platform_tenant_user_id", "platform", "tenant", "user_id"),
        Index("ix_employees_source_person_id", "source", "person_id", unique=True),
    )

    email: str = Field(primary_key=True, sa_type=String())
    name: str = Field(sa_type=String())
    start_date: date = Field(sa_type=Date())
    birthday: str | None = Field(default=None, sa_type=String(5))  # MM-DD: the year is not kept
    platform: str | None = Field(default=None, sa_type=String(16))
    tenant: str | None = Field(default=None, sa_type=String())
    user_id: str | None = Field(default=None, sa_type=String())
    updated_at: datetime = Field(sa_type=UTCDateTime())
    # Set when an HR system (core.hris) owns the record; a file import leaves them empty.
    source: str | None = Field(default=None, sa_type=String(32))
    person_id: str | None = Field(default=None, sa_type=String(255))
    active: bool = Field(default=True, sa_type=Boolean(), sa_column_kwargs={"server_default": "1"})
    country: str | None = Field(default=None, sa_type=String(2))
    manager_id: str | None = Field(default=None, sa_type=String(255))
    time_zone: str | None = Field(default=None, sa_type=String(64))


class HrCursorRow(Table, table=True):
    """Where each HR system's next incremental sync starts (its own cursor, e.g. a modification
    time)."""

    __tablename__ = "hr_cursors"

    source: str = Field(primary_key=True, sa_type=String(32))
    cursor: str = Field(sa_type=String(255))
    synced_at: datetime = Field(sa_type=UTCDateTime())


class ScimUserRow(Table, table=True):
    """A SCIM User as pushed by Entra ID or Okta: the resource (supported attributes only) and its
    version."""

    __tablename__ = "scim_users"

    id: str = Field(primary_key=True, sa_type=String(64))
    user_name: str = Field(
        unique=True, sa_type=String(255)
    )  # lower-cased: userName is case-insensitive
    external_id: str | None = Field(default=None, index=True, sa_type=String(255))
    resource: str = Field(sa_type=Text())  # JSON; the birthday in it is --MM-DD, never a year
    version: int = Field(sa_type=Integer())
    created_at: datetime = Field(sa_type=UTCDateTime())
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
    from_manager: bool = Field(
        default=False, sa_type=Boolean(), sa_column_kwargs={"server_default": "0"}
    )


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
    """A request under an Idempotency-Key: claimed when it starts, its answer stored when it
    succeeds."""

    __tablename__ = "api_idempotency"

    scope: str = Field(primary_key=True, sa_type=String())
    key: str = Field(primary_key=True, sa_type=String())
    fingerprint: str = Field(sa_type=String(64))
    status: int | None = Field(default=None, sa_type=Integer())
    body: str | None = Field(default=None, sa_type=Text())
    started_at: datetime = Field(sa_type=UTCDateTime())
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
