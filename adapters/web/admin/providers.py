"""The dashboard's provider page: balances, failure rates, last catalog syncs, and the routing
rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from adapters.i18n.phrases import later
from adapters.web.admin.auth import Form
from adapters.web.admin.labels import Said
from adapters.web.admin.render import Views
from core.oversight.accounts import AdminSession
from core.oversight.acts import AdminActs
from core.provider_health import ProviderStatus

MAX_RULES_TEXT = 20_000


class ProviderPanel(Protocol):
    """What the server knows about its providers (bot/providers.py)."""

    @property
    def routes_file(self) -> object | None: ...

    def status(self) -> tuple[ProviderStatus, ...]: ...

    def routes_text(self) -> str: ...

    async def save_routes_text(self, text: str) -> None: ...


@dataclass(frozen=True)
class ProviderPages:
    panel: ProviderPanel
    views: Views
    acts: AdminActs

    async def page(
        self,
        request: web.Request,
        session: AdminSession,
        *,
        text: str | None = None,
        error: Said = "",
        status: int = 200,
    ) -> web.StreamResponse:
        return self.views.page(
            request,
            "providers.html",
            status=status,
            providers=self.panel.status(),
            rules=self.panel.routes_text() if text is None else text,
            error=error,
            editable=self.panel.routes_file is not None,
            saved=request.query.get("done") == "rules",
        )

    async def save_rules(
        self, request: web.Request, session: AdminSession, form: Form
    ) -> web.StreamResponse:
        text = str(form.get("rules", ""))
        if len(text) > MAX_RULES_TEXT:
            return await self.page(
                request,
                session,
                text=text[:MAX_RULES_TEXT],
                status=400,
                error=later("The rules are longer than {most} characters.", most=MAX_RULES_TEXT),
            )
        try:
            await self.panel.save_routes_text(text)
        except ValueError as exc:  # RoutesFileError: says which rule and why
            return await self.page(request, session, text=text, error=str(exc), status=400)
        await self.acts.note(
            session.actor, "routing.rules_saved", "routing", {"characters": len(text)}
        )
        return web.Response(
            status=303,
            headers={"Location": "/admin/providers?done=rules", "Cache-Control": "no-store"},
        )
