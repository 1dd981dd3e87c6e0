"""The provider each order was routed to, why, which providers said no, and whether an answer was lost.

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Server defaults so the rows already there read as "not routed yet" (core.routing decides at issuing).
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("provider", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("route_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("route_tried", sa.String(255), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("route_uncertain", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("route_uncertain")
        batch.drop_column("route_tried")
        batch.drop_column("route_reason")
        batch.drop_column("provider")
