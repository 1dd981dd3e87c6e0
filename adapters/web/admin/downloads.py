"""The dashboard's CSV downloads (GET): the filtered orders or audit trail, streamed page by page
and audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from aiohttp import web

from adapters.i18n.phrases import later
from adapters.web.admin.export import AUDIT_COLUMNS, ORDER_COLUMNS, audit_row, csv_text, order_row
from adapters.web.admin.forms import audit_query, order_query
from adapters.web.admin.labels import Said
from adapters.web.admin.render import Views
from core.oversight.accounts import AdminSession
from core.oversight.acts import AdminActs
from core.oversight.port import Oversight
from core.oversight.queries import AuditQuery, OrderQuery
from core.ports import Clock

Q = TypeVar("Q", OrderQuery, AuditQuery)
EXPORT_BATCH = 500
EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class Downloads:
    """/admin/orders.csv and /admin/audit.csv, filtered as their pages are."""

    oversight: Oversight
    views: Views
    acts: AdminActs
    clock: Clock
    platform_names: tuple[str, ...] = ()  # the channel filter's choices

    async def orders(self, request: web.Request, session: AdminSession) -> web.StreamResponse:
        query, problems = order_query(request.query, platforms=self.platform_names)
        return await self._export(
            request,
            session,
            problems,
            ("orders", "orders"),
            ORDER_COLUMNS,
            lambda number: self.oversight.orders(_batch(query, number)),
            lambda order: order_row(order, self.views.product_name),
        )

    async def audit(self, request: web.Request, session: AdminSession) -> web.StreamResponse:
        query, problems = audit_query(request.query)
        return await self._export(
            request,
            session,
            problems,
            ("audit-trail", "audit"),
            AUDIT_COLUMNS,
            lambda number: self.oversight.audit(_batch(query, number)),
            audit_row,
        )

    async def _export(
        self,
        request: web.Request,
        session: AdminSession,
        problems: Sequence[Said],
        names: tuple[str, str],  # (file name, audit subject)
        header: tuple[str, ...],
        fetch: Callable[[int], Awaitable[Any]],
        to_row: Callable[[Any], Sequence[object]],
    ) -> web.StreamResponse:
        """Stream the filtered rows as CSV, page by page, and audit the export."""
        if problems:
            return self.views.page(
                request, "error.html", status=400, title=later("Cannot export"), message=problems
            )
        file_name, subject = names
        response = await self._start_csv(request, file_name, header)
        rows = 0
        for number in range(1, EXPORT_LIMIT // EXPORT_BATCH + 1):
            page = await fetch(number)
            await response.write(csv_text((), (to_row(item) for item in page.items)).encode())
            rows += len(page.items)
            if not page.has_next:
                break
        await self.acts.note(
            session.actor, "admin.exported", subject, {"rows": rows, **_filters(request)}
        )
        await response.write_eof()
        return response

    async def _start_csv(
        self, request: web.Request, name: str, header: tuple[str, ...]
    ) -> web.StreamResponse:
        stamp = self.clock.now().strftime("%Y%m%d-%H%M")
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="voucherbot-{name}-{stamp}.csv"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            }
        )
        await response.prepare(request)
        # A byte-order mark tells spreadsheet programs the file is UTF-8 (names are rarely
        # ASCII-only).
        await response.write(("\ufeff" + csv_text(header, ())).encode())
        return response


def _batch(query: Q, number: int) -> Q:
    return replace(query, page=number, per_page=EXPORT_BATCH)


def _filters(request: web.Request) -> dict[str, str]:
    return {k: v for k, v in request.query.items() if v and k not in ("page", "per_page")}
