"""Token buckets shared by every replica: per-person limits and outbound pacing (without Redis).

Revision ID: 0021
Revises: 0017
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
# The head of this branch when written (the lead re-chains migrations when merging).
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # One row per bucket: when it is next free, in microseconds (adapters/db/token_buckets.py).
    op.create_table(
        "token_buckets",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("due", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_token_buckets")),
    )


def downgrade() -> None:
    op.drop_table("token_buckets")
