"""Bot Framework authentication that reuses Connector clients, and the msrest fix that makes them cheap."""

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
    UserTokenClient,
)
from msrest.universal_http.requests import ClientRetryPolicy

CACHE_SIZE = 256  # service URLs (one per region, sometimes per tenant) times audiences
CONNECTOR_TIMEOUT_SECONDS = 20


def speed_up_msrest() -> None:
    """Make msrest's ClientRetryPolicy cheap to build: it scans `safe_codes` 999 times per constructor.

    botbuilder builds a ConnectorClient (and a token client) per turn, each with a new ClientRetryPolicy;
    a list made that a linear scan per status code and a third of a turn's CPU. Same codes, set lookup.
    """
    ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]


@dataclass(frozen=True)
class BotCredentials:
    """The configuration object ConfigurationBotFrameworkAuthentication reads (by these attribute names)."""

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TENANTID: str = ""
    APP_TYPE: str = "MultiTenant"


class CachingBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication):
    """The SDK's authentication, but Connector and token clients are built once per bot and service URL."""

    def __init__(self, credentials: BotCredentials) -> None:
        super().__init__(credentials)
        self._connectors: OrderedDict[tuple[str, str, str], ConnectorClient] = OrderedDict()
        self._token_clients: dict[str, UserTokenClient] = {}

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        try:
            result = await super().authenticate_request(activity, auth_header)
        except jwt.InvalidTokenError as exc:
            # The SDK lets a malformed token escape as a decode error (HTTP 500); it is unauthorised.
            raise PermissionError("malformed bearer token") from exc
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

    async def connector(self, key: tuple[str, str, str], inner: ConnectorFactory) -> ConnectorClient:
        client = self._connectors.get(key)
        if client is None:
            client = _without_hidden_retries(await inner.create(key[1], key[2] or None))
            self._connectors[key] = client
            if len(self._connectors) > CACHE_SIZE:
                self._connectors.popitem(last=False)
        self._connectors.move_to_end(key)
        return client


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
    # The same rule the SDK uses to pick the credentials for outbound calls: audience first, then appid.
    claims: dict[str, Any] = claims_identity.claims if claims_identity is not None else {}
    return str(
        claims.get(AuthenticationConstants.AUDIENCE_CLAIM)
        or claims.get(AuthenticationConstants.APP_ID_CLAIM)
        or ""
    )


def _without_hidden_retries(client: ConnectorClient) -> ConnectorClient:
    """Our outbox owns retries: msrest must neither repeat a POST (duplicate cards) nor sleep on Retry-After.

    By default urllib3 retries 5xx three times with backoff inside a worker thread and swallows the
    status; with no status retries the Connector's 429/5xx reach us with their Retry-After header.
    """
    policy = client.config.retry_policy.policy
    policy.total = policy.connect = policy.read = 0
    policy.status_forcelist = frozenset()
    client.config.connection.timeout = CONNECTOR_TIMEOUT_SECONDS
    return client
