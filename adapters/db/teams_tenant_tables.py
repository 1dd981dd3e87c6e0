"""Tables of what the chat adapters must remember across replicas: Teams tenants, pending
confirmations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlmodel import Field

from adapters.db.tables import Table, UTCDateTime


class TeamsTenantRow(Table, table=True):
    """Where the bot reaches a Teams tenant: the Connector URL and its own account, from the last
    activity."""

    __tablename__ = "teams_tenants"

    tenant_id: str = Field(
        primary_key=True, sa_type=String(100)
    )  # lower case: Entra ids ignore case
    service_url: str = Field(sa_type=String(2048))
    bot_id: str = Field(sa_type=String(255))
    bot_name: str = Field(sa_type=String(255))
    updated_at: datetime = Field(sa_type=UTCDateTime())


class PendingConfirmationRow(Table, table=True):
    """A request waiting for its sender's Send click; `taken_at` is set by the click that does the
    work."""

    __tablename__ = "pending_confirmations"

    key: str = Field(primary_key=True, sa_type=String(255))
    payload: str = Field(sa_type=Text())  # a whole channel's recipients: tens of kilobytes
    expires_at: datetime = Field(index=True, sa_type=UTCDateTime())
    taken_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    outcome: str | None = Field(
        default=None, sa_type=Text()
    )  # what the taker showed, for later clicks
