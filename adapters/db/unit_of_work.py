"""The SQL unit of work: one transaction over every repository, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.db.approval_repositories import (
    SqlApprovalPolicies,
    SqlApprovals,
    SqlGiverDefaults,
    SqlPeerPolicies,
)
from adapters.db.collection_repository import SqlCollections
from adapters.db.crypto import VoucherCipher
from adapters.db.gift_repository import SqlGifts
from adapters.db.mapping import utc
from adapters.db.repositories import SqlAudit, SqlEvents, SqlOrders, SqlOutbox, SqlVouchers
from adapters.db.reward_repositories import SqlLedger, SqlProgrammes, SqlRewardAdmins, SqlRewards
from adapters.db.transaction import Transaction, WriteGate
from core.ports import (
    ApprovalPolicies,
    ApprovalRepository,
    AuditLog,
    Clock,
    CollectionRepository,
    GiftRepository,
    GiverDefaults,
    LedgerRepository,
    OrderRepository,
    OutboxRepository,
    PeerPolicies,
    ProcessedEvents,
    ProgrammeRepository,
    RewardAdmins,
    RewardRepository,
    VoucherRepository,
)


class SqlUnitOfWork:
    """Implements core.ports.UnitOfWork. Use once: `async with database.unit_of_work() as uow`.

    Written at once (so conflicts surface early, and later reads see them): vouchers.add,
    events.add, outbox.add, outbox.claim_due, ledger.add, reward_admins.add / remove. Written at
    commit: add / save of orders, programmes and rewards, vouchers.save, outbox.save and the audit
    chain. After a DuplicateRequest or ConcurrentUpdate the transaction can only be rolled back
    (leave the block).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gate: WriteGate,
        cipher: VoucherCipher,
        clock: Clock,
    ) -> None:
        # Creating a session connects to nothing: the connection is taken at the first statement.
        self._tx = Transaction(sessions(), gate)
        self._clock = clock
        self._orders = SqlOrders(self._tx, cipher)
        self._programmes = SqlProgrammes(self._tx)
        self._rewards = SqlRewards(self._tx)
        self._vouchers = SqlVouchers(self._tx, cipher)
        self._outbox = SqlOutbox(self._tx)
        self._gifts = SqlGifts(self._tx)
        self._collections = SqlCollections(self._tx)
        self._audit = SqlAudit(self._tx)
        self._approvals = SqlApprovals(self._tx)
        # Typed as the ports: core.ports.UnitOfWork declares them as (invariant) attributes.
        self.orders: OrderRepository = self._orders
        self.programmes: ProgrammeRepository = self._programmes
        self.rewards: RewardRepository = self._rewards
        self.vouchers: VoucherRepository = self._vouchers
        self.outbox: OutboxRepository = self._outbox
        self.gifts: GiftRepository = self._gifts
        self.collections: CollectionRepository = self._collections
        self.audit: AuditLog = self._audit
        self.events: ProcessedEvents = SqlEvents(self._tx, clock)
        self.ledger: LedgerRepository = SqlLedger(self._tx)
        self.reward_admins: RewardAdmins = SqlRewardAdmins(self._tx)
        self.approvals: ApprovalRepository = self._approvals
        self.approval_policies: ApprovalPolicies = SqlApprovalPolicies(self._tx)
        self.giver_defaults: GiverDefaults = SqlGiverDefaults(self._tx)
        self.peer_policies: PeerPolicies = SqlPeerPolicies(self._tx)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._tx.close()

    async def commit(self) -> None:
        """Write everything staged in one transaction; DuplicateRequest or ConcurrentUpdate on a
        lost race."""
        staged = (
            self._orders,
            self._programmes,
            self._rewards,
            self._gifts,
            self._collections,
            self._approvals,
            self._vouchers,
            self._outbox,
            self._audit,
        )
        if any(repository.pending for repository in staged):
            await self._tx.begin_write()
        await self._orders.write()
        await self._programmes.write()
        await self._rewards.write()
        await (
            self._gifts.write()
        )  # after orders: its order must exist (deferred key aside, on SQLite too)
        await self._collections.write()
        await self._approvals.write()
        await self._vouchers.write()
        await self._outbox.write()
        await self._audit.write(utc(self._clock.now()))
        await self._tx.commit()
        for versioned in (
            self._orders,
            self._programmes,
            self._rewards,
            self._gifts,
            self._collections,
            self._approvals,
        ):
            versioned.written()
