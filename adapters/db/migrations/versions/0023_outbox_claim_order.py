"""The outbox's pending messages by age: a claim reads the oldest due ones without sorting them all.

Without it SQLite read every pending message, and the older ones still waiting in each one's
conversation, to sort them by age for each claim of 20: 14 ms with 500 pending, 217 ms with 10,000.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_messages_status_created_at",
        "outbox_messages",
        ["status", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_messages_status_created_at", table_name="outbox_messages")
