"""The database adapter: SQLModel tables on SQLAlchemy async, SQLite or PostgreSQL, with Alembic migrations."""

from adapters.db.crypto import CipherError, VoucherCipher
from adapters.db.database import Database
from adapters.db.errors import DatabaseError, DatabaseUnavailable

__all__ = ["CipherError", "Database", "DatabaseError", "DatabaseUnavailable", "VoucherCipher"]
