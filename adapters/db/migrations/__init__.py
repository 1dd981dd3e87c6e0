"""Alembic migrations of voucherbot's schema (applied by adapters.db.migrate, never by hand-edited
SQL)."""
