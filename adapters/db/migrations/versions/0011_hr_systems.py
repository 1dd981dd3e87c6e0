"""HR systems: employees owned by a source (SuccessFactors, Darwinbox, SCIM), sync cursors, SCIM users.

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("employees") as table:
        table.add_column(sa.Column("source", sa.String(32), nullable=True))
        table.add_column(sa.Column("person_id", sa.String(255), nullable=True))
        table.add_column(sa.Column("active", sa.Boolean(), server_default="1", nullable=False))
        table.add_column(sa.Column("country", sa.String(2), nullable=True))
        table.add_column(sa.Column("manager_id", sa.String(255), nullable=True))
        table.add_column(sa.Column("time_zone", sa.String(64), nullable=True))
        table.create_index("ix_employees_source_person_id", ["source", "person_id"], unique=True)
    with op.batch_alter_table("milestone_rules") as table:
        table.add_column(sa.Column("from_manager", sa.Boolean(), server_default="0", nullable=False))
    op.create_table(
        "hr_cursors",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("cursor", sa.String(255), nullable=False),
        sa.Column("synced_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_hr_cursors")),
    )
    op.create_table(
        "scim_users",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_name", sa.String(255), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=True),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_users")),
        sa.UniqueConstraint("user_name", name=op.f("uq_scim_users_user_name")),
    )
    op.create_index(op.f("ix_scim_users_external_id"), "scim_users", ["external_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_scim_users_external_id"), table_name="scim_users")
    op.drop_table("scim_users")
    op.drop_table("hr_cursors")
    with op.batch_alter_table("milestone_rules") as table:
        table.drop_column("from_manager")
    with op.batch_alter_table("employees") as table:
        table.drop_index("ix_employees_source_person_id")
        for column in ("time_zone", "manager_id", "country", "active", "person_id", "source"):
            table.drop_column(column)
