"""The dashboard's read queries over SQL (core.oversight.port.Oversight): filtered, paged,
aggregated in the database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from adapters.db import mapping
from adapters.db.collection_repository import collection_to_domain
from adapters.db.collection_tables import CollectionRow
from adapters.db.crypto import VoucherCipher
from adapters.db.database import Database
from adapters.db.gift_repository import gift_to_domain
from adapters.db.gift_tables import GiftRow
from adapters.db.tables import (
    AuditRow,
    LedgerRow,
    OrderRow,
    OutboxRow,
    ProgrammeRow,
    RewardAdminRow,
    RewardRow,
    VoucherRow,
)
from adapters.db.transaction import Transaction, WriteGate
from core.audit import AuditEntry
from core.errors import OrderNotFound
from core.identity import ChatUser
from core.money import Money
from core.orders import OrderStatus
from core.outbox import MessageKind, MessageStatus
from core.oversight.lines import (
    CollectionLine,
    ContributionLine,
    DeliveryAttempts,
    GiftLine,
    OrderLine,
    PaymentLine,
    ProgrammeBalance,
    VoucherView,
)
from core.oversight.order_detail import OrderDetail
from core.oversight.overview import Attention, DayTotal, Overview
from core.oversight.queries import AuditQuery, OrderQuery, Page, RewardQuery
from core.rewards import Budget, LedgerEntry, LedgerKind, Reward


class SqlOversight:
    """Implements core.oversight.port.Oversight; every call reads in its own short transaction."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], gate: WriteGate, cipher: VoucherCipher
    ) -> None:
        self._sessions = sessions
        self._gate = gate
        self._cipher = cipher

    @classmethod
    def of(cls, database: Database) -> SqlOversight:
        """The oversight of what `database` stores (its engine, and its key to mask voucher
        codes)."""
        # The façade keeps these to itself; this package shares them.
        return cls(database._sessions, database._gate, database._cipher)

    # --- orders -----------------------------------------------------------------------------------

    async def orders(self, query: OrderQuery) -> Page[OrderLine]:
        where = _order_conditions(query)
        listing = (
            select(OrderRow)
            .where(*where)
            .order_by(col(OrderRow.created_at).desc(), col(OrderRow.id).desc())
            .limit(query.per_page)
            .offset(query.offset)
        )
        async with self._reading() as tx:
            total = await _count(tx, select(func.count()).select_from(OrderRow).where(*where))
            rows = await tx.rows(listing)
        return Page(tuple(_line(row) for row in rows), total, max(query.page, 1), query.per_page)

    async def order(self, order_id: str) -> OrderDetail:
        async with self._reading() as tx:
            rows = await tx.rows(select(OrderRow).where(col(OrderRow.id) == order_id))
            if not rows:
                raise OrderNotFound(order_id)
            vouchers = await tx.rows(select(VoucherRow).where(col(VoucherRow.order_id) == order_id))
            messages = await tx.rows(
                select(OutboxRow)
                .where(col(OutboxRow.order_id) == order_id)
                .order_by(col(OutboxRow.created_at), col(OutboxRow.id))
            )
            audit = await tx.rows(
                select(AuditRow)
                .where(col(AuditRow.subject) == order_id)
                .order_by(col(AuditRow.seq))
            )
        row = rows[0]
        voucher = (
            VoucherView.of(mapping.voucher_to_domain(vouchers[0], self._cipher))
            if vouchers
            else None
        )
        order = mapping.order_to_domain(row, self._cipher)
        return OrderDetail(
            line=_line(row),
            history=tuple(order.history),
            payment_attempts=row.payment_attempts,
            checkout_expires_at=row.checkout_expires_at,
            voucher=voucher,
            deliveries=tuple(DeliveryAttempts.of(mapping.outbox_to_domain(m)) for m in messages),
            audit=tuple(mapping.audit_to_domain(entry) for entry in audit),
            payments=tuple(PaymentLine.of(payment) for payment in order.payments),
        )

    # --- audit ------------------------------------------------------------------------------------

    async def audit(self, query: AuditQuery) -> Page[AuditEntry]:
        where = _audit_conditions(query)
        listing = (
            select(AuditRow)
            .where(*where)
            .order_by(col(AuditRow.seq).desc())
            .limit(query.per_page)
            .offset(query.offset)
        )
        async with self._reading() as tx:
            total = await _count(tx, select(func.count()).select_from(AuditRow).where(*where))
            rows = await tx.rows(listing)
        return Page(
            tuple(mapping.audit_to_domain(r) for r in rows),
            total,
            max(query.page, 1),
            query.per_page,
        )

    async def audit_chain(self) -> Sequence[AuditEntry]:
        async with self._reading() as tx:
            rows = await tx.rows(select(AuditRow).order_by(col(AuditRow.seq)))
        return [mapping.audit_to_domain(row) for row in rows]

    # --- overview ---------------------------------------------------------------------------------

    async def overview(self, since: date, until: date) -> Overview:
        day = self._day(col(OrderRow.created_at))
        query = (
            select(
                day,
                col(OrderRow.status),
                col(OrderRow.currency),
                func.count(),
                func.sum(col(OrderRow.amount_minor)),
            )
            .where(*_period(col(OrderRow.created_at), since, until))
            .group_by(day, col(OrderRow.status), col(OrderRow.currency))
        )
        async with self._reading() as tx:
            found = (await tx.execute(query)).all()
        totals = tuple(
            DayTotal(_as_date(d), OrderStatus(status), currency, int(count), int(minor or 0))
            for d, status, currency, count, minor in found
        )
        return Overview(
            since, until, tuple(sorted(totals, key=lambda t: (t.day, t.status, t.currency)))
        )

    async def attention(self, limit: int = 20) -> Attention:
        dead = (
            select(OutboxRow)
            .where(col(OutboxRow.status) == str(MessageStatus.DEAD))
            .order_by(col(OutboxRow.next_attempt_at).desc())
            .limit(limit)
        )
        retrying = (
            select(OutboxRow)
            .where(col(OutboxRow.status) == str(MessageStatus.PENDING), col(OutboxRow.attempts) > 0)
            .order_by(col(OutboxRow.created_at))
            .limit(limit)
        )
        failed = (
            select(OrderRow)
            .where(
                col(OrderRow.status) == str(OrderStatus.FAILED),
                col(OrderRow.failure_reason).like("issuance%"),
            )
            .order_by(col(OrderRow.updated_at).desc())
            .limit(limit)
        )
        async with self._reading() as tx:
            dead_rows, retry_rows, failed_rows = (
                await tx.rows(dead),
                await tx.rows(retrying),
                await tx.rows(failed),
            )
        return Attention(
            undeliverable=tuple(
                DeliveryAttempts.of(mapping.outbox_to_domain(r)) for r in dead_rows
            ),
            retrying=tuple(DeliveryAttempts.of(mapping.outbox_to_domain(r)) for r in retry_rows),
            failed_issuance=tuple(_line(r) for r in failed_rows),
        )

    # --- rewards ----------------------------------------------------------------------------------

    async def programmes(self) -> Sequence[ProgrammeBalance]:
        ledger = select(
            col(LedgerRow.programme_id), col(LedgerRow.kind), func.sum(col(LedgerRow.minor))
        ).group_by(col(LedgerRow.programme_id), col(LedgerRow.kind))
        rewards = select(col(RewardRow.programme_id), col(RewardRow.status), func.count()).group_by(
            col(RewardRow.programme_id), col(RewardRow.status)
        )
        async with self._reading() as tx:
            programmes = await tx.rows(select(ProgrammeRow).order_by(col(ProgrammeRow.id)))
            sums = (await tx.execute(ledger)).all()
            counts = (await tx.execute(rewards)).all()
        balances = []
        for row in programmes:
            # One synthetic entry per kind carrying its total: Budget.of stays the only place of the
            # formula.
            budget = Budget.of(
                LedgerEntry("", row.id, LedgerKind(kind), int(total), datetime.min, "")
                for programme_id, kind, total in sums
                if programme_id == row.id
            )
            by_status = tuple(sorted((str(s), int(n)) for p, s, n in counts if p == row.id))
            balances.append(ProgrammeBalance(mapping.programme_to_domain(row), budget, by_status))
        return balances

    async def ledger(self, programme_id: str, limit: int = 200) -> Sequence[LedgerEntry]:
        query = (
            select(LedgerRow)
            .where(col(LedgerRow.programme_id) == programme_id)
            .order_by(col(LedgerRow.seq).desc())
            .limit(limit)
        )
        async with self._reading() as tx:
            return [mapping.ledger_to_domain(row) for row in await tx.rows(query)]

    async def rewards(self, query: RewardQuery) -> Page[Reward]:
        where: list[ColumnElement[bool]] = []
        if query.programme_id:
            where.append(col(RewardRow.programme_id) == query.programme_id)
        if query.status:
            where.append(col(RewardRow.status) == query.status)
        listing = (
            select(RewardRow)
            .where(*where)
            .order_by(col(RewardRow.created_at).desc(), col(RewardRow.id).desc())
            .limit(query.per_page)
            .offset(query.offset)
        )
        async with self._reading() as tx:
            total = await _count(tx, select(func.count()).select_from(RewardRow).where(*where))
            rows = await tx.rows(listing)
        return Page(
            tuple(mapping.reward_to_domain(r) for r in rows),
            total,
            max(query.page, 1),
            query.per_page,
        )

    async def reward_admins(self) -> Sequence[str]:
        query = select(col(RewardAdminRow.identity)).order_by(col(RewardAdminRow.identity))
        async with self._reading() as tx:
            return [identity for (identity,) in (await tx.execute(query)).all()]

    async def gifts(self, limit: int = 100) -> Sequence[GiftLine]:
        listing = (
            select(GiftRow, OrderRow)
            .join(OrderRow, col(OrderRow.id) == col(GiftRow.order_id))
            .order_by(col(GiftRow.created_at).desc(), col(GiftRow.id).desc())
            .limit(limit)
        )
        async with self._reading() as tx:
            pairs = (await tx.execute(listing)).all()
            orders = [order.id for _, order in pairs]
            # A their-choice gift is delivered by its reward's notice, which names the order too.
            deliveries = [str(MessageKind.GIFT_DELIVERY), str(MessageKind.REWARD_NOTICE)]
            messages = select(col(OutboxRow.order_id), col(OutboxRow.status)).where(
                col(OutboxRow.order_id).in_(orders), col(OutboxRow.kind).in_(deliveries)
            )
            delivery = {order_id: status for order_id, status in (await tx.execute(messages)).all()}
        return [
            _gift_line(gift, order, delivery.get(order.id, "not queued")) for gift, order in pairs
        ]

    async def collections(self, limit: int = 100) -> Sequence[CollectionLine]:
        newest = col(CollectionRow.created_at).desc()
        async with self._reading() as tx:
            rows = await tx.rows(select(CollectionRow).order_by(newest).limit(limit))
            found = [collection_to_domain(row) for row in rows]
            order_ids = [c.order_id for f in found for c in f.contributions]
            paid = select(col(OrderRow.id), col(OrderRow.status)).where(
                col(OrderRow.id).in_(order_ids)
            )
            statuses = {i: OrderStatus(s) for i, s in (await tx.execute(paid)).all()}
            reward_ids = [f.reward_id for f in found if f.reward_id]
            rewards = select(col(RewardRow.id), col(RewardRow.status)).where(
                col(RewardRow.id).in_(reward_ids)
            )
            reward_status = dict((await tx.execute(rewards)).all())
            notices = select(col(OutboxRow.reward_id), col(OutboxRow.status)).where(
                col(OutboxRow.reward_id).in_(reward_ids),
                col(OutboxRow.kind) == str(MessageKind.REWARD_NOTICE),
            )
            delivery = dict((await tx.execute(notices)).all())
        return [
            CollectionLine(
                collection=f,
                contributions=tuple(
                    ContributionLine(
                        c.order_id, c.contributor, c.amount, str(c.state), statuses.get(c.order_id)
                    )
                    for c in f.contributions
                ),
                reward_status=str(reward_status.get(f.reward_id, "")),
                delivery=str(delivery.get(f.reward_id, "")),
            )
            for f in found
        ]

    # --- helpers ----------------------------------------------------------------------------------

    def _day(self, column: Any) -> Any:
        """The UTC calendar day of a timestamp column (SQLite stores naive UTC text)."""
        if self._gate.sqlite:
            return func.date(column)
        return func.date(func.timezone("UTC", column))

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Transaction]:
        tx = Transaction(self._sessions(), self._gate)
        try:
            yield tx
        finally:
            await tx.close()


def _order_conditions(query: OrderQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = list(
        _period(col(OrderRow.created_at), query.since, query.until)
    )
    exact = {
        OrderRow.status: query.status,
        OrderRow.buyer_platform: query.platform,
        OrderRow.product_id: query.product_id,
    }
    where += [col(column) == value for column, value in exact.items() if value]
    if query.buyer:
        where.append(
            _contains(query.buyer, OrderRow.buyer_name, OrderRow.buyer_user_id, OrderRow.buyer_key)
        )
    if query.programme_id:
        funded = select(col(RewardRow.id)).where(col(RewardRow.programme_id) == query.programme_id)
        where.append(col(OrderRow.reward_id).in_(funded))
    if query.text:
        where.append(
            _contains(
                query.text,
                OrderRow.id,
                OrderRow.payment_intent_id,
                OrderRow.buyer_name,
                OrderRow.product_id,
                OrderRow.failure_reason,
            )
        )
    return where


def _audit_conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = list(_period(col(AuditRow.at), query.since, query.until))
    if query.actor:
        where.append(_contains(query.actor, AuditRow.actor))
    if query.action:
        where.append(col(AuditRow.action).like(_escape(query.action) + "%", escape="\\"))
    if query.subject:
        where.append(_contains(query.subject, AuditRow.subject))
    return where


def _period(column: Any, since: date | None, until: date | None) -> list[ColumnElement[bool]]:
    where = []
    if since is not None:
        where.append(column >= datetime.combine(since, time.min, UTC))
    if until is not None:
        where.append(column < datetime.combine(until + timedelta(days=1), time.min, UTC))
    return where


def _contains(text: str, *columns: Any) -> ColumnElement[bool]:
    """Case-insensitive "contains" on any of `columns`, with LIKE wildcards in `text` taken
    literally."""
    pattern = f"%{_escape(text.strip())}%"
    return or_(*(col(column).ilike(pattern, escape="\\") for column in columns))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def _count(tx: Transaction, query: Select[Any]) -> int:
    return int((await tx.execute(query)).scalar_one())


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _line(row: OrderRow) -> OrderLine:
    """The list's view of a row, read without decrypting anything."""
    return OrderLine(
        order_id=row.id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        status=OrderStatus(row.status),
        amount=Money(row.amount_minor, row.currency),
        product_id=row.product_id,
        buyer=ChatUser(row.buyer_platform, row.buyer_tenant, row.buyer_user_id, row.buyer_name),
        payment_intent_id=row.payment_intent_id,
        failure_reason=row.failure_reason,
        reward_id=row.reward_id,
        reward_minor=row.reward_minor,
        provider=row.provider,
        route_reason=row.route_reason,
        route_tried=tuple(name for name in row.route_tried.split(",") if name),
    )


def _gift_line(row: GiftRow, order: OrderRow, delivery: str) -> GiftLine:
    gift = gift_to_domain(row)
    return GiftLine(
        gift_id=gift.id,
        order_id=gift.order_id,
        created_at=gift.created_at,
        buyer=ChatUser(
            order.buyer_platform, order.buyer_tenant, order.buyer_user_id, order.buyer_name
        ),
        recipient=gift.recipient,
        amount=Money(order.amount_minor, order.currency),
        order_status=OrderStatus(order.status),
        gift_status=str(gift.status),
        deliver_at=gift.deliver_at,
        delivery=delivery,
        delivered_at=gift.delivered_at,
    )
