"""The dashboard's reads of orders: filtered pages, one order in detail, the daily totals and what
needs attention."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlmodel import col

from adapters.db import mapping
from adapters.db.oversight.reading import SqlReads, contains, count, period
from adapters.db.tables import AuditRow, OrderRow, OutboxRow, RewardRow, VoucherRow
from core.errors import OrderNotFound
from core.identity import ChatUser
from core.money import Money
from core.orders import OrderStatus
from core.outbox import MessageStatus
from core.oversight.lines import DeliveryAttempts, OrderLine, PaymentLine, VoucherView
from core.oversight.order_detail import OrderDetail
from core.oversight.overview import Attention, DayTotal, Overview
from core.oversight.queries import OrderQuery, Page


class OrderReads(SqlReads):
    """Orders: the filtered list, one order with everything about it, totals and trouble."""

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
            total = await count(tx, select(func.count()).select_from(OrderRow).where(*where))
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
            .where(*period(col(OrderRow.created_at), since, until))
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


def _order_conditions(query: OrderQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = list(
        period(col(OrderRow.created_at), query.since, query.until)
    )
    exact = {
        OrderRow.status: query.status,
        OrderRow.buyer_platform: query.platform,
        OrderRow.product_id: query.product_id,
    }
    where += [col(column) == value for column, value in exact.items() if value]
    if query.buyer:
        where.append(
            contains(query.buyer, OrderRow.buyer_name, OrderRow.buyer_user_id, OrderRow.buyer_key)
        )
    if query.programme_id:
        funded = select(col(RewardRow.id)).where(col(RewardRow.programme_id) == query.programme_id)
        where.append(col(OrderRow.reward_id).in_(funded))
    if query.text:
        where.append(
            contains(
                query.text,
                OrderRow.id,
                OrderRow.payment_intent_id,
                OrderRow.buyer_name,
                OrderRow.product_id,
                OrderRow.failure_reason,
            )
        )
    return where


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
