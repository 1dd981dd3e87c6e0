"""One transaction over every repository, with the outbox, audit log and seen events it writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol

from core.audit import AuditEntry, AuditRecord
from core.outbox import OutboxMessage
from core.reward_repositories import (
    ApprovalPolicies,
    ApprovalRepository,
    GiverDefaults,
    LedgerRepository,
    PeerPolicies,
    ProgrammeRepository,
    RewardAdmins,
    RewardRepository,
)
from core.shop_repositories import (
    CollectionRepository,
    GiftRepository,
    OrderRepository,
    VoucherRepository,
)


class OutboxRepository(Protocol):
    async def add(self, message: OutboxMessage) -> bool:
        """Queue a message; False (and nothing stored) if its key is already queued."""

    async def claim_due(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> Sequence[OutboxMessage]:
        """Pending messages due by `now`, oldest first, hidden from other claimers until
        `lease_until`."""

    async def save(self, message: OutboxMessage) -> None: ...

    async def for_order(self, order_id: str) -> Sequence[OutboxMessage]: ...

    async def pending_count(self) -> int: ...


class AuditLog(Protocol):
    def record(self, record: AuditRecord) -> None:
        """Queue an entry; it is chained and written with the unit of work's commit."""

    async def entries(self, subject: str | None = None, limit: int = 1000) -> Sequence[AuditEntry]:
        """Entries in chain order."""


class ProcessedEvents(Protocol):
    async def add(self, event_id: str, kind: str) -> None:
        """Remember a provider event; DuplicateRequest (at the latest on commit) if seen before."""


class UnitOfWork(Protocol):
    """One transaction over every repository; rolled back unless committed."""

    orders: OrderRepository
    vouchers: VoucherRepository
    gifts: GiftRepository
    collections: CollectionRepository
    outbox: OutboxRepository
    audit: AuditLog
    events: ProcessedEvents
    programmes: ProgrammeRepository
    ledger: LedgerRepository
    rewards: RewardRepository
    reward_admins: RewardAdmins
    approvals: ApprovalRepository
    approval_policies: ApprovalPolicies
    giver_defaults: GiverDefaults
    peer_policies: PeerPolicies

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Write everything; raises DuplicateRequest or ConcurrentUpdate on a lost race."""


UnitOfWorkFactory = Callable[[], UnitOfWork]
