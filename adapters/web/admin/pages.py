"""The dashboard's pages (GET): overview, orders, one order, audit trail, rewards and gifts; the
CSV downloads are in downloads.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from adapters.i18n.phrases import later
from adapters.web.admin.chart import build_chart
from adapters.web.admin.forms import (
    REWARD_STATUSES,
    STATUSES,
    Reader,
    audit_query,
    order_query,
    reward_query,
    same_filters,
    with_page,
)
from adapters.web.admin.labels import DONE, Said
from adapters.web.admin.render import Views, reader_of
from core.audit import ChainReport
from core.errors import OrderNotFound, ProgrammeNotFound
from core.milestones import Milestones
from core.oversight.accounts import AdminSession
from core.oversight.acts import AdminActs, RevealedVoucher
from core.oversight.port import Oversight
from core.platforms import ChatPlatform, platform_names
from core.ports import Clock
from core.provider_health import ProviderStatus

PERIODS = (7, 30, 90)


@dataclass(frozen=True)
class Pages:
    oversight: Oversight
    views: Views
    acts: AdminActs
    clock: Clock
    providers: Callable[[], tuple[ProviderStatus, ...]] = (
        tuple  # health rows (bot/providers.py), if any
    )
    milestones: Milestones | None = (
        None  # the next 30 days' anniversaries and birthdays, on the rewards page
    )
    platforms: tuple[ChatPlatform, ...] = ()  # the channel filter's choices

    @property
    def platform_names(self) -> tuple[str, ...]:
        return platform_names(self.platforms)

    async def overview(self, request: web.Request, session: AdminSession) -> web.StreamResponse:
        days = Reader(request.query).number("days", 30, low=1, high=366)
        today = self.clock.now().date()
        overview = await self.oversight.overview(today - timedelta(days=days - 1), today)
        currency = overview.currencies[0] if overview.currencies else "USD"
        return self.views.page(
            request,
            "overview.html",
            overview=overview,
            attention=await self.oversight.attention(),
            chart=build_chart(overview.series(currency), currency, reader_of(request)),
            days=days,
            periods=PERIODS,
            providers=self.providers(),
        )

    async def orders(self, request: web.Request, session: AdminSession) -> web.StreamResponse:
        query, problems = order_query(request.query, platforms=self.platform_names)
        page = await self.oversight.orders(query)
        return self.views.page(
            request,
            "orders.html",
            page=page,
            query=query,
            problems=problems,
            statuses=STATUSES,
            platforms=self.platforms,
            products=self.views.products(),
            programmes=await self.oversight.programmes(),
            previous_link=with_page(request.query, page.page - 1),
            next_link=with_page(request.query, page.page + 1),
            export_link="/admin/orders.csv" + same_filters(request.query),
        )

    async def order(
        self,
        request: web.Request,
        session: AdminSession,
        *,
        revealed: RevealedVoucher | None = None,
        error: Said = "",
        status: int = 200,
    ) -> web.StreamResponse:
        order_id = request.match_info["order_id"]
        try:
            detail = await self.oversight.order(order_id)
        except OrderNotFound:
            return self.views.page(
                request,
                "error.html",
                status=404,
                title=later("Order not found"),
                message=OrderNotFound(order_id),
            )
        return self.views.page(
            request,
            "order.html",
            status=status,
            detail=detail,
            revealed=revealed,
            error=error,
            done=DONE.get(request.query.get("done", ""), ""),
        )

    async def audit(
        self, request: web.Request, session: AdminSession, *, report: ChainReport | None = None
    ) -> web.StreamResponse:
        query, problems = audit_query(request.query)
        page = await self.oversight.audit(query)
        return self.views.page(
            request,
            "audit.html",
            page=page,
            query=query,
            problems=problems,
            report=report,
            previous_link=with_page(request.query, page.page - 1),
            next_link=with_page(request.query, page.page + 1),
            export_link="/admin/audit.csv" + same_filters(request.query),
        )

    async def rewards(
        self,
        request: web.Request,
        session: AdminSession,
        *,
        problems: tuple[Said, ...] = (),
        status: int = 200,
    ) -> web.StreamResponse:
        return self.views.page(
            request,
            "rewards.html",
            status=status,
            programmes=await self.oversight.programmes(),
            admins=await self.oversight.reward_admins(),
            milestones=await self.milestones.preview(30) if self.milestones is not None else None,
            problems=problems,
            done=DONE.get(request.query.get("done", ""), ""),
        )

    async def programme(
        self,
        request: web.Request,
        session: AdminSession,
        *,
        problems: tuple[Said, ...] = (),
        status: int = 200,
    ) -> web.StreamResponse:
        programme_id = request.match_info["programme_id"]
        balance = next(
            (p for p in await self.oversight.programmes() if p.programme.id == programme_id), None
        )
        if balance is None:
            error = ProgrammeNotFound(programme_id)
            return self.views.page(
                request, "error.html", status=404, title=later("Programme not found"), message=error
            )
        query, read_problems = reward_query(request.query, programme_id)
        page = await self.oversight.rewards(query)
        return self.views.page(
            request,
            "programme.html",
            status=status,
            balance=balance,
            ledger=await self.oversight.ledger(programme_id),
            page=page,
            query=query,
            statuses=REWARD_STATUSES,
            problems=(*problems, *read_problems),
            done=DONE.get(request.query.get("done", ""), ""),
            previous_link=with_page(request.query, page.page - 1),
            next_link=with_page(request.query, page.page + 1),
        )

    async def gifts(self, request: web.Request, session: AdminSession) -> web.StreamResponse:
        return self.views.page(
            request,
            "gifts.html",
            gifts=await self.oversight.gifts(),
            collections=await self.oversight.collections(),
        )
