"""SQLModel tables: the stored shape of orders, vouchers, outbox, events, rewards, audit and catalog
cache."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

# Named constraints, so migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite keeps naive UTC text, PostgreSQL `timestamptz`."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a timezone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# An auto-increment key on both databases (SQLite only auto-increments an INTEGER primary key).
_SERIAL = BigInteger().with_variant(Integer(), "sqlite")


def _json() -> JSON:
    return JSON(none_as_null=True)


def _order_fk() -> ForeignKey:
    # Deferred to commit: orders are INSERTed at commit, after a voucher added in the same unit of
    # work.
    return ForeignKey("orders.id", deferrable=True, initially="DEFERRED")


class Table(SQLModel, registry=registry(metadata=metadata)):
    """Base of voucherbot's tables: their own metadata, apart from any other SQLModel user's."""


class OrderRow(Table, table=True):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_status_updated_at", "status", "updated_at"),)

    id: str = Field(primary_key=True, sa_type=String())
    request_key: str = Field(unique=True, sa_type=String())
    product_id: str = Field(sa_type=String())
    amount_minor: int = Field(sa_type=BigInteger())
    currency: str = Field(sa_type=String(3))
    buyer_platform: str = Field(sa_type=String())
    buyer_tenant: str = Field(sa_type=String())
    buyer_user_id: str = Field(sa_type=String())
    buyer_name: str = Field(sa_type=String())
    buyer_key: str = Field(index=True, sa_type=String())
    conversation_platform: str = Field(sa_type=String())
    conversation_address: str = Field(sa_type=Text())
    status: str = Field(sa_type=String(24))
    payment_intent_id: str | None = Field(default=None, index=True, sa_type=String())
    payment_client_secret_enc: str | None = Field(default=None, sa_type=Text())
    checkout_token_hash: str | None = Field(default=None, index=True, sa_type=String(64))
    checkout_token_enc: str | None = Field(default=None, sa_type=Text())
    checkout_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    payment_attempts: int = Field(default=0, sa_type=Integer())
    failure_reason: str = Field(default="", sa_type=Text())
    created_at: datetime = Field(index=True, sa_type=UTCDateTime())
    updated_at: datetime = Field(sa_type=UTCDateTime())
    version: int = Field(default=1, sa_type=Integer())
    reward_id: str | None = Field(default=None, index=True, sa_type=String())
    reward_minor: int = Field(default=0, sa_type=BigInteger())
    history: list[dict[str, Any]] = Field(default_factory=list, sa_type=_json())
    # Each payment intent's money, and whether it was a duplicate (given back); `refunds_due` counts
    # the duplicates not yet refunded, so the recovery loop finds them by index.
    payments: list[dict[str, Any]] = Field(default_factory=list, sa_type=_json())
    refunds_due: int = Field(default=0, index=True, sa_type=Integer())
    provider: str = Field(default="", sa_type=String(64))
    route_reason: str = Field(default="", sa_type=Text())
    route_tried: str = Field(default="", sa_type=String(255))  # comma-separated provider names
    route_uncertain: bool = Field(default=False, sa_type=Boolean())
    fx: dict[str, Any] | None = Field(
        default=None, sa_type=_json()
    )  # core.fx.Quote locked for a reward


class VoucherRow(Table, table=True):
    __tablename__ = "vouchers"

    id: str = Field(primary_key=True, sa_type=String())
    order_id: str = Field(sa_column=Column(String(), _order_fk(), unique=True, nullable=False))
    product_id: str = Field(sa_type=String())
    amount_minor: int = Field(sa_type=BigInteger())
    currency: str = Field(sa_type=String(3))
    owner_platform: str = Field(sa_type=String())
    owner_tenant: str = Field(sa_type=String())
    owner_user_id: str = Field(sa_type=String())
    owner_name: str = Field(sa_type=String())
    owner_key: str = Field(index=True, sa_type=String())
    code_enc: str = Field(sa_type=Text())
    pin_enc: str | None = Field(default=None, sa_type=Text())
    redeem_url_enc: str | None = Field(default=None, sa_type=Text())
    expires_on: date = Field(sa_type=Date())
    issued_at: datetime = Field(sa_type=UTCDateTime())
    provider: str = Field(sa_type=String())
    provider_reference: str = Field(default="", sa_type=String())
    status: str = Field(sa_type=String(16))


class OutboxRow(Table, table=True):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_messages_conversation", "conversation_key", "status", "created_at"),
        # A claim walks the pending messages oldest first and stops at its limit (no sort of all).
        Index("ix_outbox_messages_status_created_at", "status", "created_at", "id"),
    )

    id: str = Field(primary_key=True, sa_type=String())
    key: str = Field(unique=True, sa_type=String())
    kind: str = Field(sa_type=String(32))
    # No foreign key: a reward's messages have an empty order id (and the reward id instead).
    order_id: str = Field(index=True, sa_type=String())
    reward_id: str = Field(default="", sa_type=String())
    conversation_platform: str = Field(sa_type=String())
    conversation_address: str = Field(sa_type=Text())
    # A digest of platform + address: a short, indexable identity for "the same conversation".
    conversation_key: str = Field(sa_type=String(64))
    created_at: datetime = Field(sa_type=UTCDateTime())
    next_attempt_at: datetime = Field(sa_type=UTCDateTime())
    status: str = Field(sa_type=String(16))
    attempts: int = Field(default=0, sa_type=Integer())
    last_error: str = Field(default="", sa_type=Text())
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    history: list[str] = Field(default_factory=list, sa_type=_json())
    announces: str = Field(default="", sa_type=String(32))  # the order status an update shows


class ProcessedEventRow(Table, table=True):
    __tablename__ = "processed_events"

    event_id: str = Field(primary_key=True, sa_type=String())
    kind: str = Field(sa_type=String())
    received_at: datetime = Field(sa_type=UTCDateTime())


class AuditRow(Table, table=True):
    __tablename__ = "audit_entries"

    seq: int = Field(
        primary_key=True, sa_column_kwargs={"autoincrement": False}, sa_type=BigInteger()
    )
    at: datetime = Field(sa_type=UTCDateTime())
    actor: str = Field(sa_type=String())
    action: str = Field(sa_type=String())
    subject: str = Field(index=True, sa_type=String())
    before: dict[str, Any] | None = Field(default=None, sa_type=_json())
    after: dict[str, Any] | None = Field(default=None, sa_type=_json())
    prev_hash: str = Field(sa_type=String(64))
    hash: str = Field(sa_type=String(64))


class CatalogProductRow(Table, table=True):
    __tablename__ = "catalog_products"

    provider: str = Field(primary_key=True, sa_type=String())
    product_id: str = Field(primary_key=True, sa_type=String())
    data: dict[str, Any] = Field(sa_type=_json())
    synced_at: datetime = Field(sa_type=UTCDateTime())


class CatalogSyncRow(Table, table=True):
    """When a provider's catalog was last replaced; kept apart so an empty catalog still has a
    time."""

    __tablename__ = "catalog_syncs"

    provider: str = Field(primary_key=True, sa_type=String())
    synced_at: datetime = Field(sa_type=UTCDateTime())
    product_count: int = Field(default=0, sa_type=Integer())


class ProgrammeRow(Table, table=True):
    __tablename__ = "programmes"

    id: str = Field(primary_key=True, sa_type=String())
    name: str = Field(sa_type=String())
    currency: str = Field(sa_type=String(3))
    expiry_days: int = Field(sa_type=Integer())
    per_reward_limit: int | None = Field(default=None, sa_type=BigInteger())
    per_giver_monthly_limit: int | None = Field(default=None, sa_type=BigInteger())
    version: int = Field(default=1, sa_type=Integer())
    fx_margin_bps: int = Field(default=0, sa_type=Integer())
    card_topup: bool = Field(default=False, sa_type=Boolean())


class LedgerRow(Table, table=True):
    """A budget movement; `seq` keeps insertion order (entries may share a timestamp)."""

    __tablename__ = "ledger_entries"

    seq: int | None = Field(default=None, primary_key=True, sa_type=_SERIAL)
    id: str = Field(unique=True, sa_type=String())
    programme_id: str = Field(index=True, sa_type=String())
    kind: str = Field(sa_type=String(16))
    minor: int = Field(sa_type=BigInteger())
    at: datetime = Field(sa_type=UTCDateTime())
    actor: str = Field(sa_type=String())
    reward_id: str = Field(default="", sa_type=String())
    order_id: str = Field(default="", sa_type=String())
    note: str = Field(default="", sa_type=Text())
    fx: dict[str, Any] | None = Field(
        default=None, sa_type=_json()
    )  # both amounts, rate, source, time


class RateRow(Table, table=True):
    """The newest exchange rate per pair (`1 base = value quote`), from the ECB or an admin."""

    __tablename__ = "fx_rates"

    base: str = Field(primary_key=True, sa_type=String(3))
    quote: str = Field(primary_key=True, sa_type=String(3))
    value: str = Field(sa_type=String(40))  # a decimal as text: never a float
    source: str = Field(sa_type=String(120))
    as_of: datetime = Field(sa_type=UTCDateTime())


class RewardRow(Table, table=True):
    __tablename__ = "rewards"
    __table_args__ = (
        Index("ix_rewards_status_expires_at", "status", "expires_at"),
        Index("ix_rewards_programme_giver", "programme_id", "giver_key", "created_at"),
    )

    id: str = Field(primary_key=True, sa_type=String())
    request_key: str = Field(unique=True, sa_type=String())
    programme_id: str = Field(sa_type=String())
    giver_platform: str = Field(sa_type=String())
    giver_tenant: str = Field(sa_type=String())
    giver_user_id: str = Field(sa_type=String())
    giver_name: str = Field(sa_type=String())
    giver_key: str = Field(sa_type=String())
    recipient_platform: str = Field(sa_type=String())
    recipient_tenant: str = Field(sa_type=String())
    recipient_user_id: str = Field(sa_type=String())
    recipient_name: str = Field(sa_type=String())
    recipient_key: str = Field(index=True, sa_type=String())
    conversation_platform: str = Field(sa_type=String())
    conversation_address: str = Field(sa_type=Text())
    giver_conversation_platform: str | None = Field(default=None, sa_type=String())
    giver_conversation_address: str | None = Field(default=None, sa_type=Text())
    amount_minor: int = Field(sa_type=BigInteger())
    currency: str = Field(sa_type=String(3))
    reason: str = Field(sa_type=Text())
    created_at: datetime = Field(sa_type=UTCDateTime())
    expires_at: datetime = Field(sa_type=UTCDateTime())
    status: str = Field(sa_type=String(16))
    spent: int = Field(default=0, sa_type=BigInteger())
    held: int = Field(default=0, sa_type=BigInteger())
    version: int = Field(default=1, sa_type=Integer())


class RewardAdminRow(Table, table=True):
    """Who may send rewards, besides the admins named in the settings (`slack:U123`, `teams:<aad
    id>`)."""

    __tablename__ = "reward_admins"

    identity: str = Field(primary_key=True, sa_type=String())


class JobLeaseRow(Table, table=True):
    """Which replica runs a scheduled job, and until when (adapters/db/leases.py)."""

    __tablename__ = "job_leases"

    name: str = Field(primary_key=True, sa_type=String())
    holder: str = Field(sa_type=String())
    expires_at: datetime = Field(sa_type=UTCDateTime())


class TokenBucketRow(Table, table=True):
    """A rate limit's bucket shared by every replica: when it is next free
    (adapters/db/token_buckets.py)."""

    __tablename__ = "token_buckets"

    key: str = Field(primary_key=True, sa_type=String())
    due: int = Field(sa_type=BigInteger())  # microseconds since the epoch, by the database's clock


class StoredSecretRow(Table, table=True):
    """A credential the bot must keep across restarts (a rotated OAuth token), encrypted."""

    __tablename__ = "stored_secrets"

    name: str = Field(primary_key=True, sa_type=String())
    ciphertext: str = Field(sa_type=String())
    updated_at: datetime = Field(sa_type=UTCDateTime())
