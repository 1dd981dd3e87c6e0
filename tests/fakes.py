"""Hand-written fakes of the core's ports: an in-memory store with real transaction semantics."""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from core.audit import AuditEntry, AuditRecord, chain
from core.catalog import Product
from core.collections import Collection, CollectionNotFound
from core.errors import (
    ConcurrentUpdate,
    DeliveryRetryLater,
    DuplicateRequest,
    NotFound,
    OrderNotFound,
    PaymentEventRejected,
    ProgrammeNotFound,
    ProviderError,
    RewardNotFound,
)
from core.gifts import Gift, GiftNotFound
from core.identity import ConversationRef, TenantEndpoint
from core.money import Money
from core.orders import Order, OrderStatus
from core.outbox import MessageStatus, OutboxMessage
from core.payments import PaymentEvent, PaymentIntent
from core.rewards import NOT_GIVEN, Budget, LedgerEntry, Programme, Reward
from core.views import Notice
from core.vouchers import IssuedVoucher, Voucher

T = TypeVar("T")


async def _after_a_pause(value: T) -> T:
    """Hand back what was read after letting other tasks run, as a database round trip would.

    Without it no use case ever yields between its reads and its commit, so concurrent tests would
    pass with every version check removed. Commit itself checks and writes without yielding: that
    part is atomic, like a database transaction's commit.
    """
    await asyncio.sleep(0)
    return value


@dataclass
class MemoryStore:
    """What a database would hold; a unit of work reads copies and writes back on commit."""

    orders: dict[str, Order] = field(default_factory=dict)
    vouchers: dict[str, Voucher] = field(default_factory=dict)
    outbox: dict[str, OutboxMessage] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    events: set[str] = field(default_factory=set)
    programmes: dict[str, Programme] = field(default_factory=dict)
    ledger: list[LedgerEntry] = field(default_factory=list)
    rewards: dict[str, Reward] = field(default_factory=dict)
    reward_admins: set[str] = field(default_factory=set)
    gifts: dict[str, Gift] = field(default_factory=dict)
    collections: dict[str, Collection] = field(default_factory=dict)
    approvals: dict[str, Any] = field(default_factory=dict)
    approval_policies: dict[str, Any] = field(default_factory=dict)
    giver_defaults: dict[str, str] = field(default_factory=dict)
    peer_policies: dict[str, Any] = field(default_factory=dict)


def _as_stored(order: Order) -> Order:
    """What a database keeps of an order: its state, not the events it recorded in memory."""
    stored = copy.deepcopy(order)
    stored.events = []
    return stored


class _Orders:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, order: Order) -> None:
        self._uow.staged_orders[order.id] = ("add", _as_stored(order))

    async def get(self, order_id: str) -> Order:
        found = copy.deepcopy(self._uow.store.orders.get(order_id))
        if found is None:
            raise OrderNotFound(order_id)
        return await _after_a_pause(found)

    async def get_many(self, order_ids: Iterable[str]) -> Mapping[str, Order]:
        stored = self._uow.store.orders
        found = {i: copy.deepcopy(stored[i]) for i in order_ids if i in stored}
        return await _after_a_pause(found)

    async def save(self, order: Order) -> None:
        self._uow.staged_orders[order.id] = ("save", _as_stored(order))

    async def _find(self, **match: Any) -> Order | None:
        orders = self._uow.store.orders.values()
        found = [o for o in orders if all(getattr(o, k) == v for k, v in match.items())]
        return await _after_a_pause(copy.deepcopy(found[0]) if found else None)

    async def find_by_request_key(self, request_key: str) -> Order | None:
        return await self._find(request_key=request_key)

    async def find_by_intent(self, intent_id: str) -> Order | None:
        current = await self._find(payment_intent_id=intent_id)
        if current is not None:
            return current
        paid = (o for o in self._uow.store.orders.values() if o.payment(intent_id) is not None)
        return copy.deepcopy(next(paid, None))

    async def find_by_checkout_token(self, token: str) -> Order | None:
        return await self._find(checkout_token=token)

    async def list_for_buyer(self, user_key: str, limit: int = 50) -> Sequence[Order]:
        mine = [o for o in self._uow.store.orders.values() if o.buyer.key == user_key]
        return await _after_a_pause(
            [
                copy.deepcopy(o)
                for o in sorted(mine, key=lambda o: o.created_at, reverse=True)[:limit]
            ]
        )

    async def list_stuck(
        self, statuses: Sequence[OrderStatus], before: datetime, limit: int
    ) -> Sequence[Order]:
        stuck = [
            o
            for o in self._uow.store.orders.values()
            if o.status in statuses and o.updated_at < before
        ]
        oldest = sorted(stuck, key=lambda o: o.updated_at)[:limit]
        return await _after_a_pause([copy.deepcopy(o) for o in oldest])

    async def list_refunds_due(self, limit: int) -> Sequence[Order]:
        owing = [o for o in self._uow.store.orders.values() if o.refunds_due]
        return [copy.deepcopy(o) for o in sorted(owing, key=lambda o: o.created_at)[:limit]]


class _Vouchers:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, voucher: Voucher) -> None:
        if voucher.order_id in self._uow.store.vouchers:
            raise DuplicateRequest(f"voucher for {voucher.order_id}")
        self._uow.staged_vouchers[voucher.order_id] = copy.deepcopy(voucher)
        self._uow.added_vouchers.add(voucher.order_id)

    async def for_order(self, order_id: str) -> Voucher | None:
        return await _after_a_pause(copy.deepcopy(self._uow.store.vouchers.get(order_id)))

    async def for_orders(self, order_ids: Iterable[str]) -> Mapping[str, Voucher]:
        stored = self._uow.store.vouchers
        found = {i: copy.deepcopy(stored[i]) for i in order_ids if i in stored}
        return await _after_a_pause(found)

    async def save(self, voucher: Voucher) -> None:
        self._uow.staged_vouchers[voucher.order_id] = copy.deepcopy(voucher)

    async def list_for_owner(self, user_key: str, limit: int = 50) -> Sequence[Voucher]:
        mine = [v for v in self._uow.store.vouchers.values() if v.owner.key == user_key]
        return await _after_a_pause(
            [
                copy.deepcopy(v)
                for v in sorted(mine, key=lambda v: v.issued_at, reverse=True)[:limit]
            ]
        )


class _Outbox:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, message: OutboxMessage) -> bool:
        if message.key in self._uow.store.outbox or message.key in self._uow.staged_outbox:
            return False
        self._uow.staged_outbox[message.key] = copy.deepcopy(message)
        return True

    async def claim_due(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> Sequence[OutboxMessage]:
        pending = sorted(
            (m for m in self._uow.store.outbox.values() if m.status is MessageStatus.PENDING),
            key=lambda m: (m.created_at, m.id),
        )
        claimed, waiting = [], set()
        for message in pending:
            address = message.conversation.address
            if message.next_attempt_at > now:
                waiting.add(address)
            elif address not in waiting and len(claimed) < limit:
                message.next_attempt_at = lease_until
                claimed.append(copy.deepcopy(message))
        return await _after_a_pause(claimed)

    async def save(self, message: OutboxMessage) -> None:
        self._uow.staged_outbox[message.key] = copy.deepcopy(message)

    async def for_order(self, order_id: str) -> Sequence[OutboxMessage]:
        return await _after_a_pause(
            [copy.deepcopy(m) for m in self._uow.store.outbox.values() if m.order_id == order_id]
        )

    async def pending_count(self) -> int:
        pending = sum(m.status is MessageStatus.PENDING for m in self._uow.store.outbox.values())
        return await _after_a_pause(pending)


class _Audit:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def record(self, record: AuditRecord) -> None:
        self._uow.staged_audit.append(record)

    async def entries(self, subject: str | None = None, limit: int = 1000) -> Sequence[AuditEntry]:
        found = [e for e in self._uow.store.audit if subject in (None, e.subject)]
        return await _after_a_pause(found[:limit])


class _Events:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, event_id: str, kind: str) -> None:
        if event_id in self._uow.store.events:
            raise DuplicateRequest(event_id)
        self._uow.staged_events.add(event_id)


class _Versioned:
    """Add/get/save with optimistic versions, for aggregates staged until commit."""

    def __init__(self, uow: MemoryUnitOfWork, name: str, missing: type[Exception]) -> None:
        self._uow, self._name, self._missing = uow, name, missing

    @property
    def _stored(self) -> dict[str, Any]:
        return getattr(self._uow.store, self._name)  # type: ignore[no-any-return]

    async def add(self, item: Any) -> None:
        self._uow.staged[(self._name, item.id)] = ("add", copy.deepcopy(item))

    async def get(self, item_id: str) -> Any:
        staged = self._uow.staged.get((self._name, item_id))
        found = copy.deepcopy(staged[1] if staged else self._stored.get(item_id))
        if found is None:
            raise self._missing(item_id)
        return await _after_a_pause(found)

    async def save(self, item: Any) -> None:
        previous = self._uow.staged.get((self._name, item.id))
        how = previous[0] if previous and previous[0] == "add" else "save"
        self._uow.staged[(self._name, item.id)] = (how, copy.deepcopy(item))

    async def list(self) -> Sequence[Any]:
        return await _after_a_pause([copy.deepcopy(p) for p in self._stored.values()])


class _Rewards(_Versioned):
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        super().__init__(uow, "rewards", RewardNotFound)

    async def find_by_request_key(self, request_key: str) -> Reward | None:
        found = [r for r in self._stored.values() if r.request_key == request_key]
        return await _after_a_pause(copy.deepcopy(found[0]) if found else None)

    async def list_for_recipient(self, user_key: str, limit: int = 50) -> Sequence[Reward]:
        mine = [r for r in self._stored.values() if r.recipient.key == user_key]
        return await _after_a_pause(
            [
                copy.deepcopy(r)
                for r in sorted(mine, key=lambda r: r.created_at, reverse=True)[:limit]
            ]
        )

    async def given_to_since(
        self, programme_id: str, giver_key: str, recipient_key: str, since: datetime
    ) -> int:
        return await _after_a_pause(
            sum(
                r.amount.minor
                for r in self._stored.values()
                if r.programme_id == programme_id
                and r.giver.key == giver_key
                and r.recipient.key == recipient_key
                and r.created_at >= since
                and r.status not in NOT_GIVEN
            )
        )

    async def given_since(self, programme_id: str, giver_key: str, since: datetime) -> int:
        return await _after_a_pause(
            sum(
                r.amount.minor
                for r in self._stored.values()
                if r.programme_id == programme_id
                and r.giver.key == giver_key
                and r.created_at >= since
                and r.status not in NOT_GIVEN
            )
        )

    async def list_expiring(self, before: datetime, limit: int = 100) -> Sequence[Reward]:
        due = [
            r
            for r in self._stored.values()
            if r.status in ("sent", "opened") and r.expires_at < before
        ]
        soonest = sorted(due, key=lambda r: r.expires_at)[:limit]
        return await _after_a_pause([copy.deepcopy(r) for r in soonest])


class _Gifts(_Versioned):
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        super().__init__(uow, "gifts", GiftNotFound)

    def _all(self) -> list[Gift]:
        staged = {i: g for (name, i), (_, g) in self._uow.staged.items() if name == "gifts"}
        return list({**self._stored, **staged}.values())

    async def for_order(self, order_id: str) -> Gift | None:
        found = [g for g in self._all() if g.order_id == order_id]
        return await _after_a_pause(copy.deepcopy(found[0]) if found else None)

    async def list_for_buyer(self, user_key: str, limit: int = 50) -> Sequence[Gift]:
        return await self._newest(
            [g for g in self._stored.values() if g.buyer.key == user_key], limit
        )

    async def list_for_recipient(self, user_key: str, limit: int = 50) -> Sequence[Gift]:
        return await self._newest(
            [g for g in self._stored.values() if g.recipient.key == user_key], limit
        )

    async def _newest(self, gifts: list[Gift], limit: int) -> Sequence[Gift]:
        newest = sorted(gifts, key=lambda g: g.created_at, reverse=True)[:limit]
        return await _after_a_pause([copy.deepcopy(g) for g in newest])


class _Collections(_Versioned):
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        super().__init__(uow, "collections", CollectionNotFound)

    async def list_due(self, now: datetime, limit: int = 100) -> Sequence[Collection]:
        due = [c for c in self._stored.values() if c.due_at is not None and c.due_at <= now]
        return await _after_a_pause([copy.deepcopy(c) for c in due[:limit]])

    async def list_recent(self, limit: int = 100) -> Sequence[Collection]:
        newest = sorted(self._stored.values(), key=lambda c: c.created_at, reverse=True)
        return await _after_a_pause([copy.deepcopy(c) for c in newest[:limit]])


class _Ledger:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, entry: LedgerEntry) -> None:
        self._uow.staged_ledger.append(entry)

    async def budget(self, programme_id: str) -> Budget:
        entries = [*self._uow.store.ledger, *self._uow.staged_ledger]
        return await _after_a_pause(Budget.of(e for e in entries if e.programme_id == programme_id))

    async def entries(self, programme_id: str, limit: int = 1000) -> Sequence[LedgerEntry]:
        found = [e for e in self._uow.store.ledger if e.programme_id == programme_id]
        return await _after_a_pause(found[:limit])


class _Admins:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    async def contains(self, identity: str) -> bool:
        return await _after_a_pause(identity in self._uow.store.reward_admins)

    async def add(self, identity: str) -> None:
        self._uow.store.reward_admins.add(identity)

    async def remove(self, identity: str) -> None:
        self._uow.store.reward_admins.discard(identity)

    async def list(self) -> Sequence[str]:
        return await _after_a_pause(sorted(self._uow.store.reward_admins))


class _Approvals(_Versioned):
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        super().__init__(uow, "approvals", NotFound)

    async def find_by_request_key(self, request_key: str) -> Any:
        staged = [item for (name, _), (_, item) in self._uow.staged.items() if name == "approvals"]
        found = [
            a for a in [*staged, *self._stored.values()] if a.command.request_key == request_key
        ]
        return await _after_a_pause(copy.deepcopy(found[0]) if found else None)

    async def list_pending(self, before: datetime, limit: int = 100) -> Sequence[Any]:
        due = [a for a in self._stored.values() if a.status == "pending" and a.expires_at <= before]
        return await _after_a_pause(
            [copy.deepcopy(a) for a in sorted(due, key=lambda a: a.expires_at)[:limit]]
        )

    async def list(self, status: str | None = None, limit: int = 200) -> Sequence[Any]:  # type: ignore[override]
        found = [a for a in self._stored.values() if status in (None, a.status)]
        newest = sorted(found, key=lambda a: a.requested_at, reverse=True)[:limit]
        return await _after_a_pause([copy.deepcopy(a) for a in newest])


class _WrittenAtOnce:
    """A keyed store written at once, like the SQL policies and giver defaults."""

    def __init__(self, table: dict[str, Any]) -> None:
        self._table = table

    async def get(self, key: str) -> Any:
        return await _after_a_pause(self._table.get(key))

    async def put(self, *args: Any) -> None:
        key, value = (args[0].programme_id, args[0]) if len(args) == 1 else args
        self._table[key] = value

    async def list(self) -> Sequence[Any]:
        return await _after_a_pause(list(self._table.values()))


class MemoryUnitOfWork:
    """Commits atomically: unique keys and optimistic versions are checked before anything is
    written."""

    def __init__(self, store: MemoryStore, clock: FixedClock) -> None:
        self.store = store
        self._clock = clock
        self.orders = _Orders(self)
        self.vouchers = _Vouchers(self)
        self.outbox = _Outbox(self)
        self.audit = _Audit(self)
        self.events = _Events(self)
        self.programmes = _Versioned(self, "programmes", ProgrammeNotFound)
        self.rewards = _Rewards(self)
        self.ledger = _Ledger(self)
        self.reward_admins = _Admins(self)
        self.gifts = _Gifts(self)
        self.collections = _Collections(self)
        self.approvals = _Approvals(self)
        self.approval_policies = _WrittenAtOnce(store.approval_policies)
        self.giver_defaults = _WrittenAtOnce(store.giver_defaults)
        self.peer_policies = _WrittenAtOnce(store.peer_policies)
        self.staged: dict[tuple[str, str], tuple[str, Any]] = {}
        self.staged_ledger: list[LedgerEntry] = []
        self.staged_orders: dict[str, tuple[str, Order]] = {}
        self.staged_vouchers: dict[str, Voucher] = {}
        self.staged_outbox: dict[str, OutboxMessage] = {}
        self.staged_audit: list[AuditRecord] = []
        self.staged_events: set[str] = set()
        self.added_vouchers: set[str] = set()

    async def __aenter__(self) -> MemoryUnitOfWork:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._clear()

    async def commit(self) -> None:
        await asyncio.sleep(
            0
        )  # others may commit first; from here to the last write nothing yields
        self._check_conflicts()
        for how, order in self.staged_orders.values():
            order.version = order.version + 1 if how == "save" else 1
            self.store.orders[order.id] = order
        self.store.vouchers.update(self.staged_vouchers)
        self.store.outbox.update(self.staged_outbox)
        self.store.events |= self.staged_events
        for (name, item_id), (how, item) in self.staged.items():
            item.version = item.version + 1 if how == "save" else 1
            getattr(self.store, name)[item_id] = item
        self.store.ledger.extend(self.staged_ledger)
        for record in self.staged_audit:
            previous = self.store.audit[-1] if self.store.audit else None
            self.store.audit.append(chain(previous, record, self._clock.now()))
        self._clear()

    def _check_conflicts(self) -> None:
        if self.staged_events & self.store.events:
            raise DuplicateRequest(",".join(self.staged_events & self.store.events))
        for how, order in self.staged_orders.values():
            stored = self.store.orders.get(order.id)
            if how == "add" and (
                stored
                or any(o.request_key == order.request_key for o in self.store.orders.values())
            ):
                raise DuplicateRequest(order.request_key)
            if how == "save" and stored is not None and stored.version != order.version:
                raise ConcurrentUpdate(order.id)
        if self.added_vouchers & self.store.vouchers.keys():
            raise DuplicateRequest("voucher for an order that has one")
        for (name, item_id), (how, item) in self.staged.items():
            stored = getattr(self.store, name).get(item_id)
            if how == "add" and stored is not None:
                raise DuplicateRequest(item_id)
            if (
                how == "add"
                and name == "gifts"
                and any(g.order_id == item.order_id for g in self.store.gifts.values())
            ):
                raise DuplicateRequest(f"gift for {item.order_id}")
            if (
                how == "add"
                and name == "rewards"
                and any(r.request_key == item.request_key for r in self.store.rewards.values())
            ):
                raise DuplicateRequest(item.request_key)
            if how == "save" and stored is not None and stored.version != item.version:
                raise ConcurrentUpdate(item_id)

    def _clear(self) -> None:
        self.staged_orders, self.staged_vouchers, self.staged_outbox = {}, {}, {}
        self.staged_audit, self.staged_events, self.added_vouchers = [], set(), set()
        self.staged, self.staged_ledger = {}, []


class FixedClock:
    def __init__(self, start: datetime = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


class SequentialIds:
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._counter):06d}"

    def new_token(self) -> str:
        return f"tok{next(self._counter):06d}"


class FakeGateway:
    """A payment provider that remembers intents by idempotency key, like Stripe does."""

    def __init__(self) -> None:
        self.intents: dict[str, PaymentIntent] = {}
        self.refunds: list[str] = []
        self.down = False
        self.refunds_failing = 0  # how many refunds to refuse next, as an outage would
        self.events: dict[str, PaymentEvent] = {}

    async def create_intent(
        self, *, order_id: str, amount: Money, idempotency_key: str
    ) -> PaymentIntent:
        from core.errors import PaymentGatewayError

        if self.down:
            raise PaymentGatewayError("provider unavailable")
        if idempotency_key not in self.intents:
            n = len(self.intents) + 1
            self.intents[idempotency_key] = PaymentIntent(f"pi_{n}", f"pi_{n}_secret", amount)
        return self.intents[idempotency_key]

    async def refund(self, *, intent_id: str, idempotency_key: str) -> None:
        from core.errors import PaymentGatewayError

        if self.refunds_failing:
            self.refunds_failing -= 1
            raise PaymentGatewayError("provider unavailable")
        if idempotency_key not in self.refunds:
            self.refunds.append(idempotency_key)

    def parse_event(self, payload: bytes, signature: str) -> PaymentEvent:
        if signature != "good":
            raise PaymentEventRejected("bad signature")
        return self.events[payload.decode()]


class FakeProvider:
    name = "builtin"

    def __init__(self) -> None:
        self.issued: list[str] = []
        self.failures: list[ProviderError] = []
        self.pin = "4321"  # of products whose voucher format has a PIN

    async def issue(
        self, *, order_id: str, product: Product, amount: Money, today: date
    ) -> IssuedVoucher:
        if self.failures:
            raise self.failures.pop(0)
        self.issued.append(order_id)
        pin = self.pin if product.voucher_format.endswith("pin") else None
        return IssuedVoucher(
            code=f"QHB-{len(self.issued):04d}-7K3M",
            pin=pin,
            expires_on=product.expiry.expires_on(today),
        )

    async def find(
        self, *, order_id: str, product: Product, amount: Money, today: date
    ) -> IssuedVoucher | None:
        return None  # like the built-in provider: nothing bought outside, nothing to find


class FakeSender:
    """Records what it was asked to send; can be told to throttle the next N sends."""

    def __init__(self, platform: str = "slack") -> None:
        self.platform = platform
        self.sent: list[tuple[ConversationRef, Notice]] = []
        self.throttle_next = 0

    async def send(self, conversation: ConversationRef, notice: Notice) -> None:
        if self.throttle_next:
            self.throttle_next -= 1
            raise DeliveryRetryLater("429 too many requests", retry_after=2)
        self.sent.append((conversation, notice))


class MemoryCatalogStore:
    """CatalogStore in memory: each provider's synced products, replaced whole, with the sync
    time."""

    def __init__(self) -> None:
        self.catalogs: dict[str, tuple[tuple[Product, ...], datetime]] = {}

    async def replace(
        self, provider: str, products: Sequence[Product], synced_at: datetime
    ) -> None:
        self.catalogs[provider] = (tuple(products), synced_at)

    async def load(self, provider: str) -> Sequence[Product]:
        return self.catalogs.get(provider, ((), None))[0]

    async def last_synced(self, provider: str) -> datetime | None:
        found = self.catalogs.get(provider)
        return found[1] if found else None


@dataclass
class _Kept:
    payload: str
    expires_at: datetime
    taken: bool = False
    outcome: str = ""


class MemoryPendingConfirmations:
    """PendingConfirmations in memory: one process only (production keeps them in the database)."""

    def __init__(self, clock: FixedClock | None = None) -> None:
        self._clock = clock or FixedClock()
        self.kept: dict[str, _Kept] = {}

    async def put(self, key: str, payload: str, ttl: timedelta) -> None:
        if self._live(key) is None:
            self.kept[key] = _Kept(payload, self._clock.now() + ttl)

    async def take(self, key: str) -> str | None:
        kept = self._live(key)
        if kept is None or kept.taken:
            return None
        kept.taken = True
        return kept.payload

    async def taken(self, key: str) -> str | None:
        kept = self._live(key)
        return kept.outcome if kept is not None and kept.taken else None

    async def finish(self, key: str, outcome: str) -> None:
        if key in self.kept:
            self.kept[key].outcome = outcome

    async def release(self, key: str) -> None:
        if key in self.kept:
            self.kept[key].taken, self.kept[key].outcome = False, ""

    async def discard(self, key: str) -> None:
        self.kept.pop(key, None)

    def _live(self, key: str) -> _Kept | None:
        kept = self.kept.get(key)
        return kept if kept is not None and kept.expires_at > self._clock.now() else None


class MemoryTenantEndpoints:
    """TenantEndpoints in memory, by lower-case tenant id."""

    def __init__(self) -> None:
        self.endpoints: dict[str, TenantEndpoint] = {}
        self.writes = 0

    async def remember(self, endpoint: TenantEndpoint) -> None:
        self.writes += 1
        self.endpoints[endpoint.tenant_id.lower()] = endpoint

    async def find(self, tenant_id: str) -> TenantEndpoint | None:
        return self.endpoints.get(tenant_id.strip().lower())


class ScriptedProvider:
    """A remote provider with an order book keyed by our order id (like Plum's poNumber or Tango's
    externalRefID): it can refuse for good, lose its answer after placing or before, or be slow."""

    def __init__(self, name: str, *, balance: int | None = None) -> None:
        self.name = name
        self.orders: dict[str, IssuedVoucher] = {}  # what it holds, by our order id
        self.calls: list[tuple[str, str]] = []  # (issue | find, order id)
        self.refuse: str | None = None  # a definite no, e.g. "insufficient funds"
        self.refuse_reason = ""  # what a buyer may be told of it (ProviderError.buyer_reason)
        self.lose_answers = (
            0  # the next N issues time out; `placed_before_timeout` says whether they bought
        )
        self.placed_before_timeout = False
        self.unreachable = False  # every call (find included) times out
        self.down = (
            False  # every call is refused before it reaches the provider (connection refused)
        )
        self.delay = 0.0
        self.balance = balance

    async def issue(
        self, *, order_id: str, product: Product, amount: Money, today: date
    ) -> IssuedVoucher:
        self.calls.append(("issue", order_id))
        if self.down:
            raise ProviderError(
                f"{self.name}: connection refused", retryable=True, nothing_placed=True
            )
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.unreachable:
            raise ProviderError(f"{self.name}: no answer (timeout)", retryable=True)
        if order_id in self.orders:
            return self.orders[order_id]
        if self.refuse:
            raise ProviderError(
                f"{self.name}: {self.refuse}", retryable=False, buyer_reason=self.refuse_reason
            )
        if self.lose_answers:
            self.lose_answers -= 1
            if self.placed_before_timeout:
                self._place(order_id, product, today)
            raise ProviderError(f"{self.name}: no answer (timeout)", retryable=True)
        return self._place(order_id, product, today)

    async def find(
        self, *, order_id: str, product: Product, amount: Money, today: date
    ) -> IssuedVoucher | None:
        self.calls.append(("find", order_id))
        if self.unreachable:
            raise ProviderError(f"{self.name}: no answer (timeout)", retryable=True)
        return self.orders.get(order_id)

    async def balances(self) -> list[Money]:
        return [] if self.balance is None else [Money(self.balance, "USD")]

    def issued_for(self, order_id: str) -> int:
        return sum(1 for kind, oid in self.calls if kind == "issue" and oid == order_id)

    def _place(self, order_id: str, product: Product, today: date) -> IssuedVoucher:
        voucher = IssuedVoucher(
            code=f"{self.name.upper()}-{len(self.orders) + 1:04d}-QH7K",
            expires_on=product.expiry.expires_on(today),
            provider_reference=f"{self.name}-{order_id}",
        )
        self.orders[order_id] = voucher
        return voucher
