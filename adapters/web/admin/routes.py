"""The admin dashboard's routes, built from the core services it oversees and acts through."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from adapters.i18n.phrases import Phrase, later
from adapters.web.admin.actions import Actions
from adapters.web.admin.api import Api
from adapters.web.admin.approvals import ApprovalPages
from adapters.web.admin.auth import Authenticator, Guard
from adapters.web.admin.curation import CurationPages
from adapters.web.admin.downloads import Downloads
from adapters.web.admin.pages import Pages
from adapters.web.admin.providers import ProviderPages, ProviderPanel
from adapters.web.admin.render import STATIC, STATIC_PREFIX, Views
from adapters.web.admin.sessions import Cookies
from adapters.web.admin.signin import SignIn
from adapters.web.admin.throttle import AddressLimit
from adapters.web.admin.wording import platform_labels
from core.approvals import Approvals
from core.checkout import Checkout
from core.milestones import Milestones
from core.oversight.accounts import AdminAccounts
from core.oversight.acts import AdminActs
from core.oversight.port import Oversight
from core.platforms import ChatPlatform, platform_names
from core.ports import Clock, SystemClock
from core.recognition import Recognition

ORDER = "/admin/orders/{order_id}"
PROGRAMME = "/admin/rewards/{programme_id}"


def admin_routes(
    *,
    oversight: Oversight,
    checkout: Checkout,
    recognition: Recognition,
    accounts: AdminAccounts,
    acts: AdminActs,
    admin_token: str,
    secure_cookies: bool,
    clock: Clock | None = None,
    sign_in_limit: AddressLimit | None = None,
    providers: ProviderPanel | None = None,
    milestones: Milestones | None = None,
    approvals: Approvals | None = None,
    platforms: Sequence[ChatPlatform] = (),
) -> list[web.AbstractRouteDef]:
    """Every /admin route. `admin_token` opens the JSON API (empty: API closed); `secure_cookies`
    for HTTPS.

    `sign_in_limit` caps sign-in attempts per client address (default: 10 at once, then one per 15
    s).
    """
    clock = clock or SystemClock()
    views = Views(checkout.catalogs, platforms)
    cookies = Cookies(secure=secure_cookies)

    def refuse(request: web.Request, status: int, message: Phrase) -> web.Response:
        return views.page(
            request, "error.html", status=status, title=later("Not allowed"), message=message
        )

    guard = Guard(accounts, cookies, clock, refuse)
    sign_in = SignIn(
        Authenticator(accounts, acts, clock), guard, cookies, views, sign_in_limit or AddressLimit()
    )
    pages = Pages(
        oversight,
        views,
        acts,
        clock,
        providers.status if providers is not None else tuple,
        milestones,
        tuple(platforms),
    )
    downloads = Downloads(oversight, views, acts, clock, platform_names(platforms))
    actions = Actions(pages, oversight, checkout, recognition, acts)
    curation = CurationPages(oversight, checkout, views, acts)
    api = Api(
        oversight,
        admin_token,
        views.product_name,
        platform_names(platforms),
        platform_labels(platforms),
    )
    page, act = guard.page, guard.act
    return [
        web.get("/admin/login", sign_in.form),
        web.post("/admin/login", sign_in.submit),
        web.post("/admin/logout", act(sign_in.sign_out, admin=False)),
        web.get("/admin", page(pages.overview)),
        web.get("/admin/orders", page(pages.orders)),
        web.get("/admin/orders.csv", page(downloads.orders)),
        web.get(ORDER, page(pages.order)),
        web.post(ORDER + "/reveal", act(actions.reveal)),
        web.post(ORDER + "/resend", act(actions.resend)),
        web.post(ORDER + "/cancel", act(actions.cancel)),
        web.post(ORDER + "/refund", act(actions.refund)),
        web.post(ORDER + "/retry-issuance", act(actions.retry_issuance)),
        web.get("/admin/audit", page(pages.audit)),
        web.get("/admin/audit.csv", page(downloads.audit)),
        web.post("/admin/audit/verify", act(actions.verify_chain, admin=False)),
        web.get("/admin/rewards", page(pages.rewards)),
        web.get("/admin/gifts", page(pages.gifts)),
        web.post("/admin/rewards", act(actions.create_programme)),
        web.post("/admin/rewards/admins/grant", act(actions.grant_admin)),
        web.post("/admin/rewards/admins/revoke", act(actions.revoke_admin)),
        web.get(PROGRAMME, page(pages.programme)),
        web.post(PROGRAMME + "/credit", act(actions.credit)),
        web.get(PROGRAMME + "/catalog", page(curation.show)),
        web.post(PROGRAMME + "/catalog/add", act(curation.add)),
        web.post(PROGRAMME + "/catalog/remove", act(curation.remove)),
        web.post(PROGRAMME + "/rewards/{reward_id}/cancel", act(actions.cancel_reward)),
        web.get("/admin/api/orders", api.guarded(api.orders)),
        web.get("/admin/api/orders/{order_id}", api.guarded(api.order)),
        web.get("/admin/api/audit", api.guarded(api.audit)),
        *_provider_routes(providers, views, acts, page, act),
        *(
            [web.get("/admin/approvals", page(ApprovalPages(approvals, views).page))]
            if approvals
            else []
        ),
        web.static(STATIC_PREFIX, STATIC),
    ]


def _provider_routes(
    panel: ProviderPanel | None, views: Views, acts: AdminActs, page: Any, act: Any
) -> list[web.AbstractRouteDef]:
    if panel is None:
        return []
    provider_pages = ProviderPages(panel, views, acts)
    return [
        web.get("/admin/providers", page(provider_pages.page)),
        web.post("/admin/providers/rules", act(provider_pages.save_rules)),
    ]
