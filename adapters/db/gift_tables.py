"""The stored shape of gifts: a voucher order's recipient, note and delivery time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field

from adapters.db.tables import Table, UTCDateTime


class GiftRow(Table, table=True):
    __tablename__ = "gifts"
    __table_args__ = (Index("ix_gifts_recipient_key_created_at", "recipient_key", "created_at"),)

    id: str = Field(primary_key=True, sa_type=String())
    # One gift per order; deferred because orders are INSERTed at commit, like vouchers.
    order_id: str = Field(
        sa_column=Column(
            String(),
            ForeignKey("orders.id", deferrable=True, initially="DEFERRED"),
            unique=True,
            nullable=False,
        )
    )
    buyer_key: str = Field(index=True, sa_type=String())
    recipient_platform: str = Field(sa_type=String())
    recipient_tenant: str = Field(sa_type=String())
    recipient_user_id: str = Field(sa_type=String())
    recipient_name: str = Field(sa_type=String())
    recipient_key: str = Field(sa_type=String())
    recipient_conversation_platform: str = Field(sa_type=String())
    recipient_conversation_address: str = Field(sa_type=Text())
    buyer_platform: str = Field(sa_type=String())
    buyer_tenant: str = Field(sa_type=String())
    buyer_user_id: str = Field(sa_type=String())
    buyer_name: str = Field(sa_type=String())
    message: str = Field(default="", sa_type=Text())
    deliver_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    created_at: datetime = Field(sa_type=UTCDateTime())
    status: str = Field(sa_type=String(16))
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    version: int = Field(default=1, sa_type=Integer())
