"""Approvals of held reward sends, programmes' approval and peer policies, and each giver's default programme.

Revision ID: 0016
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
# The head of this branch when written (the lead re-chains migrations when merging).
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("request_key", sa.String(), nullable=False),
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.Column("giver_key", sa.String(), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("approvers", sa.Text(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("requested_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=False),
        sa.Column("decided_at", TIME, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
        sa.UniqueConstraint("request_key", name=op.f("uq_approvals_request_key")),
    )
    op.create_index("ix_approvals_status_expires_at", "approvals", ["status", "expires_at"], unique=False)
    op.create_table(
        "approval_policies",
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.Column("approvers", sa.Text(), nullable=False),
        sa.Column("above_minor", sa.BigInteger(), nullable=True),
        sa.Column("above_total_minor", sa.BigInteger(), nullable=True),
        sa.Column("people_above", sa.Integer(), nullable=True),
        sa.Column("ttl_seconds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_approval_policies")),
    )
    op.create_table(
        "peer_policies",
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.Column("monthly_allowance_minor", sa.BigInteger(), nullable=False),
        sa.Column("per_recipient_minor", sa.BigInteger(), nullable=True),
        sa.Column("shout_out", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_peer_policies")),
    )
    op.create_table(
        "giver_defaults",
        sa.Column("giver", sa.String(), nullable=False),
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("giver", name=op.f("pk_giver_defaults")),
    )


def downgrade() -> None:
    op.drop_table("giver_defaults")
    op.drop_table("peer_policies")
    op.drop_table("approval_policies")
    op.drop_index("ix_approvals_status_expires_at", table_name="approvals")
    op.drop_table("approvals")
