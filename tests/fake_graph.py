"""A strict local Microsoft Graph (v1.0) and Entra token endpoint, for Teams reach.

Written from Microsoft's public docs: client-credentials tokens (`/{tenant}/oauth2/v2.0/token`,
scope `https://graph.microsoft.com/.default`), `GET /users` with `$filter` on mail /
userPrincipalName, `GET /users/{id}`, proactive app installation (`POST
/users/{id}/teamwork/installedApps` with `teamsApp@odata.bind`, 409 when installed already), the
installations list filtered by `teamsApp/id` and `GET …/installedApps/{id}/chat`, throttling (429 +
Retry-After). It refuses what Graph refuses: no or unknown token (401), a missing application
permission (403), unknown users or apps (404), filters it does not support (400).
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

INSTALL = "TeamsAppInstallation.ReadWriteSelfForUser.All"
READ_USERS = "User.Read.All"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_USER_FILTER = re.compile(
    r"^mail eq '(?P<a>(?:[^']|'')*)'(?: or userPrincipalName eq '(?P<b>(?:[^']|'')*)')?$"
)
_APP_FILTER = re.compile(r"^teamsApp/id eq '(?P<id>[^']+)'$")


@dataclass
class GraphUser:
    id: str  # Entra object id
    display_name: str
    mail: str
    upn: str = ""


@dataclass
class FakeGraph:
    """Control: `users`, `catalog_id`, `granted` permissions, `throttle(times, retry_after)`."""

    tenant: str
    client_id: str
    client_secret: str
    catalog_id: str
    on_install: Callable[[str], str]  # (user id) -> the 1:1 chat id Teams made for the bot
    granted: set[str] = field(default_factory=lambda: {INSTALL, READ_USERS})
    users: dict[str, GraphUser] = field(default_factory=dict)
    installed: dict[str, tuple[str, str]] = field(
        default_factory=dict
    )  # user id -> (installation id, chat id)
    calls: list[tuple[str, str, int]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _tokens: set[str] = field(default_factory=set)
    _throttle: list[float] = field(default_factory=list)
    _server: TestServer | None = None

    async def start(self) -> str:
        self._server = TestServer(self.app(), host="127.0.0.1")
        await self._server.start_server()
        return self.url

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return str(self._server.make_url("")).rstrip("/")

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1.0"

    @property
    def token_url(self) -> str:
        return f"{self.url}/{self.tenant}/oauth2/v2.0/token"

    def add_user(self, user: GraphUser) -> None:
        self.users[user.id] = user

    def throttle(self, times: int, retry_after: float) -> None:
        self._throttle.extend([retry_after] * times)

    def made(self, method: str, fragment: str) -> list[tuple[str, str, int]]:
        return [c for c in self.calls if c[0] == method and fragment in c[1]]

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._strict])
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get("/v1.0/users", self._list_users)
        app.router.add_get("/v1.0/users/{user}", self._get_user)
        app.router.add_post("/v1.0/users/{user}/teamwork/installedApps", self._install)
        app.router.add_get("/v1.0/users/{user}/teamwork/installedApps", self._installations)
        app.router.add_get(
            "/v1.0/users/{user}/teamwork/installedApps/{installation}/chat", self._chat
        )
        return app

    @web.middleware
    async def _strict(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response: web.StreamResponse
        if request.match_info.route.resource is None:
            self.errors.append(f"unexpected request {request.method} {request.path}")
            response = _error(400, "BadRequest", "Resource not found for the segment")
        elif request.path.startswith("/v1.0/") and self._throttle:
            response = _error(
                429,
                "TooManyRequests",
                "Too many requests",
                {"Retry-After": f"{self._throttle.pop(0):g}"},
            )
        elif request.path.startswith("/v1.0/") and not self._authorized(request):
            response = _error(
                401, "InvalidAuthenticationToken", "Access token is empty or invalid."
            )
        else:
            response = await handler(request)
        self.calls.append((request.method, request.path_qs, response.status))
        return response

    def _authorized(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return scheme == "Bearer" and token in self._tokens

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if request.match_info["tenant"] != self.tenant:
            return web.json_response({"error": "invalid_tenant"}, status=400)
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("scope") != "https://graph.microsoft.com/.default"
        ):
            return web.json_response({"error": "invalid_request"}, status=400)
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return web.json_response({"error": "invalid_client"}, status=401)
        token = secrets.token_urlsafe(24)
        self._tokens.add(token)
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3599, "access_token": token}
        )

    async def _list_users(self, request: web.Request) -> web.Response:
        if READ_USERS not in self.granted:
            return _error(403, "Authorization_RequestDenied", "Insufficient privileges")
        match = _USER_FILTER.match(request.query.get("$filter", ""))
        if match is None:
            self.errors.append(f"unsupported users filter {request.query.get('$filter')!r}")
            return _error(400, "Request_UnsupportedQuery", "Unsupported query.")
        wanted = {(match.group(g) or "").replace("''", "'").lower() for g in ("a", "b")} - {""}
        found = [
            u for u in self.users.values() if u.mail.lower() in wanted or u.upn.lower() in wanted
        ]
        return web.json_response({"value": [_user(u) for u in found]})

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self._user(request)
        return web.json_response(_user(user)) if user else _not_found()

    async def _install(self, request: web.Request) -> web.Response:
        user = self._user(request)
        if INSTALL not in self.granted:
            return _error(403, "Forbidden", "Missing role permissions on the request.")
        if user is None:
            return _not_found()
        body = await request.json()
        binding = str(body.get("teamsApp@odata.bind", "")) if isinstance(body, dict) else ""
        if binding != f"{self.base_url}/appCatalogs/teamsApps/{self.catalog_id}":
            self.errors.append(f"install with a wrong teamsApp binding {binding!r}")
            return _error(
                404 if binding.startswith(self.base_url) else 400, "NotFound", "App not found"
            )
        if user.id in self.installed:
            return _error(409, "Conflict", "App is already installed.")
        self.installed[user.id] = (f"{uuid.uuid4()}", self.on_install(user.id))
        return web.Response(status=201)

    async def _installations(self, request: web.Request) -> web.Response:
        user = self._user(request)
        if user is None:
            return _not_found()
        match = _APP_FILTER.match(request.query.get("$filter", ""))
        if match is None or request.query.get("$expand") != "teamsApp":
            self.errors.append(
                "installedApps listed without $expand=teamsApp and a teamsApp/id filter"
            )
            return _error(400, "BadRequest", "Unsupported query.")
        installation = self.installed.get(user.id)
        value = []
        if installation is not None and match.group("id") == self.catalog_id:
            value.append(
                {
                    "id": installation[0],
                    "teamsApp": {
                        "id": self.catalog_id,
                        "displayName": "voucherbot",
                        "distributionMethod": "organization",
                    },
                }
            )
        return web.json_response({"value": value})

    async def _chat(self, request: web.Request) -> web.Response:
        user = self._user(request)
        installation = self.installed.get(user.id) if user else None
        if installation is None or installation[0] != request.match_info["installation"]:
            return _not_found()
        return web.json_response({"id": installation[1], "chatType": "oneOnOne", "topic": None})

    def _user(self, request: web.Request) -> GraphUser | None:
        key = request.match_info["user"].lower()
        return self.users.get(key) or next(
            (u for u in self.users.values() if u.upn.lower() == key), None
        )


def _user(user: GraphUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "displayName": user.display_name,
        "mail": user.mail,
        "userPrincipalName": user.upn or user.mail,
    }


def _not_found() -> web.Response:
    return _error(404, "Request_ResourceNotFound", "Resource does not exist.")


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    body = {
        "error": {"code": code, "message": message, "innerError": {"request-id": str(uuid.uuid4())}}
    }
    return web.json_response(body, status=status, headers=headers)
