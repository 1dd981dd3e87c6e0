"""Group gifts: collections of contributions for one colleague (contributions as JSON on the row).

Revision ID: 0022
Revises: 0017
Create Date: 2027-01-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "collections",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("organiser_key", sa.String(), nullable=False),
        sa.Column("organiser", sa.Text(), nullable=False),
        sa.Column("recipient_key", sa.String(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("recipient_conversation_platform", sa.String(), nullable=False),
        sa.Column("recipient_conversation_address", sa.Text(), nullable=False),
        sa.Column("card_platform", sa.String(), nullable=False),
        sa.Column("card_address", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("goal", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("deadline", TIME, nullable=False),
        sa.Column("closes_at", TIME, nullable=True),
        sa.Column("due_at", TIME, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("contributions", sa.Text(), nullable=False),
        sa.Column("closed_at", TIME, nullable=True),
        sa.Column("reward_id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
    )
    op.create_index(op.f("ix_collections_organiser_key"), "collections", ["organiser_key"])
    op.create_index(op.f("ix_collections_recipient_key"), "collections", ["recipient_key"])
    op.create_index(op.f("ix_collections_due_at"), "collections", ["due_at"])


def downgrade() -> None:
    op.drop_table("collections")
