"""The database adapter: SQLModel tables on SQLAlchemy async, SQLite or PostgreSQL, with Alembic
migrations."""

# Registers the dashboard's, the gifts' and the curated catalogs' tables in the shared metadata
# (migrations and the schema check read them).
from adapters.db import (  # noqa: F401
    admin_tables,
    collection_tables,
    curation_tables,
    gift_tables,
)
from adapters.db.crypto import CipherError, VoucherCipher
from adapters.db.database import Database
from adapters.db.errors import DatabaseError, DatabaseUnavailable

__all__ = ["CipherError", "Database", "DatabaseError", "DatabaseUnavailable", "VoucherCipher"]
