"""Gifts: a voucher order's recipient, the buyer's note and an optional delivery time.

Revision ID: 0015
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
# Chained after 0007 (the latest on this branch's base) so `upgrade head` has one head; re-chain on merge.
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "gifts",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("buyer_key", sa.String(), nullable=False),
        sa.Column("recipient_platform", sa.String(), nullable=False),
        sa.Column("recipient_tenant", sa.String(), nullable=False),
        sa.Column("recipient_user_id", sa.String(), nullable=False),
        sa.Column("recipient_name", sa.String(), nullable=False),
        sa.Column("recipient_key", sa.String(), nullable=False),
        sa.Column("recipient_conversation_platform", sa.String(), nullable=False),
        sa.Column("recipient_conversation_address", sa.Text(), nullable=False),
        sa.Column("buyer_platform", sa.String(), nullable=False),
        sa.Column("buyer_tenant", sa.String(), nullable=False),
        sa.Column("buyer_user_id", sa.String(), nullable=False),
        sa.Column("buyer_name", sa.String(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("deliver_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("delivered_at", TIME, nullable=True),
        sa.Column("cancelled_at", TIME, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gifts")),
        sa.UniqueConstraint("order_id", name=op.f("uq_gifts_order_id")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            deferrable=True,
            initially="DEFERRED",
            name=op.f("fk_gifts_order_id_orders"),
        ),
    )
    op.create_index(op.f("ix_gifts_buyer_key"), "gifts", ["buyer_key"])
    op.create_index("ix_gifts_recipient_key_created_at", "gifts", ["recipient_key", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_gifts_recipient_key_created_at", table_name="gifts")
    op.drop_index(op.f("ix_gifts_buyer_key"), table_name="gifts")
    op.drop_table("gifts")
