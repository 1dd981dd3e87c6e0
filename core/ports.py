"""The ports the core needs from the outside: storage (a unit of work), chat, time and ids."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Protocol

from core.api_credentials import ApiKey, IdempotentRequest, StoredResponse
from core.approval_requests import Approval, ApprovalPolicy
from core.audit import AuditEntry, AuditRecord
from core.catalog import Product
from core.collections import Collection
from core.gifts import Gift
from core.identity import ConversationRef, TenantEndpoint
from core.milestone_calendar import Employee
from core.milestone_rules import MilestoneRule
from core.orders import Order, OrderStatus
from core.outbox import OutboxMessage
from core.peer_policy import PeerPolicy
from core.rewards import Budget, LedgerEntry, Programme, Recipient, Reward
from core.views import Notice
from core.vouchers import Voucher


class OrderRepository(Protocol):
    async def add(self, order: Order) -> None:
        """Store a new order; DuplicateRequest (at the latest on commit) if its request key
        exists."""

    async def get(self, order_id: str) -> Order:
        """The order, or OrderNotFound."""

    async def save(self, order: Order) -> None:
        """Store changes; ConcurrentUpdate if someone saved it since it was read."""

    async def find_by_request_key(self, request_key: str) -> Order | None: ...

    async def find_by_intent(self, intent_id: str) -> Order | None:
        """The order whose current attempt, or one of whose recorded payments, is this intent."""

    async def find_by_checkout_token(self, token: str) -> Order | None: ...

    async def list_for_buyer(self, user_key: str, limit: int = 50) -> Sequence[Order]:
        """Newest first."""

    async def list_stuck(
        self, statuses: Sequence[OrderStatus], before: datetime, limit: int
    ) -> Sequence[Order]:
        """Orders in `statuses` not changed since `before`, oldest first (crash recovery)."""

    async def list_refunds_due(self, limit: int) -> Sequence[Order]:
        """Orders holding a duplicate payment not yet given back, oldest first."""


class VoucherRepository(Protocol):
    async def add(self, voucher: Voucher) -> None:
        """Store a voucher; DuplicateRequest if its order already has one."""

    async def for_order(self, order_id: str) -> Voucher | None: ...

    async def save(self, voucher: Voucher) -> None: ...

    async def list_for_owner(self, user_key: str, limit: int = 50) -> Sequence[Voucher]:
        """Newest first."""


class GiftRepository(Protocol):
    async def add(self, gift: Gift) -> None:
        """Store a new gift; DuplicateRequest (at the latest on commit) if its order has one."""

    async def get(self, gift_id: str) -> Gift:
        """The gift, or GiftNotFound."""

    async def for_order(self, order_id: str) -> Gift | None: ...

    async def save(self, gift: Gift) -> None: ...

    async def list_for_buyer(self, user_key: str, limit: int = 50) -> Sequence[Gift]:
        """Newest first."""

    async def list_for_recipient(self, user_key: str, limit: int = 50) -> Sequence[Gift]:
        """Newest first."""


class CollectionRepository(Protocol):
    async def add(self, collection: Collection) -> None: ...

    async def get(self, collection_id: str) -> Collection:
        """The collection, or CollectionNotFound."""

    async def save(self, collection: Collection) -> None:
        """ConcurrentUpdate (at commit) if someone saved it since it was read: a close and a
        contribution counted at once are ordered by this."""

    async def list_due(self, now: datetime, limit: int = 100) -> Sequence[Collection]:
        """Open ones whose closing date or deadline has come, and expired ones with refunds due."""

    async def list_recent(self, limit: int = 100) -> Sequence[Collection]:
        """Newest first (the dashboard)."""


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


class CatalogStore(Protocol):
    """Where a provider's synced catalog is cached between syncs (never fetched per user
    request)."""

    async def replace(
        self, provider: str, products: Sequence[Product], synced_at: datetime
    ) -> None:
        """Make `products` the provider's whole cached catalog, atomically."""

    async def load(self, provider: str) -> Sequence[Product]: ...

    async def last_synced(self, provider: str) -> datetime | None: ...


class ProgrammeRepository(Protocol):
    async def add(self, programme: Programme) -> None:
        """DuplicateRequest if the id exists."""

    async def get(self, programme_id: str) -> Programme:
        """The programme, or ProgrammeNotFound."""

    async def save(self, programme: Programme) -> None:
        """Store changes, bumping the version; ConcurrentUpdate if someone saved it since it was
        read.

        Sending rewards saves the programme even when only the ledger changed: that version check is
        what serialises concurrent spending of one budget."""

    async def list(self) -> Sequence[Programme]: ...


class LedgerRepository(Protocol):
    async def add(self, entry: LedgerEntry) -> None: ...

    async def budget(self, programme_id: str) -> Budget: ...

    async def entries(self, programme_id: str, limit: int = 1000) -> Sequence[LedgerEntry]:
        """Oldest first."""


class RewardRepository(Protocol):
    async def add(self, reward: Reward) -> None:
        """DuplicateRequest (at the latest on commit) if its request key exists."""

    async def get(self, reward_id: str) -> Reward:
        """The reward, or RewardNotFound."""

    async def save(self, reward: Reward) -> None:
        """ConcurrentUpdate if someone saved it since it was read."""

    async def find_by_request_key(self, request_key: str) -> Reward | None: ...

    async def list_for_recipient(self, user_key: str, limit: int = 50) -> Sequence[Reward]:
        """Newest first."""

    async def given_to_since(
        self, programme_id: str, giver_key: str, recipient_key: str, since: datetime
    ) -> int:
        """What `giver_key` gave `recipient_key` from the programme since `since`, cancelled rewards
        left out."""

    async def given_since(self, programme_id: str, giver_key: str, since: datetime) -> int:
        """Minor units given by one giver in a programme since `since` (cancelled rewards
        excluded)."""

    async def list_expiring(self, before: datetime, limit: int = 100) -> Sequence[Reward]:
        """Spendable rewards whose expiry is before `before`, soonest first."""


class RewardAdmins(Protocol):
    async def contains(self, identity: str) -> bool:
        """`identity` is `slack:<user id>` or `teams:<aad object id>`."""

    async def add(self, identity: str) -> None: ...

    async def remove(self, identity: str) -> None: ...

    async def list(self) -> Sequence[str]: ...


class ApprovalRepository(Protocol):
    """Held sends (core.approvals), versioned: of two decisions saved at once, one wins."""

    async def add(self, approval: Approval) -> None: ...

    async def get(self, approval_id: str) -> Approval: ...

    async def save(self, approval: Approval) -> None: ...

    async def find_by_request_key(self, request_key: str) -> Approval | None: ...

    async def list_pending(self, before: datetime, limit: int = 100) -> Sequence[Approval]:
        """Pending approvals that expire before `before`."""

    async def list(self, status: str | None = None, limit: int = 200) -> Sequence[Approval]:
        """Newest first."""


class ApprovalPolicies(Protocol):
    """Each programme's approval policy, if it has one; written at once."""

    async def get(self, programme_id: str) -> ApprovalPolicy | None: ...

    async def put(self, policy: ApprovalPolicy) -> None: ...


class PeerPolicies(Protocol):
    """Peer programmes' allowances (core.peer); written at once."""

    async def get(self, programme_id: str) -> PeerPolicy | None: ...

    async def put(self, policy: PeerPolicy) -> None: ...

    async def list(self) -> Sequence[PeerPolicy]: ...


class GiverDefaults(Protocol):
    """The programme each giver chose as their default (`slack:U…` → programme id); written at
    once."""

    async def get(self, giver: str) -> str | None: ...

    async def put(self, giver: str, programme_id: str) -> None: ...


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


class ChatSender(Protocol):
    """Sends a notice into a conversation of one platform."""

    platform: str

    async def send(self, conversation: ConversationRef, notice: Notice) -> None:
        """Deliver; raise DeliveryRetryLater for throttling/outages, DeliveryError for good."""


class Directory(Protocol):
    """Finds a colleague by work email on a platform the bot serves (for bulk and HR-system
    rewards)."""

    async def find_by_email(self, email: str) -> Recipient | None: ...


class EmployeeStore(Protocol):
    """Employees imported by HR (core.milestones); each call is its own transaction."""

    async def upsert(self, employees: Sequence[Employee], actor: str) -> None:
        """Add or replace each employee by email, all in one transaction, audited."""

    async def all(self) -> Sequence[Employee]: ...

    async def by_email(self, email: str) -> Employee | None: ...

    async def by_user(self, platform: str, tenant: str, user_id: str) -> Employee | None: ...


class MilestoneRuleStore(Protocol):
    """What HR sends for each kind of milestone."""

    async def all(self) -> Sequence[MilestoneRule]: ...

    async def put(self, rule: MilestoneRule, actor: str) -> None:
        """Replace the rule for the rule's kind, audited."""


class ApiKeyStore(Protocol):
    """API keys for HR systems, kept as hashes (core.api_keys)."""

    async def add(self, key: ApiKey, actor: str) -> None:
        """Store a new key, audited; DuplicateRequest if an active key has its name."""

    async def find_active(self, key_hash: str) -> ApiKey | None: ...

    async def revoke(self, name: str, at: datetime, actor: str) -> bool:
        """Revoke the active key named `name`, audited; False if there is none."""

    async def list(self) -> Sequence[ApiKey]: ...


class IdempotencyStore(Protocol):
    """Answers kept per (scope, Idempotency-Key), so a retried API request is answered, not
    redone."""

    async def begin(
        self, scope: str, key: str, fingerprint: str, now: datetime, stale_before: datetime
    ) -> IdempotentRequest | None:
        """Claim `key`: None when this caller now holds it (it was new, or an unfinished claim older
        than `stale_before` was taken over), else what is recorded for it."""

    async def finish(
        self, scope: str, key: str, response: StoredResponse, at: datetime
    ) -> None: ...

    async def abandon(self, scope: str, key: str) -> None:
        """Forget an unfinished claim (its request failed), so the same key may be tried again."""


class TenantEndpoints(Protocol):
    """Where the bot reaches each tenant it has had an activity from, shared by replicas and
    restarts."""

    async def remember(self, endpoint: TenantEndpoint) -> None:
        """Keep the tenant's endpoint, replacing what was kept for it."""

    async def find(self, tenant_id: str) -> TenantEndpoint | None: ...


class PendingConfirmations(Protocol):
    """Requests shown to their sender and waiting for a click (Send), shared by replicas and
    restarts.

    A kept key is taken once: the first click does the work and records its outcome; later clicks
    show that outcome instead of doing the work again. Expired keys are as good as unknown.
    """

    async def put(self, key: str, payload: str, ttl: timedelta) -> None:
        """Keep `payload` (JSON) for `ttl` by the store's clock; a key kept already keeps its first
        payload."""

    async def take(self, key: str) -> str | None:
        """The payload, for the first taker only; None if the key is unknown, expired or taken."""

    async def taken(self, key: str) -> str | None:
        """For a taken, unexpired key, the outcome its taker recorded ("" while it is still
        working); None for any other key."""

    async def finish(self, key: str, outcome: str) -> None:
        """Record what the taker's work came to (JSON), for later clicks to show."""

    async def release(self, key: str) -> None:
        """Make a taken key takeable again (its work failed; a new click may try again)."""

    async def discard(self, key: str) -> None:
        """Forget the key (cancelled): a later click finds nothing."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class IdFactory(Protocol):
    def new_id(self, prefix: str) -> str: ...

    def new_token(self) -> str: ...


class RandomIds:
    """Short readable ids (`ord_7K3M9Q2XH4`) and unguessable tokens."""

    _ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_" + "".join(secrets.choice(self._ALPHABET) for _ in range(12))

    def new_token(self) -> str:
        return secrets.token_urlsafe(32)
