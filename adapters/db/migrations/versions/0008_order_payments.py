"""Each order's card payments, so a second payment for a paid order is found and refunded.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        # Orders paid before this revision have none: the core then treats the current intent as the payer.
        batch.add_column(
            sa.Column("payments", sa.JSON(none_as_null=True), nullable=False, server_default=sa.text("'[]'"))
        )
        batch.add_column(sa.Column("refunds_due", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index(batch.f("ix_orders_refunds_due"), ["refunds_due"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_index(batch.f("ix_orders_refunds_due"))
        batch.drop_column("refunds_due")
        batch.drop_column("payments")
