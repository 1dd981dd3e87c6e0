"""Initial schema: orders, vouchers, outbox, processed events, rewards, audit chain, catalog cache.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    _orders()
    _vouchers()
    _outbox()
    _rewards()
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("received_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processed_events")),
    )
    _audit()
    _catalog()


def _orders() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("request_key", sa.String(), nullable=False),
        sa.Column("product_id", sa.String(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("buyer_platform", sa.String(), nullable=False),
        sa.Column("buyer_tenant", sa.String(), nullable=False),
        sa.Column("buyer_user_id", sa.String(), nullable=False),
        sa.Column("buyer_name", sa.String(), nullable=False),
        sa.Column("buyer_key", sa.String(), nullable=False),
        sa.Column("conversation_platform", sa.String(), nullable=False),
        sa.Column("conversation_address", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("payment_intent_id", sa.String(), nullable=True),
        sa.Column("payment_client_secret_enc", sa.Text(), nullable=True),
        sa.Column("checkout_token_hash", sa.String(length=64), nullable=True),
        sa.Column("checkout_token_enc", sa.Text(), nullable=True),
        sa.Column("checkout_expires_at", TIME, nullable=True),
        sa.Column("payment_attempts", sa.Integer(), nullable=False),
        sa.Column("failure_reason", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reward_id", sa.String(), nullable=True),
        sa.Column("reward_minor", sa.BigInteger(), nullable=False),
        sa.Column("history", sa.JSON(none_as_null=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("request_key", name=op.f("uq_orders_request_key")),
    )
    op.create_index(op.f("ix_orders_buyer_key"), "orders", ["buyer_key"])
    op.create_index(op.f("ix_orders_payment_intent_id"), "orders", ["payment_intent_id"])
    op.create_index(op.f("ix_orders_checkout_token_hash"), "orders", ["checkout_token_hash"])
    op.create_index(op.f("ix_orders_created_at"), "orders", ["created_at"])
    op.create_index(op.f("ix_orders_reward_id"), "orders", ["reward_id"])
    op.create_index("ix_orders_status_updated_at", "orders", ["status", "updated_at"])


def _vouchers() -> None:
    op.create_table(
        "vouchers",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("product_id", sa.String(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("owner_platform", sa.String(), nullable=False),
        sa.Column("owner_tenant", sa.String(), nullable=False),
        sa.Column("owner_user_id", sa.String(), nullable=False),
        sa.Column("owner_name", sa.String(), nullable=False),
        sa.Column("owner_key", sa.String(), nullable=False),
        sa.Column("code_enc", sa.Text(), nullable=False),
        sa.Column("pin_enc", sa.Text(), nullable=True),
        sa.Column("redeem_url_enc", sa.Text(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("issued_at", TIME, nullable=False),
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("provider_reference", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vouchers")),
        sa.UniqueConstraint("order_id", name=op.f("uq_vouchers_order_id")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            deferrable=True,
            initially="DEFERRED",
            name=op.f("fk_vouchers_order_id_orders"),
        ),
    )
    op.create_index(op.f("ix_vouchers_owner_key"), "vouchers", ["owner_key"])


def _outbox() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("reward_id", sa.String(), nullable=False),
        sa.Column("conversation_platform", sa.String(), nullable=False),
        sa.Column("conversation_address", sa.Text(), nullable=False),
        sa.Column("conversation_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("sent_at", TIME, nullable=True),
        sa.Column("history", sa.JSON(none_as_null=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_messages_key")),
    )
    op.create_index(op.f("ix_outbox_messages_order_id"), "outbox_messages", ["order_id"])
    op.create_index(
        "ix_outbox_messages_status_next_attempt_at", "outbox_messages", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_outbox_messages_conversation", "outbox_messages", ["conversation_key", "status", "created_at"]
    )


def _audit() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("before", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("after", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entries")),
    )
    op.create_index(op.f("ix_audit_entries_subject"), "audit_entries", ["subject"])


def _catalog() -> None:
    op.create_table(
        "catalog_products",
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("product_id", sa.String(), nullable=False),
        sa.Column("data", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("synced_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("provider", "product_id", name=op.f("pk_catalog_products")),
    )
    op.create_table(
        "catalog_syncs",
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("synced_at", TIME, nullable=False),
        sa.Column("product_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("provider", name=op.f("pk_catalog_syncs")),
    )


def _rewards() -> None:
    op.create_table(
        "programmes",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expiry_days", sa.Integer(), nullable=False),
        sa.Column("per_reward_limit", sa.BigInteger(), nullable=True),
        sa.Column("per_giver_monthly_limit", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programmes")),
    )
    op.create_table(
        "ledger_entries",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("minor", sa.BigInteger(), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("reward_id", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("id", name=op.f("uq_ledger_entries_id")),
    )
    op.create_index(op.f("ix_ledger_entries_programme_id"), "ledger_entries", ["programme_id"])
    op.create_table(
        "rewards",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("request_key", sa.String(), nullable=False),
        sa.Column("programme_id", sa.String(), nullable=False),
        *(
            sa.Column(f"{who}_{part}", sa.String(), nullable=False)
            for who in ("giver", "recipient")
            for part in ("platform", "tenant", "user_id", "name", "key")
        ),
        sa.Column("conversation_platform", sa.String(), nullable=False),
        sa.Column("conversation_address", sa.Text(), nullable=False),
        sa.Column("giver_conversation_platform", sa.String(), nullable=True),
        sa.Column("giver_conversation_address", sa.Text(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("spent", sa.BigInteger(), nullable=False),
        sa.Column("held", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
        sa.UniqueConstraint("request_key", name=op.f("uq_rewards_request_key")),
    )
    op.create_index(op.f("ix_rewards_recipient_key"), "rewards", ["recipient_key"])
    op.create_index("ix_rewards_status_expires_at", "rewards", ["status", "expires_at"])
    op.create_index("ix_rewards_programme_giver", "rewards", ["programme_id", "giver_key", "created_at"])
    op.create_table(
        "reward_admins",
        sa.Column("identity", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("identity", name=op.f("pk_reward_admins")),
    )


def downgrade() -> None:
    tables = (
        "catalog_syncs",
        "catalog_products",
        "audit_entries",
        "processed_events",
        "reward_admins",
        "rewards",
        "ledger_entries",
        "programmes",
        "outbox_messages",
        "vouchers",
        "orders",
    )
    for table in tables:
        op.drop_table(table)
