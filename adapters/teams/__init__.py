"""Microsoft Teams channel: a Bot Framework bot on CloudAdapter, mounted at POST /api/messages."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from ssl import SSLContext

import jwt
import requests
from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter

from adapters.teams.bot import VoucherBot, on_turn_error
from adapters.teams.cloud import BotFrameworkCloud
from adapters.teams.connector import (
    BotCredentials,
    CachingBotFrameworkAuthentication,
    speed_up_msrest,
)
from adapters.teams.credentials import PasswordCredentialsFactory
from adapters.teams.desks import Desks
from adapters.teams.platform import MESSAGES_PATH, TEAMS
from adapters.teams.sender import TeamsSender
from adapters.teams.service_urls import DOCUMENTED_HOSTS, ServiceUrlPolicy, ServiceUrlRefused
from adapters.teams.tenants import RememberTenants
from core.approvals import Approvals
from core.checkout import Checkout
from core.gifting import Gifts
from core.group_gifts import GroupGifts
from core.ports import Directory, PendingConfirmations, TenantEndpoints
from core.reach import AppInstaller
from core.recognition import Recognition

__all__ = ["MESSAGES_PATH", "TEAMS", "BotFrameworkCloud", "TeamsChannel", "build_teams"]

log = logging.getLogger(__name__)
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

    async def close(self) -> None:
        """End the Connector clients' HTTP connections (on shutdown)."""
        authentication = self.adapter.bot_framework_authentication
        if isinstance(authentication, CachingBotFrameworkAuthentication):
            await authentication.close()

    async def messages(self, request: web.Request) -> web.Response:
        # CloudAdapter validates the JWT (401 without a valid one, unless in Emulator mode) and runs
        # the turn; it answers 500 to a body that is not a JSON object, so those are refused here
        # first.
        if request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType(text="send application/json")
        try:
            body = (
                await request.json()
            )  # aiohttp keeps the body, so the adapter reads it again for free
        except ValueError:
            raise web.HTTPBadRequest(text="the body is not JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="the body is not an activity")
        if self.authenticated and not _bot_framework_shaped(
            request.headers.get("Authorization", "")
        ):
            # Refused before the SDK fetches signing keys: Bot Framework only signs with RS256.
            raise web.HTTPUnauthorized(text="a Bot Framework token is required")
        try:
            response = await self.adapter.process(request, self.bot)
        except ServiceUrlRefused:
            raise web.HTTPForbidden(text="this serviceUrl is not one the bot answers") from None
        except requests.RequestException:
            log.warning("could not fetch the Bot Framework signing keys to check a token")
            raise web.HTTPServiceUnavailable(
                text="cannot check tokens right now", headers={"Retry-After": "30"}
            ) from None
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
    cloud: BotFrameworkCloud | None = None,
    service_url_hosts: Sequence[str] = DOCUMENTED_HOSTS,
    ca_file: str | None = None,
    ssl: SSLContext | None = None,
    confirmations: PendingConfirmations | None = None,
    installer: AppInstaller | None = None,
    gifts: Gifts | None = None,
    approvals: Approvals | None = None,
    group_gifts: GroupGifts | None = None,
) -> TeamsChannel:
    """An empty app id runs in Bot Framework Emulator mode: no authentication either way, and only
    loopback service URLs (the Emulator's); with one, tokens are checked against `cloud` (the public
    cloud by default) and Connector calls go only to `service_url_hosts`. `ca_file` replaces the
    built-in CA certificates for Azure AD and the Connector (a TLS-intercepting proxy's), `ssl` the
    same for files people send the bot.

    With `recognition`, reward admins send rewards (typed, the message extension, or a CSV file) and
    recipients spend them; `directory` finds colleagues by email for the dialog and CSV files;
    `confirmations` keeps what awaits Send, shared by replicas (required with `recognition`). With
    `tenants`, each tenant's Connector URL and bot account are remembered from its activities, so
    people there can be reached by id (adapters.teams.tenants). With `installer` (Microsoft Graph),
    a recipient who lacks the app gets it installed, then the message (adapters.teams.install).
    """
    _check_credentials(app_id, tenant_id, app_type)
    if recognition is not None and confirmations is None:
        raise ValueError("Teams rewards need a store for pending confirmations (confirmations=)")
    speed_up_msrest()
    authentication = _authentication(
        app_id,
        app_password,
        tenant_id,
        app_type,
        cloud or BotFrameworkCloud(),
        service_url_hosts,
        ca_file,
    )
    adapter = CloudAdapter(authentication)
    adapter.on_turn_error = on_turn_error
    if tenants is not None:
        adapter.use(RememberTenants(tenants))
    if not app_id:
        log.warning(
            "MICROSOFT_APP_ID is empty: Teams runs in Emulator mode and accepts unauthenticated "
            "requests, "
            "so it listens on loopback only and answers only loopback serviceUrls (the Emulator's)"
        )
    elif not public_base_url.startswith("https://"):
        log.warning(
            "Teams opens the checkout dialog only over HTTPS",
            extra={"public_base_url": public_base_url},
        )
    return TeamsChannel(
        bot=VoucherBot(
            Desks.build(
                checkout,
                app_id=app_id,
                recognition=recognition,
                directory=directory,
                ssl=ssl,
                confirmations=confirmations,
                gifts=gifts,
                approvals=approvals,
                group_gifts=group_gifts,
            )
        ),
        adapter=adapter,
        sender=TeamsSender(adapter, app_id, installer),
        authenticated=bool(app_id),
    )


def _authentication(
    app_id: str,
    app_password: str,
    tenant_id: str,
    app_type: str,
    cloud: BotFrameworkCloud,
    service_url_hosts: Sequence[str],
    ca_file: str | None,
) -> CachingBotFrameworkAuthentication:
    verify: bool | str = ca_file or True
    if not app_id:
        return CachingBotFrameworkAuthentication(
            BotCredentials(), policy=ServiceUrlPolicy.emulator(), verify=verify
        )
    if not service_url_hosts:
        raise ValueError(
            "with a Bot Framework app id, at least one Teams service URL host must be allowed"
        )
    credentials = BotCredentials(
        APP_ID=app_id,
        APP_PASSWORD=app_password,
        APP_TENANTID=tenant_id,
        APP_TYPE=app_type,
        **cloud.sdk_configuration(tenant_id if app_type.lower() == "singletenant" else ""),
    )
    # A managed identity gets its tokens from Azure itself: the SDK's own factory does that.
    factory = (
        PasswordCredentialsFactory(app_id, app_password, verify=verify)
        if app_type.lower() != "userassignedmsi"
        else None
    )
    policy = ServiceUrlPolicy(tuple(host.lower() for host in service_url_hosts))
    return CachingBotFrameworkAuthentication(
        credentials, policy=policy, credentials_factory=factory, verify=verify
    )


def _check_credentials(app_id: str, tenant_id: str, app_type: str) -> None:
    # The SDK would silently treat an unknown type as MultiTenant, and fail late with a bare
    # Exception.
    if app_type.lower() not in APP_TYPES:
        raise ValueError(
            f"Bot Framework app type must be one of {', '.join(APP_TYPES.values())}, not "
            f"{app_type!r}"
        )
    if app_type.lower() != "multitenant" and not (app_id and tenant_id):
        raise ValueError(
            f"a {APP_TYPES[app_type.lower()]} bot needs both its app id and its tenant id"
        )
