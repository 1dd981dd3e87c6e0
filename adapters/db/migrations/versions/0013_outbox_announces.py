"""Order updates in the outbox remember the status they announce (awaiting payment, paid, voucher ready).

Revision ID: 0013
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows written before this show the order's current status when sent, as they did.
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("announces", sa.String(32), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("announces")
