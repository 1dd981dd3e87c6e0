"""The ports the core needs from the outside, one module per concept; this is their index.

Callers import from here (or from the concept's module):

- core.shop_repositories: orders, vouchers, gifts, group collections, the catalog cache
- core.reward_repositories: programmes, ledger, rewards, reward admins, approvals, policies
- core.unit_of_work: the UnitOfWork over all of those, with the outbox, audit log, seen events
- core.hr_stores: employees, milestone rules, API keys, idempotent API answers
- core.chat_ports: ChatSender, Directory, TenantEndpoints, PendingConfirmations
- core.clock_and_ids: Clock, IdFactory and their production implementations
"""

from __future__ import annotations

from core.chat_ports import ChatSender, Directory, PendingConfirmations, TenantEndpoints
from core.clock_and_ids import Clock, IdFactory, RandomIds, SystemClock
from core.hr_stores import ApiKeyStore, EmployeeStore, IdempotencyStore, MilestoneRuleStore
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
    CatalogStore,
    CollectionRepository,
    GiftRepository,
    OrderRepository,
    VoucherRepository,
)
from core.unit_of_work import (
    AuditLog,
    OutboxRepository,
    ProcessedEvents,
    UnitOfWork,
    UnitOfWorkFactory,
)

__all__ = [
    "ApiKeyStore",
    "ApprovalPolicies",
    "ApprovalRepository",
    "AuditLog",
    "CatalogStore",
    "ChatSender",
    "Clock",
    "CollectionRepository",
    "Directory",
    "EmployeeStore",
    "GiftRepository",
    "GiverDefaults",
    "IdFactory",
    "IdempotencyStore",
    "LedgerRepository",
    "MilestoneRuleStore",
    "OrderRepository",
    "OutboxRepository",
    "PeerPolicies",
    "PendingConfirmations",
    "ProcessedEvents",
    "ProgrammeRepository",
    "RandomIds",
    "RewardAdmins",
    "RewardRepository",
    "SystemClock",
    "TenantEndpoints",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "VoucherRepository",
]
