"""Tables of the admin dashboard: its users (argon2 hashes, lock-out counters) and their
sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Text
from sqlmodel import Field

from adapters.db.tables import Table, UTCDateTime


class AdminUserRow(Table, table=True):
    """A dashboard user; the email (lower-cased) is the identity."""

    __tablename__ = "admin_users"

    email: str = Field(primary_key=True, sa_type=String(254))
    role: str = Field(sa_type=String(16))
    password_hash: str = Field(sa_type=Text())
    created_at: datetime = Field(sa_type=UTCDateTime())
    failed_logins: int = Field(default=0, sa_type=Integer())
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime())
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    # Sign-ins whose password is being checked, and when the latest began (older counts are stale).
    signing_in: int = Field(default=0, sa_type=Integer())
    signing_in_since: datetime | None = Field(default=None, sa_type=UTCDateTime())


class AdminSessionRow(Table, table=True):
    """A signed-in browser. Only the SHA-256 of its random id is stored: a leaked table opens no
    session."""

    __tablename__ = "admin_sessions"

    id_hash: str = Field(primary_key=True, sa_type=String(64))
    email: str = Field(
        sa_column=Column(
            String(254),
            ForeignKey("admin_users.email", ondelete="CASCADE"),
            index=True,
            nullable=False,
        )
    )
    created_at: datetime = Field(sa_type=UTCDateTime())
    last_seen_at: datetime = Field(sa_type=UTCDateTime())
    expires_at: datetime = Field(index=True, sa_type=UTCDateTime())
