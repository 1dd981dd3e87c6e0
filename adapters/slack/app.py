"""Builds the Slack channel: a Bolt AsyncApp with voucherbot's listeners, its sender and its routes.

`process_before_response=True`: the HTTP response is written as soon as a listener returns, and our
listeners return right after `ack()` (slow work runs in `Background`). With the default (False),
Bolt runs the listener as a detached task and polls every 10 ms for the ack, which measured about 10
ms late per request, and an exception after the ack never reaches the HTTP response. The same
setting works unchanged over Socket Mode.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from ssl import SSLContext
from typing import Any
from urllib.parse import urlparse

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.chatkit import Background
from adapters.slack.approval_listeners import register_approvals
from adapters.slack.bulk_listener import register_bulk
from adapters.slack.directory import SlackDirectory, UserDirectory
from adapters.slack.files import FileFetcher
from adapters.slack.front_door import FrontDoor, Refused
from adapters.slack.http import SharedRespond, SharedSessions
from adapters.slack.installations import EncryptedInstallationStore, SecretBox, WideSecretColumns
from adapters.slack.listeners import register
from adapters.slack.locales import SlackLocales
from adapters.slack.manifest import BOT_SCOPES, EVENTS_PATH, OAUTH_REDIRECT_PATH
from adapters.slack.reward_listeners import register_rewards
from adapters.slack.sender import SlackSender, TokenFor, sdk_logger, webhook_client
from adapters.slack.socket_limits import Limit, socket_mode_limit
from adapters.slack.workspace import WorkspaceDirectory
from core.approvals import Approvals
from core.checkout import Checkout
from core.confirmations import Confirmations
from core.errors import DeliveryError
from core.gifting import Gifts
from core.group_gifts import GroupGifts
from core.ports import PendingConfirmations
from core.recognition import Recognition

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
OAUTH_STATE_SECONDS = 600
DEFAULT_API_URL = "https://slack.com/api/"
DIRECTORY_TTL_SECONDS = 3600.0
BOLT_TIMEOUT = 30.0  # slack_sdk's default, kept for Bolt's client and respond()
SENDER_TIMEOUT = 10.0

ClientFor = Callable[
    [str, str | None], Awaitable[AsyncWebClient]
]  # (team, enterprise) -> bot client


@dataclass
class SlackChannel:
    """Everything the server needs from Slack: the Bolt app, the outbox sender, routes and
    lifecycle."""

    app: AsyncApp
    sender: SlackSender
    background: Background
    front_door: FrontDoor
    app_token: str | None = None
    engine: AsyncEngine | None = None
    users: UserDirectory = field(default_factory=UserDirectory)
    client_for: ClientFor | None = None
    http: SharedSessions = field(default_factory=SharedSessions)
    _socket: AsyncSocketModeHandler | None = field(default=None, init=False)
    _closed: bool = field(default=False, init=False)

    @property
    def oauth_flow(self) -> AsyncOAuthFlow | None:
        return self.app.oauth_flow

    def mount(self, web_app: web.Application) -> None:
        """Add `POST /slack/events` and, for multi-workspace installs, the OAuth routes."""
        web_app.router.add_post(EVENTS_PATH, self._events)
        if self.oauth_flow is not None:
            web_app.router.add_get(INSTALL_PATH, self._install)
            web_app.router.add_get(OAUTH_REDIRECT_PATH, self._oauth_redirect)
            web_app.on_startup.append(self._create_oauth_tables)
        web_app.on_cleanup.append(self._cleanup)

    async def start_socket_mode(self, limit: Limit | None = None) -> None:
        """Connect to Slack over a WebSocket (no public URL needed); returns once connected.

        `limit` counts each person's Socket Mode requests against the HTTP requests' buckets."""
        if not self.app_token:
            raise RuntimeError("Socket Mode needs an app-level token (SLACK_APP_TOKEN)")
        if limit is not None:
            self.app.use(socket_mode_limit(limit))
        self._socket = AsyncSocketModeHandler(self.app, app_token=self.app_token)
        await self._socket.connect_async()

    async def directory_for(self, team_id: str, enterprise_id: str | None = None) -> SlackDirectory:
        """core.ports.Directory for one workspace (bulk and HR-system rewards find people by
        email)."""
        if self.client_for is None:
            raise RuntimeError("this Slack channel has no way to call the Web API")
        client = await self.client_for(team_id, enterprise_id)
        return SlackDirectory(self.users, client, team_id, enterprise_id or "")

    def workspace_directory(self) -> WorkspaceDirectory | None:
        """core.ports.Directory of a single-workspace install (its team learnt with auth.test on
        first use); None for multi-workspace installs, where an email alone does not say which
        workspace is meant."""
        if self.oauth_flow is not None or self.client_for is None:
            return None
        return WorkspaceDirectory(self.client_for, self.directory_for)

    async def drain(self) -> None:
        """Wait for work started after acknowledging Slack (orders, wallet, App Home)."""
        await self.background.drain()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._socket is not None:
            await self._socket.close_async()
        await self.drain()
        if self.engine is not None:
            await self.engine.dispose()
        await self.http.close()

    async def create_oauth_tables(self) -> None:
        """Create Bolt's installation and OAuth state tables if missing (idempotent)."""
        settings = self.oauth_flow.settings if self.oauth_flow else None
        if settings is None:
            return
        for store in (settings.installation_store, settings.state_store):
            await store.create_tables()  # type: ignore[union-attr]

    async def _create_oauth_tables(self, _web_app: web.Application) -> None:
        await self.create_oauth_tables()

    async def _cleanup(self, _web_app: web.Application) -> None:
        await self.close()

    async def _events(self, request: web.Request) -> web.Response:
        try:
            self.front_door.check(await request.read(), request.headers, request.content_type)
        except Refused as refused:
            log.warning(
                "slack request refused: %s", refused.reason, extra={"status": refused.status}
            )
            return web.Response(status=refused.status, text=refused.reason)
        try:
            bolt_request = await to_bolt_request(request)
        except (
            ValueError
        ):  # a Content-Type Bolt reads differently from the front door (defence in depth)
            return web.Response(status=400, text="the body is not what its Content-Type says")
        self._share_connections(bolt_request.context)
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    def _share_connections(self, context: dict[str, Any] | None = None) -> None:
        """Bolt's client and `respond()` post through the process's shared connections (see
        http.py)."""
        client = self.app.client
        if client.session is None or client.session.closed:
            client.session = self.http.session(BOLT_TIMEOUT)
        url = context.get("response_url") if context is not None else None
        if url:
            context["respond"] = SharedRespond(  # type: ignore[index]
                url, self.http, BOLT_TIMEOUT, proxy=client.proxy, ssl=client.ssl
            )

    async def _install(self, request: web.Request) -> web.Response:
        assert self.oauth_flow is not None
        return await to_aiohttp_response(
            await self.oauth_flow.handle_installation(await to_bolt_request(request))
        )

    async def _oauth_redirect(self, request: web.Request) -> web.Response:
        assert self.oauth_flow is not None
        return await to_aiohttp_response(
            await self.oauth_flow.handle_callback(await to_bolt_request(request))
        )


def build_slack(
    checkout: Checkout,
    *,
    signing_secret: str,
    public_base_url: str,
    bot_token: str | None = None,
    api_url: str | None = None,
    app_token: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    oauth_database_url: str | None = None,
    secret_box: SecretBox | None = None,
    recognition: Recognition | None = None,
    confirmations: PendingConfirmations | None = None,
    approvals: Approvals | None = None,
    directory_ttl_seconds: float = DIRECTORY_TTL_SECONDS,
    ssl: SSLContext | None = None,
    gifts: Gifts | None = None,
    group_gifts: GroupGifts | None = None,
) -> SlackChannel:
    """Single workspace with `bot_token`, or multi-workspace OAuth with `client_id`/`client_secret`.

    With `recognition`, rewards are on: `/reward` (and its form), bulk CSV files in the app's DM,
    and Choose your voucher; `confirmations` then keeps what awaits Send, shared by replicas
    (required). People are cached per workspace for `directory_ttl_seconds`. `ssl` replaces the
    default CA certificates for every call to Slack (Web API, Socket Mode, file downloads). OAuth
    installs keep their tokens encrypted with `secret_box` (required with `client_id`)."""
    if recognition is not None and confirmations is None:
        raise ValueError("Slack rewards need a store for pending confirmations (confirmations=)")
    base_url = _api_base(api_url)
    # Always hand Bolt a client: given none, it reads SLACK_BOT_TOKEN from the environment itself.
    client = AsyncWebClient(token=None if client_id else bot_token, base_url=base_url, ssl=ssl)
    engine, settings, token_for = None, None, None
    if client_id:
        if secret_box is None:
            raise ValueError("Slack OAuth installs need a secret_box to encrypt their tokens")
        engine = _oauth_engine(oauth_database_url)
        settings = _oauth_settings(engine, client_id, client_secret, public_base_url, secret_box)
        token_for = _installed_token(settings.installation_store)  # type: ignore[arg-type]
    elif bot_token:
        token_for = _fixed_token(bot_token)
    else:
        raise ValueError("Slack needs SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    app = AsyncApp(
        name="voucherbot",
        signing_secret=signing_secret,
        client=client,
        oauth_settings=settings,
        process_before_response=True,
        logger=logging.getLogger("adapters.slack.bolt"),
    )
    locales = SlackLocales()  # one cache of people's locales for listeners and the outbox sender
    rewards = recognition.rewards.recipient_reward if recognition else None
    background = register(
        app, checkout, rewards=rewards, locales=locales, gifts=gifts, group_gifts=group_gifts
    )
    users = UserDirectory(ttl_seconds=directory_ttl_seconds)
    if recognition is not None and confirmations is not None:
        _register_rewards(
            app, recognition, checkout, background, users, base_url, confirmations, ssl, locales
        )
    if approvals is not None:
        register_approvals(app, approvals=approvals, work=background, locales=locales)
    http = SharedSessions()
    sender = SlackSender(
        client_factory=lambda token: _web_client(token, base_url, ssl, http),
        token_for=token_for,
        webhook_factory=lambda url: webhook_client(url, http.session(SENDER_TIMEOUT)),
        locales=locales,
    )

    async def client_for(team_id: str, enterprise_id: str | None = None) -> AsyncWebClient:
        return _web_client(await token_for(team_id, enterprise_id), base_url, ssl, http)

    return SlackChannel(
        app=app,
        sender=sender,
        background=background,
        front_door=FrontDoor(signing_secret),
        app_token=app_token,
        engine=engine,
        users=users,
        client_for=client_for,
        http=http,
    )


def _register_rewards(
    app: AsyncApp,
    recognition: Recognition,
    checkout: Checkout,
    background: Background,
    users: UserDirectory,
    base_url: str,
    confirmations: PendingConfirmations,
    ssl: SSLContext | None = None,
    locales: SlackLocales | None = None,
) -> None:
    register_rewards(
        app,
        recognition=recognition,
        checkout=checkout,
        work=background,
        users=users,
        confirmations=Confirmations(recognition.sender, confirmations),
        locales=locales,
    )
    # Files come from files.slack.com; a test or proxy API host is trusted with the token too.
    fetch = FileFetcher(extra_hosts=[urlparse(base_url).hostname or ""], ssl=ssl)
    register_bulk(
        app, recognition=recognition, work=background, users=users, fetch=fetch, locales=locales
    )


def _api_base(api_url: str | None) -> str:
    # slack_sdk joins method names onto the base URL, which therefore needs its trailing slash.
    return (api_url or DEFAULT_API_URL).rstrip("/") + "/"


def _web_client(
    token: str, base_url: str, ssl: SSLContext | None, http: SharedSessions
) -> AsyncWebClient:
    # No built-in retries for outbox deliveries: the outbox retries with backoff and Retry-After.
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=int(SENDER_TIMEOUT),
        retry_handlers=[],
        ssl=ssl,
        session=http.session(SENDER_TIMEOUT),
        logger=sdk_logger(),
    )


def _oauth_engine(database_url: str | None) -> AsyncEngine:
    if not database_url:
        raise ValueError(
            "Slack OAuth installs are kept in the bot's database: DATABASE_URL is required"
        )
    if not database_url.startswith(("sqlite+aiosqlite", "postgresql+asyncpg")):
        raise ValueError(
            "DATABASE_URL must be an async URL (sqlite+aiosqlite:// or postgresql+asyncpg://)"
        )
    sqlite_path = make_url(database_url).database if database_url.startswith("sqlite") else None
    if sqlite_path:
        _private_file(Path(sqlite_path).expanduser())
    # hide_parameters: the installation rows hold bot tokens; no SQL log or error text may show
    # them.
    return create_async_engine(database_url, pool_pre_ping=True, hide_parameters=True)


def _private_file(path: Path) -> None:
    # The same rule as the bot's own database (adapters/db/engine.py), which may not have opened it
    # yet: owner-only folder (when created here) and file.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _oauth_settings(
    engine: AsyncEngine,
    client_id: str,
    client_secret: str | None,
    public_base_url: str,
    box: SecretBox,
) -> AsyncOAuthSettings:
    if not client_secret:
        raise ValueError("SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is not")
    # Every value is explicit: AsyncOAuthSettings falls back to SLACK_* environment variables.
    return AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=public_base_url.rstrip("/") + OAUTH_REDIRECT_PATH,
        install_path=INSTALL_PATH,
        redirect_uri_path=OAUTH_REDIRECT_PATH,
        installation_store=EncryptedInstallationStore(
            WideSecretColumns(client_id=client_id, engine=engine), box
        ),
        installation_store_bot_only=True,
        state_store=AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=OAUTH_STATE_SECONDS, engine=engine
        ),
        state_expiration_seconds=OAUTH_STATE_SECONDS,
    )


def _fixed_token(bot_token: str) -> TokenFor:
    async def token_for(team_id: str, enterprise_id: str | None = None) -> str:
        return bot_token

    return token_for


def _installed_token(store: AsyncInstallationStore) -> TokenFor:
    async def token_for(team_id: str, enterprise_id: str | None = None) -> str:
        bot = await store.async_find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise DeliveryError(f"voucherbot is not installed in Slack team {team_id}")
        return bot.bot_token

    return token_for
