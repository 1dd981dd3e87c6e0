"""The dashboard page of a programme's curated catalog: its picks, adding and removing them."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from adapters.i18n.phrases import later
from adapters.web.admin.actions import redirect
from adapters.web.admin.auth import Form
from adapters.web.admin.labels import DONE, Said
from adapters.web.admin.render import Views
from core.checkout import Checkout
from core.curation import CatalogRule, Curation, RuleKind
from core.errors import ProgrammeNotFound, VoucherbotError
from core.oversight.accounts import AdminSession
from core.oversight.acts import AdminActs
from core.oversight.port import Oversight


class CurationPages:
    def __init__(
        self, oversight: Oversight, checkout: Checkout, views: Views, acts: AdminActs
    ) -> None:
        self._oversight = oversight
        self._checkout = checkout
        self._views = views
        self._acts = acts

    async def show(
        self,
        request: web.Request,
        session: AdminSession,
        *,
        problems: tuple[Said, ...] = (),
        status: int = 200,
    ) -> web.StreamResponse:
        programme_id = request.match_info["programme_id"]
        balance = next(
            (p for p in await self._oversight.programmes() if p.programme.id == programme_id), None
        )
        if balance is None or self._checkout.curations is None:
            message = ProgrammeNotFound(programme_id)
            return self._views.page(
                request,
                "error.html",
                status=404,
                title=later("Programme not found"),
                message=message,
            )
        curation = Curation(await self._checkout.curations.rules(programme_id))
        offered = [p for p in self._checkout.catalog if curation.admits(p)]
        return self._views.page(
            request,
            "curation.html",
            status=status,
            programme=balance.programme,
            rules=curation.rules,
            kinds=[k.value for k in RuleKind],
            offered=offered[:50],
            offered_count=len(offered),
            shop_count=len(self._checkout.catalog),
            problems=problems,
            done=DONE.get(request.query.get("done", ""), ""),
        )

    async def add(
        self, request: web.Request, session: AdminSession, form: Form
    ) -> web.StreamResponse:
        return await self._change(request, session, form, "add")

    async def remove(
        self, request: web.Request, session: AdminSession, form: Form
    ) -> web.StreamResponse:
        return await self._change(request, session, form, "remove")

    async def _change(
        self, request: web.Request, session: AdminSession, form: Form, verb: str
    ) -> web.StreamResponse:
        programme_id = request.match_info["programme_id"]
        store = self._checkout.curations
        if store is None or not any(
            p.programme.id == programme_id for p in await self._oversight.programmes()
        ):
            return await self.show(request, session)
        try:
            rule = CatalogRule.of(
                programme_id, str(form.get("kind", "")), str(form.get("value", ""))
            )
            await (store.add(rule) if verb == "add" else store.remove(rule))
        except VoucherbotError as exc:
            return await self.show(request, session, problems=(exc,), status=400)  # a bad pick
        facts = {"kind": str(rule.kind), "value": rule.value}
        await self._acts.note(session.actor, f"programme.catalog_{verb}", programme_id, facts)
        await self._checkout.curation(
            programme_id
        )  # this replica at once; the others within a minute
        return redirect(f"/admin/rewards/{quote(programme_id)}/catalog?done={verb}")
