"""Loopback stand-ins for Microsoft's identity services, strict like the real ones.

- `ChannelTokens` signs the tokens Teams puts on every activity (RS256, with a key of the test's
  own) and
  publishes the public key the way login.botframework.com does: an OpenID metadata document whose
  `jwks_uri` lists the keys, each endorsed for the channels that may use it.
- `FakeAzureAd` is the Azure AD authority the bot gets its own tokens from (OAuth client
  credentials):
  HTTPS only (MSAL refuses anything else), OpenID discovery under `{authority}/v2.0/`, a token for
  the right app id, secret and Bot Framework scope only, and a record of every token it issued so
  the fake Bot Connector can accept exactly those.
"""

from __future__ import annotations

import secrets
import ssl
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

BOT_FRAMEWORK_ISSUER = (
    "https://api.botframework.com"  # what Bot Framework puts in `iss` (public cloud)
)
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
TENANT_PATH = "botframework.com"  # the authority's tenant segment for a multi-tenant bot


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class ChannelTokens:
    """Signs channel-to-bot tokens and serves the OpenID metadata and JWKS that validate them."""

    app_id: str
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    key_id: str = field(default_factory=lambda: f"vb-{uuid.uuid4().hex[:12]}")
    endorsements: tuple[str, ...] = ("msteams",)
    fetched: int = 0
    _server: TestServer | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/v1/.well-known/keys", self._keys)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self.metadata_url

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def metadata_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return str(self._server.make_url("/v1/.well-known/openidconfiguration"))

    def token(
        self,
        service_url: str,
        *,
        audience: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
        issuer: str = BOT_FRAMEWORK_ISSUER,
        lifetime: int = 3600,
    ) -> str:
        """A token as Bot Framework issues it for one activity's `serviceUrl`."""
        now = int(time.time())
        claims = {
            "serviceurl": service_url,
            "nbf": now - 5,
            "exp": now + lifetime,
            "iss": issuer,
            "aud": audience or self.app_id,
        }
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.key_id})

    def headers(self, activity: dict[str, Any]) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(activity['serviceUrl'])}"}

    async def _metadata(self, request: web.Request) -> web.Response:
        assert self._server is not None
        return web.json_response(
            {
                "issuer": BOT_FRAMEWORK_ISSUER,
                "authorization_endpoint": "https://invalid.botframework.com/v1/auth",
                "jwks_uri": str(self._server.make_url("/v1/.well-known/keys")),
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        self.fetched += 1
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update(kid=self.key_id, use="sig", endorsements=list(self.endorsements))
        return web.json_response({"keys": [jwk]})


@dataclass
class FakeAzureAd:
    """The bot's token authority: `https://127.0.0.1:{port}/botframework.com`, over TLS with
    `server_ssl`."""

    app_id: str
    password: str
    server_ssl: ssl.SSLContext
    issued: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    _server: TestServer | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._discovery)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server(ssl=self.server_ssl)
        return self.authority

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def authority(self) -> str:
        assert self._server is not None, "start() the fake first"
        return str(self._server.make_url(f"/{TENANT_PATH}"))

    def accepts(self, authorization: str) -> bool:
        """Whether an `Authorization` header carries a token this authority issued."""
        scheme, _, token = authorization.partition(" ")
        return scheme == "Bearer" and token in self.issued

    async def _discovery(self, request: web.Request) -> web.Response:
        base = f"{self.authority.rsplit('/', 1)[0]}/{request.match_info['tenant']}"
        return web.json_response(
            {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                ],
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        problem = None
        if form.get("grant_type") != "client_credentials":
            problem = ("unsupported_grant_type", f"grant_type {form.get('grant_type')!r}")
        elif form.get("client_id") != self.app_id or form.get("client_secret") != self.password:
            problem = ("invalid_client", "AADSTS7000215: Invalid client secret provided.")
        elif BOT_FRAMEWORK_SCOPE not in str(form.get("scope", "")).split():
            problem = ("invalid_scope", f"scope {form.get('scope')!r}")
        if problem is not None:
            self.errors.append(f"token refused: {problem[1]}")
            return web.json_response(
                {"error": problem[0], "error_description": problem[1]}, status=400
            )
        token = secrets.token_urlsafe(32)
        self.issued.add(token)
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": token,
            }
        )
