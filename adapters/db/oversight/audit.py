"""The dashboard's reads of the audit trail: filtered pages, and the whole chain to verify."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlmodel import col

from adapters.db import mapping
from adapters.db.oversight.reading import SqlReads, contains, count, escape, period
from adapters.db.tables import AuditRow
from core.audit import AuditEntry
from core.oversight.queries import AuditQuery, Page


class AuditReads(SqlReads):
    """The audit trail, filtered and paged or whole."""

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
            total = await count(tx, select(func.count()).select_from(AuditRow).where(*where))
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


def _audit_conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = list(period(col(AuditRow.at), query.since, query.until))
    if query.actor:
        where.append(contains(query.actor, AuditRow.actor))
    if query.action:
        where.append(col(AuditRow.action).like(escape(query.action) + "%", escape="\\"))
    if query.subject:
        where.append(contains(query.subject, AuditRow.subject))
    return where
