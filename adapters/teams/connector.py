"""Bot Framework authentication that reuses Connector clients (their HTTP on the event loop:
adapters.teams.transport), and the msrest fix that makes them cheap."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectorFactory,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)
from msrest.serialization import Serializer
from msrest.universal_http.requests import ClientRetryPolicy

from adapters.teams.answer import SentAsIs
from adapters.teams.service_urls import ServiceUrlPolicy
from adapters.teams.transport import ConnectorTransport

CACHE_SIZE = 256  # service URLs (one per region, sometimes per tenant) times audiences
CONNECTOR_TIMEOUT_SECONDS = 20


def speed_up_msrest() -> None:
    """Make msrest's ClientRetryPolicy cheap to build: it scans `safe_codes` 999 times per
    constructor.

    botbuilder builds a ConnectorClient (and a token client) per turn, each with a new
    ClientRetryPolicy; a list made that a linear scan per status code and a third of a turn's CPU.
    Same codes, set lookup.

    And let a card that is already JSON (answer.SentAsIs) through as it is: msrest's
    serialize_object walks an `object`-typed value (an attachment's content) value by value, which
    for a catalog card was the largest share of a turn. Idempotent: the wrapped method is wrapped
    once.
    """
    ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]
    original = Serializer.serialize_object
    if getattr(original, "_passes_json", False):
        return

    def serialize_object(self: Serializer, attr: Any, **kwargs: Any) -> Any:
        if type(attr) is SentAsIs:
            return attr
        return original(self, attr, **kwargs)

    serialize_object._passes_json = True  # type: ignore[attr-defined]
    Serializer.serialize_object = serialize_object  # type: ignore[method-assign]


@dataclass(frozen=True)
class BotCredentials:
    """The configuration object ConfigurationBotFrameworkAuthentication reads (by these attribute
    names).

    The cloud keys (adapters.teams.cloud) are all set or all None: with any one set the SDK expects
    all.
    """

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TENANTID: str = ""
    APP_TYPE: str = "MultiTenant"
    CHANNEL_SERVICE: str | None = None
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str | None = None
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str | None = None
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str | None = None
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str | None = None
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str | None = None
    OAUTH_URL: str | None = None
    CALLER_ID: str | None = None


class CachingBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication):
    """The SDK's authentication, but Connector and token clients are built once per bot and service
    URL, and only for service URLs the policy allows (adapters.teams.service_urls), in and out."""

    def __init__(
        self,
        credentials: BotCredentials,
        *,
        policy: ServiceUrlPolicy | None = None,
        credentials_factory: ServiceClientCredentialsFactory | None = None,
        verify: bool | str = True,
    ) -> None:
        super().__init__(credentials, credentials_factory=credentials_factory)
        self._policy = policy or ServiceUrlPolicy.emulator()
        self._verify = verify
        self._transport = ConnectorTransport(verify, CONNECTOR_TIMEOUT_SECONDS)
        self._connectors: OrderedDict[tuple[str, str, str], ConnectorClient] = OrderedDict()
        self._token_clients: dict[str, UserTokenClient] = {}

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        try:
            result = await super().authenticate_request(activity, auth_header)
        except (jwt.InvalidTokenError, IndexError, KeyError) as exc:
            # The SDK lets a malformed token or an unknown key id escape as a decode or lookup error
            # (HTTP 500); either is unauthorised.
            raise PermissionError("malformed bearer token") from exc
        # Checked after the token: with credentials, only a caller Bot Framework vouches for learns
        # this.
        self._policy.check(activity.service_url)
        if result.connector_factory is not None:
            result.connector_factory = _CachedConnectorFactory(
                self, result.connector_factory, result.claims_identity
            )
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _CachedConnectorFactory(
            self, super().create_connector_factory(claims_identity), claims_identity
        )

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app_id = _bot_app_id(claims_identity)
        if app_id not in self._token_clients:
            self._token_clients[app_id] = await super().create_user_token_client(claims_identity)
        return self._token_clients[app_id]

    async def connector(
        self, key: tuple[str, str, str], inner: ConnectorFactory
    ) -> ConnectorClient:
        client = self._connectors.get(key)
        if client is None:
            self._policy.check(key[1])  # proactive sends use stored addresses: checked here too
            client = _without_hidden_retries(await inner.create(key[1], key[2] or None))
            client.config.connection.verify = self._verify
            client.config.pipeline = self._transport.pipeline(client.config)
            self._connectors[key] = client
            if len(self._connectors) > CACHE_SIZE:
                self._connectors.popitem(last=False)
        self._connectors.move_to_end(key)
        return client

    async def close(self) -> None:
        """End the Connector clients' connections (on shutdown)."""
        await self._transport.close()


class _CachedConnectorFactory(ConnectorFactory):
    def __init__(
        self,
        owner: CachingBotFrameworkAuthentication,
        inner: ConnectorFactory,
        claims_identity: ClaimsIdentity,
    ) -> None:
        self._owner = owner
        self._inner = inner
        self._app_id = _bot_app_id(claims_identity)

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        return await self._owner.connector((self._app_id, service_url, audience or ""), self._inner)


def _bot_app_id(claims_identity: ClaimsIdentity | None) -> str:
    # The same rule the SDK uses to pick the credentials for outbound calls: audience first, then
    # appid.
    claims: dict[str, Any] = claims_identity.claims if claims_identity is not None else {}
    return str(
        claims.get(AuthenticationConstants.AUDIENCE_CLAIM)
        or claims.get(AuthenticationConstants.APP_ID_CLAIM)
        or ""
    )


def _without_hidden_retries(client: ConnectorClient) -> ConnectorClient:
    """Our outbox owns retries: msrest must neither repeat a POST (duplicate cards) nor sleep on
    Retry-After.

    By default urllib3 retries 5xx three times with backoff inside a worker thread and swallows the
    status; with no status retries the Connector's 429/5xx reach us with their Retry-After header.
    """
    policy = client.config.retry_policy.policy
    policy.total = policy.connect = policy.read = 0
    policy.status_forcelist = frozenset()
    client.config.connection.timeout = CONNECTOR_TIMEOUT_SECONDS
    return client
