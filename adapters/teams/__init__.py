"""Microsoft Teams channel: a Bot Framework bot on CloudAdapter, mounted at POST /api/messages."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import jwt
import requests
from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter

from adapters.teams.bot import VoucherBot, on_turn_error
from adapters.teams.connector import BotCredentials, CachingBotFrameworkAuthentication, speed_up_msrest
from adapters.teams.sender import TeamsSender
from adapters.teams.tenants import RememberTenants
from core.checkout import Checkout
from core.ports import Directory, TenantEndpoints
from core.reach import AppInstaller
from core.recognition import Recognition

__all__ = ["TeamsChannel", "build_teams"]

log = logging.getLogger(__name__)
MESSAGES_PATH = "/api/messages"
APP_TYPES = {
    "multitenant": "MultiTenant",
    "singletenant": "SingleTenant",
    "userassignedmsi": "UserAssignedMSI",
}


@dataclass(frozen=True)
class TeamsChannel:
    """The bot, its adapter and the proactive sender, ready to mount on the server."""

    bot: VoucherBot
    adapter: CloudAdapter
    sender: TeamsSender
    authenticated: bool = False

    def mount(self, app: web.Application) -> None:
        app.router.add_post(MESSAGES_PATH, self.messages)

    async def messages(self, request: web.Request) -> web.Response:
        # CloudAdapter validates the JWT (401 without a valid one, unless in Emulator mode) and runs the turn;
        # it answers 500 to a body that is not a JSON object, so those are refused here first.
        if request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType(text="send application/json")
        try:
            body = await request.json()  # aiohttp keeps the body, so the adapter reads it again for free
        except ValueError:
            raise web.HTTPBadRequest(text="the body is not JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="the body is not an activity")
        if self.authenticated and not _bot_framework_shaped(request.headers.get("Authorization", "")):
            # Refused before the SDK fetches signing keys: Bot Framework only signs with RS256.
            raise web.HTTPUnauthorized(text="a Bot Framework token is required")
        try:
            response = await self.adapter.process(request, self.bot)
        except requests.RequestException:
            log.warning("could not fetch the Bot Framework signing keys to check a token")
            raise web.HTTPServiceUnavailable(text="cannot check tokens right now", headers={"Retry-After": "30"})
        return response if response is not None else web.Response(status=201)


def _bot_framework_shaped(authorization: str) -> bool:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    try:
        return jwt.get_unverified_header(token).get("alg") == "RS256"
    except jwt.PyJWTError:
        return False


def build_teams(
    checkout: Checkout,
    *,
    app_id: str = "",
    app_password: str = "",
    tenant_id: str = "",
    app_type: str = "MultiTenant",
    public_base_url: str,
    recognition: Recognition | None = None,
    directory: Directory | None = None,
    tenants: TenantEndpoints | None = None,
    installer: AppInstaller | None = None,
) -> TeamsChannel:
    """An empty app id runs in Bot Framework Emulator mode: no authentication either way.

    With `recognition`, reward admins send rewards (typed, the message extension, or a CSV file) and
    recipients spend them; `directory` finds colleagues by email for the dialog and CSV files.
    With `tenants`, each tenant's Connector URL and bot account are remembered from its activities, so
    people there can be reached by id (adapters.teams.tenants). With `installer` (Microsoft Graph), a
    recipient who lacks the app gets it installed, then the message (adapters.teams.install).
    """
    _check_credentials(app_id, tenant_id, app_type)
    speed_up_msrest()
    credentials = BotCredentials(
        APP_ID=app_id, APP_PASSWORD=app_password, APP_TENANTID=tenant_id, APP_TYPE=app_type
    )
    adapter = CloudAdapter(CachingBotFrameworkAuthentication(credentials))
    adapter.on_turn_error = on_turn_error
    if tenants is not None:
        adapter.use(RememberTenants(tenants))
    if not app_id:
        log.warning(
            "MICROSOFT_APP_ID is empty: Teams runs in Emulator mode and accepts unauthenticated requests"
        )
    elif not public_base_url.startswith("https://"):
        log.warning(
            "Teams opens the checkout dialog only over HTTPS", extra={"public_base_url": public_base_url}
        )
    return TeamsChannel(
        bot=VoucherBot(checkout, app_id, recognition, directory),
        adapter=adapter,
        sender=TeamsSender(adapter, app_id, installer),
        authenticated=bool(app_id),
    )


def _check_credentials(app_id: str, tenant_id: str, app_type: str) -> None:
    # The SDK would silently treat an unknown type as MultiTenant, and fail late with a bare Exception.
    if app_type.lower() not in APP_TYPES:
        raise ValueError(
            f"Bot Framework app type must be one of {', '.join(APP_TYPES.values())}, not {app_type!r}"
        )
    if app_type.lower() != "multitenant" and not (app_id and tenant_id):
        raise ValueError(f"a {APP_TYPES[app_type.lower()]} bot needs both its app id and its tenant id")
