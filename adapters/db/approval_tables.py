"""Tables of approvals (sends held for an approver), approval and peer policies, and givers' default
programmes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlmodel import Field

from adapters.db.tables import Table, UTCDateTime


class ApprovalRow(Table, table=True):
    """A held send; `command` is the whole request as core.confirmations serialises it (names, no
    secrets)."""

    __tablename__ = "approvals"
    __table_args__ = (Index("ix_approvals_status_expires_at", "status", "expires_at"),)

    id: str = Field(primary_key=True, sa_type=String())
    request_key: str = Field(unique=True, sa_type=String())
    programme_id: str = Field(sa_type=String())
    giver_key: str = Field(sa_type=String())
    command: str = Field(sa_type=Text())
    approvers: str = Field(sa_type=Text())  # comma separated identities
    total_minor: int = Field(sa_type=BigInteger())
    requested_at: datetime = Field(sa_type=UTCDateTime())
    expires_at: datetime = Field(sa_type=UTCDateTime())
    status: str = Field(sa_type=String(16))
    decided_by: str = Field(default="", sa_type=String())
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    note: str = Field(default="", sa_type=Text())
    version: int = Field(default=1, sa_type=Integer())


class ApprovalPolicyRow(Table, table=True):
    """When a programme's sends wait for approval (minor units, None for no such threshold) and who
    approves."""

    __tablename__ = "approval_policies"

    programme_id: str = Field(primary_key=True, sa_type=String())
    approvers: str = Field(sa_type=Text())
    above_minor: int | None = Field(default=None, sa_type=BigInteger())
    above_total_minor: int | None = Field(default=None, sa_type=BigInteger())
    people_above: int | None = Field(default=None, sa_type=Integer())
    ttl_seconds: int = Field(sa_type=Integer())


class GiverDefaultRow(Table, table=True):
    """The programme a giver's rewards come from when they name neither programme nor currency."""

    __tablename__ = "giver_defaults"

    giver: str = Field(primary_key=True, sa_type=String())
    programme_id: str = Field(sa_type=String())


class PeerPolicyRow(Table, table=True):
    """A peer programme (core.peer): each person's monthly allowance, the most to one colleague,
    shout-outs."""

    __tablename__ = "peer_policies"

    programme_id: str = Field(primary_key=True, sa_type=String())
    monthly_allowance_minor: int = Field(sa_type=BigInteger())
    per_recipient_minor: int | None = Field(default=None, sa_type=BigInteger())
    shout_out: bool = Field(default=False, sa_type=Boolean())
