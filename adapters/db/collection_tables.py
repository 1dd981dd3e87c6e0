"""The stored shape of group gifts: one row per collection, its contributions as JSON beside it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlmodel import Field

from adapters.db.tables import Table, UTCDateTime


class CollectionRow(Table, table=True):
    __tablename__ = "collections"

    id: str = Field(primary_key=True, sa_type=String())
    organiser_key: str = Field(index=True, sa_type=String())
    organiser: str = Field(sa_type=Text())  # JSON: platform, tenant, user id, name
    recipient_key: str = Field(index=True, sa_type=String())
    recipient: str = Field(sa_type=Text())
    recipient_conversation_platform: str = Field(sa_type=String())
    recipient_conversation_address: str = Field(sa_type=Text())
    card_platform: str = Field(default="", sa_type=String())
    card_address: str = Field(default="", sa_type=Text())
    title: str = Field(sa_type=Text())
    currency: str = Field(sa_type=String(3))
    goal: int = Field(sa_type=Integer())
    created_at: datetime = Field(sa_type=UTCDateTime())
    deadline: datetime = Field(sa_type=UTCDateTime())
    closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    # When the deadline job must look at it next (closing date, deadline, or refunds still due);
    # NULL once nothing is left to do, so the job's query reads only what is due.
    due_at: datetime | None = Field(default=None, index=True, sa_type=UTCDateTime())
    status: str = Field(sa_type=String(16))
    contributions: str = Field(default="[]", sa_type=Text())  # JSON list; never a code or a card
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    reward_id: str = Field(default="", sa_type=String())
    version: int = Field(default=1, sa_type=Integer())
