"""Teams tenants the bot has heard from, and reward confirmations waiting for their sender's click.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    # One row per tenant: the service URL and bot account of its latest activity (adapters/db/teams_tenants.py).
    op.create_table(
        "teams_tenants",
        sa.Column("tenant_id", sa.String(100), nullable=False),
        sa.Column("service_url", sa.String(2048), nullable=False),
        sa.Column("bot_id", sa.String(255), nullable=False),
        sa.Column("bot_name", sa.String(255), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_teams_tenants")),
    )
    # Shared by replicas, so a Send click may land on any of them (adapters/db/confirmations.py).
    op.create_table(
        "pending_confirmations",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("taken_at", TIME, nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_pending_confirmations")),
    )
    op.create_index(
        op.f("ix_pending_confirmations_expires_at"), "pending_confirmations", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_confirmations_expires_at"), table_name="pending_confirmations")
    op.drop_table("pending_confirmations")
    op.drop_table("teams_tenants")
