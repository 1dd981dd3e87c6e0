"""Tables for what a recipient may pick: curated programme catalogs and recipients' countries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field

from adapters.db.tables import Table, UTCDateTime


class ProgrammeCatalogRow(Table, table=True):
    """One rule of a programme's curated catalog: a product, brand, country or category it
    offers."""

    __tablename__ = "programme_catalog"

    programme_id: str = Field(primary_key=True, sa_type=String())
    kind: str = Field(primary_key=True, sa_type=String(16))
    value: str = Field(primary_key=True, sa_type=String(200))


class RecipientCountryRow(Table, table=True):
    """Where a recipient redeems: from the employee record, their chat platform, or their own
    choice."""

    __tablename__ = "recipient_countries"

    user_key: str = Field(primary_key=True, sa_type=String())
    country: str = Field(sa_type=String(2))
    source: str = Field(sa_type=String(16))
    updated_at: datetime = Field(sa_type=UTCDateTime())
