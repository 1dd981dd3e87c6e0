"""Exchange rates, conversions locked on orders and the ledger, programme FX margin and card top-up,
curated programme catalogs, and recipients' countries (chosen, or on the employee record).

Revision ID: 0017
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON(none_as_null=True)


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        sa.Column("base", sa.String(3), primary_key=True),
        sa.Column("quote", sa.String(3), primary_key=True),
        sa.Column("value", sa.String(40), nullable=False),
        sa.Column("source", sa.String(120), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "programme_catalog",
        sa.Column("programme_id", sa.String(), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
    )
    op.create_table(
        "recipient_countries",
        sa.Column("user_key", sa.String(), primary_key=True),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("fx", _JSON, nullable=True))
    with op.batch_alter_table("ledger_entries") as batch:
        batch.add_column(sa.Column("fx", _JSON, nullable=True))
    # Programmes made before this revision kept card top-up: they keep it; new ones start without.
    with op.batch_alter_table("programmes") as batch:
        batch.add_column(sa.Column("fx_margin_bps", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("card_topup", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("programmes") as batch:
        batch.drop_column("card_topup")
        batch.drop_column("fx_margin_bps")
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_column("fx")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("fx")
    op.drop_table("recipient_countries")
    op.drop_table("programme_catalog")
    op.drop_table("fx_rates")
