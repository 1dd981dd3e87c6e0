"""The core's repositories over SQL: reads go straight to the database, most writes wait for
commit."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any, TypeVar
from typing import cast as typed

from sqlalchemy import (
    Select,
    Text,
    Update,
    and_,
    bindparam,
    cast,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from adapters.db import mapping
from adapters.db.crypto import VoucherCipher
from adapters.db.sqlite_plans import unindexed
from adapters.db.tables import AuditRow, OrderRow, OutboxRow, ProcessedEventRow, Table, VoucherRow
from adapters.db.transaction import Transaction
from adapters.db.versioned import VersionedRepository
from core.audit import AuditEntry, AuditRecord, chain
from core.errors import OrderNotFound
from core.orders import Order, OrderStatus
from core.outbox import MessageStatus, OutboxMessage
from core.ports import Clock
from core.vouchers import Voucher

PENDING = str(MessageStatus.PENDING)
_AUDIT = AuditRow.__table__  # type: ignore[attr-defined]
_OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
_VOUCHERS = VoucherRow.__table__  # type: ignore[attr-defined]
# Built once: a statement built per call costs more to compile-key than to run on SQLite.
_VOUCHER_FOR_ORDER = select(_VOUCHERS).where(_VOUCHERS.c.order_id == bindparam("order_id"))
_LAST_AUDIT_ENTRY = select(_AUDIT).order_by(_AUDIT.c.seq.desc()).limit(1)
_OUTBOX_ADD_SQLITE = (
    sqlite.insert(_OUTBOX).on_conflict_do_nothing(index_elements=["key"]).returning(_OUTBOX.c.id)
)
_OUTBOX_ADD_POSTGRESQL = (
    postgresql.insert(_OUTBOX)
    .on_conflict_do_nothing(index_elements=["key"])
    .returning(_OUTBOX.c.id)
)
R = TypeVar("R", bound=Table)


class SqlOrders(VersionedRepository[Order, OrderRow]):
    """Orders; `add` and `save` are written at commit, `save` only if the version read is still
    current."""

    row_type = OrderRow

    def __init__(self, tx: Transaction, cipher: VoucherCipher) -> None:
        super().__init__(tx)
        self._cipher = cipher

    def to_row(self, item: Order) -> OrderRow:
        return mapping.order_to_row(item, self._cipher)

    def to_values(self, item: Order) -> dict[str, Any]:
        return mapping.order_values(item, self._cipher)

    def to_domain(self, row: OrderRow) -> Order:
        return mapping.order_to_domain(row, self._cipher)

    def not_found(self, item_id: str) -> Exception:
        return OrderNotFound(item_id)

    def unique_key(self, item: Order) -> str:
        return item.request_key

    async def get_many(self, order_ids: Collection[str]) -> Mapping[str, Order]:
        # One IN query, read as plain rows: no ORM object per order (the relay reads a batch).
        rows = await _plain_rows(self._tx, OrderRow, order_ids, "id")
        return {row.id: self.to_domain(row) for row in rows}

    async def find_by_request_key(self, request_key: str) -> Order | None:
        return await self._find("request_key", request_key)

    async def find_by_intent(self, intent_id: str) -> Order | None:
        found = await self._find("payment_intent_id", intent_id)
        if found is None and intent_id:
            # An earlier attempt's intent is only in the order's payments (say, a refund of a
            # payment that was not the latest attempt): rare enough for a scan of the JSON text.
            payments = cast(col(OrderRow.payments), Text)
            found = await self._one(payments.contains(f'"{intent_id}"', autoescape=True))
        return found

    async def list_refunds_due(self, limit: int) -> Sequence[Order]:
        query = select(OrderRow).where(col(OrderRow.refunds_due) > 0)
        return await self._many(
            query.order_by(col(OrderRow.created_at), col(OrderRow.id)).limit(limit)
        )

    async def find_by_checkout_token(self, token: str) -> Order | None:
        return await self._find("checkout_token_hash", mapping.digest(token))

    async def list_for_buyer(self, user_key: str, limit: int = 50) -> Sequence[Order]:
        query = select(OrderRow).where(col(OrderRow.buyer_key) == user_key)
        return await self._many(
            query.order_by(col(OrderRow.created_at).desc(), col(OrderRow.id).desc()).limit(limit)
        )

    async def list_stuck(
        self, statuses: Sequence[OrderStatus], before: datetime, limit: int
    ) -> Sequence[Order]:
        query = select(OrderRow).where(
            col(OrderRow.status).in_([str(s) for s in statuses]), col(OrderRow.updated_at) < before
        )
        return await self._many(
            query.order_by(col(OrderRow.updated_at), col(OrderRow.id)).limit(limit)
        )


class SqlVouchers:
    """Vouchers; `add` inserts at once so a second voucher for an order fails right there."""

    def __init__(self, tx: Transaction, cipher: VoucherCipher) -> None:
        self._tx = tx
        self._cipher = cipher
        self._saved: dict[str, Voucher] = {}

    async def add(self, voucher: Voucher) -> None:
        row = mapping.voucher_to_row(voucher, self._cipher)
        await self._tx.insert([row], duplicate_key=f"voucher for {voucher.order_id}")

    async def for_order(self, order_id: str) -> Voucher | None:
        row = await self._tx.first(_VOUCHER_FOR_ORDER, {"order_id": order_id})
        if row is None:
            return None
        return mapping.voucher_to_domain(typed(VoucherRow, row), self._cipher)

    async def for_orders(self, order_ids: Collection[str]) -> Mapping[str, Voucher]:
        rows = await _plain_rows(self._tx, VoucherRow, order_ids, "order_id")
        return {row.order_id: mapping.voucher_to_domain(row, self._cipher) for row in rows}

    async def save(self, voucher: Voucher) -> None:
        self._saved[voucher.id] = voucher

    async def list_for_owner(self, user_key: str, limit: int = 50) -> Sequence[Voucher]:
        query = select(VoucherRow).where(col(VoucherRow.owner_key) == user_key)
        rows = await self._tx.rows(
            query.order_by(col(VoucherRow.issued_at).desc(), col(VoucherRow.id).desc()).limit(limit)
        )
        return [mapping.voucher_to_domain(row, self._cipher) for row in rows]

    @property
    def pending(self) -> bool:
        return bool(self._saved)

    async def write(self) -> None:
        for voucher in self._saved.values():
            values = mapping.voucher_to_row(voucher, self._cipher).model_dump(exclude={"id"})
            statement = update(VoucherRow).where(col(VoucherRow.id) == voucher.id).values(**values)
            await self._tx.execute(statement.execution_options(synchronize_session=False))
        self._saved = {}


class SqlOutbox:
    """The outbox: idempotent adds, leased claims in order per conversation, saves written at
    commit."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._saved: dict[str, OutboxMessage] = {}

    async def add(self, message: OutboxMessage) -> bool:
        await self._tx.begin_write()
        statement = _OUTBOX_ADD_SQLITE if self._tx.gate.sqlite else _OUTBOX_ADD_POSTGRESQL
        values = mapping.outbox_values(message)
        return (await self._tx.first(statement, values)) is not None

    async def claim_due(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> Sequence[OutboxMessage]:
        await self._tx.begin_write()
        # Plain (Core) rows: the same attributes as OutboxRow without an ORM object each.
        due = await self._tx.execute(self._due(now, limit))
        claimed = await self._first_in_line(typed(list[OutboxRow], due.all()))
        if claimed:
            lease = [{"ids": [row.id for row in claimed], "lease_until": lease_until}]
            await self._tx.execute(_outbox_lease(), lease)
        messages = [mapping.outbox_to_domain(row) for row in claimed]
        for message in messages:
            message.next_attempt_at = lease_until
        return messages

    def _due(self, now: datetime, limit: int) -> Select[Any]:
        # SQLite, left to itself, read every due message and sorted them, and looked for older
        # waiting ones by time, not by conversation: O(pending) per claim (217 ms for a claim of 20
        # among 10,000). Its next_attempt_at index is kept out of both, so a claim walks the
        # pending messages oldest first and stops at `limit`.
        table = OutboxRow.__table__  # type: ignore[attr-defined]
        earlier = table.alias()
        waiting_before = exists().where(
            earlier.c.status == PENDING,
            earlier.c.conversation_key == table.c.conversation_key,
            unindexed(earlier.c.next_attempt_at) > now,
            or_(
                earlier.c.created_at < table.c.created_at,
                and_(earlier.c.created_at == table.c.created_at, earlier.c.id < table.c.id),
            ),
        )
        return (
            select(table)
            .where(
                table.c.status == PENDING,
                unindexed(table.c.next_attempt_at) <= now,
                ~waiting_before,
            )
            .order_by(table.c.created_at, table.c.id)
            .limit(limit)
            # PostgreSQL: rows another replica is claiming are skipped, never claimed twice. SQLite
            # ignores it.
            .with_for_update(skip_locked=True)
        )

    async def _first_in_line(self, candidates: Sequence[OutboxRow]) -> list[OutboxRow]:
        """Keep a candidate only if every older pending message of its conversation is claimed with
        it.

        An older message missing from the candidates is one another claimer holds right now (locked
        and skipped): its conversation must wait, or two replicas would send into it out of order.
        """
        if not candidates:
            return []
        keys = {row.conversation_key for row in candidates}
        query = (
            select(col(OutboxRow.id), col(OutboxRow.conversation_key))
            .where(col(OutboxRow.status) == PENDING, col(OutboxRow.conversation_key).in_(keys))
            .order_by(col(OutboxRow.created_at), col(OutboxRow.id))
        )
        by_id = {row.id: row for row in candidates}
        in_line: set[str] = set()
        blocked: set[str] = set()
        for message_id, key in (await self._tx.execute(query)).all():
            if key in blocked:
                continue
            if message_id in by_id:
                in_line.add(message_id)
            else:
                blocked.add(key)
        return [row for row in candidates if row.id in in_line]

    async def save(self, message: OutboxMessage) -> None:
        self._saved[message.id] = message

    async def for_order(self, order_id: str) -> Sequence[OutboxMessage]:
        query = (
            select(OutboxRow)
            .where(col(OutboxRow.order_id) == order_id)
            .order_by(col(OutboxRow.created_at), col(OutboxRow.id))
        )
        return [mapping.outbox_to_domain(row) for row in await self._tx.rows(query)]

    async def pending_count(self) -> int:
        result = await self._tx.execute(
            select(func.count()).where(col(OutboxRow.status) == PENDING)
        )
        return int(result.scalar_one())

    @property
    def pending(self) -> bool:
        return bool(self._saved)

    async def write(self) -> None:
        # One statement for every message saved (a relay batch's marks): executed many times by the
        # driver, built and compiled once.
        if self._saved:
            params = [_by_id(mapping.outbox_values(m)) for m in self._saved.values()]
            await self._tx.execute(_outbox_update(), params)
        self._saved = {}


class SqlAudit:
    """The audit chain: records wait for commit, then are chained onto the last entry under a
    lock."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._records: list[AuditRecord] = []

    def record(self, record: AuditRecord) -> None:
        self._records.append(record)

    async def entries(self, subject: str | None = None, limit: int = 1000) -> Sequence[AuditEntry]:
        query = select(AuditRow)
        if subject is not None:
            query = query.where(col(AuditRow.subject) == subject)
        rows = await self._tx.rows(query.order_by(col(AuditRow.seq)).limit(limit))
        return [mapping.audit_to_domain(row) for row in rows]

    @property
    def pending(self) -> bool:
        return bool(self._records)

    async def write(self, at: datetime) -> None:
        if not self._records:
            return
        await self._tx.gate.lock_audit_chain(self._tx)
        last = await self._tx.first(_LAST_AUDIT_ENTRY)
        previous = None if last is None else mapping.audit_to_domain(typed(AuditRow, last))
        entries = []
        for record in self._records:
            previous = chain(previous, record, at)
            entries.append(mapping.audit_values(previous))
        first = entries[0]["seq"]
        await self._tx.insert_values(_AUDIT, entries, duplicate_key=f"audit entry {first}")
        self._records = []


class SqlEvents:
    """Payment events already applied; the INSERT happens at once, so a replay stops at the first
    step."""

    def __init__(self, tx: Transaction, clock: Clock) -> None:
        self._tx = tx
        self._clock = clock

    async def add(self, event_id: str, kind: str) -> None:
        row = ProcessedEventRow(event_id=event_id, kind=kind, received_at=self._clock.now())
        await self._tx.insert([row], duplicate_key=event_id)


async def _plain_rows(
    tx: Transaction, row_type: type[R], keys: Collection[str], column: str
) -> list[R]:
    """The rows whose `column` is one of `keys`, in one IN query, as plain (Core) rows: they carry
    the same attributes as the ORM row type at a fraction of its cost, and are typed as it."""
    if not keys:
        return []
    result = await tx.execute(_rows_among(row_type, column), [{"keys": list(keys)}])
    return typed(list[R], result.all())


@cache
def _rows_among(row_type: type[Any], column: str) -> Select[Any]:
    table = row_type.__table__
    return select(table).where(table.c[column].in_(bindparam("keys", expanding=True)))


def _by_id(values: dict[str, Any]) -> dict[str, Any]:
    """An UPDATE's parameters: the key to match (b_id) apart from the columns it sets."""
    values["b_id"] = values.pop("id")
    return values


@cache
def _outbox_lease() -> Update:
    table = OutboxRow.__table__  # type: ignore[attr-defined]
    return (
        update(table)
        .where(table.c.id.in_(bindparam("ids", expanding=True)))
        .values(next_attempt_at=bindparam("lease_until"))
    )


@cache
def _outbox_update() -> Update:
    table = OutboxRow.__table__  # type: ignore[attr-defined]
    columns = [c.name for c in table.columns if c.name != "id"]
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({name: bindparam(name) for name in columns})
    )
