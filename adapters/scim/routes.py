"""The SCIM endpoints (/scim/v2) behind the bearer token: Users (users.py), the discovery
endpoints, and SCIM error bodies for anything else.

Request bodies are never logged: they are personal data.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.scim.answers import LIST, PREFIX, ScimError, scim_json
from adapters.scim.discovery import resource_types, schemas
from adapters.scim.resource import BadResource
from adapters.scim.users import MAX_COUNT, ScimUsers
from core.hris import HrPeople
from core.ports import Clock
from core.pushed_users import PushedUserStore

OPENAPI = Path(__file__).with_name("openapi.json")
# The methods each endpoint takes, for a 405's Allow header (RFC 9110 §15.5.6); ".../{id}" is one
# resource.
ALLOWED = {
    "Users": "GET, POST",
    "Users/{id}": "GET, PUT, PATCH, DELETE",
    "ServiceProviderConfig": "GET",
    "ResourceTypes": "GET",
    "ResourceTypes/{id}": "GET",
    "Schemas": "GET",
    "Schemas/{id}": "GET",
}
Handler = Callable[[web.Request], Awaitable[web.Response]]


@dataclass(frozen=True)
class ScimApi:
    """Users pushed by Microsoft Entra ID, Okta or any SCIM client holding the token."""

    users: PushedUserStore
    people: HrPeople
    token: str
    clock: Clock
    public_base_url: str

    def mount(self, app: web.Application) -> None:
        users = ScimUsers(self.users, self.people, self.clock, self.public_base_url)
        app.router.add_routes(
            [
                web.post(f"{PREFIX}/Users", self._guarded(users.create)),
                web.get(f"{PREFIX}/Users", self._guarded(users.search)),
                web.get(f"{PREFIX}/Users/{{id}}", self._guarded(users.get)),
                web.put(f"{PREFIX}/Users/{{id}}", self._guarded(users.replace)),
                web.patch(f"{PREFIX}/Users/{{id}}", self._guarded(users.patch)),
                web.delete(f"{PREFIX}/Users/{{id}}", self._guarded(users.delete)),
                web.get(f"{PREFIX}/ServiceProviderConfig", self._guarded(self.configuration)),
                web.get(f"{PREFIX}/ResourceTypes", self._guarded(self.resource_types)),
                web.get(f"{PREFIX}/ResourceTypes/{{id}}", self._guarded(self.resource_types)),
                web.get(f"{PREFIX}/Schemas", self._guarded(self.schemas)),
                web.get(f"{PREFIX}/Schemas/{{id}}", self._guarded(self.schemas)),
                web.get(f"{PREFIX}/openapi.json", self.openapi),  # public, as API descriptions are
                web.route("*", f"{PREFIX}/{{unknown:.*}}", self._guarded(self.unknown)),
            ]
        )

    def _guarded(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.Response:
            try:
                self._authenticate(request)
                return await handler(request)
            except ScimError as exc:
                return exc.response()
            except BadResource as exc:
                return ScimError(400, str(exc), exc.scim_type).response()

        return guarded

    def _authenticate(self, request: web.Request) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.encode(), self.token.encode()
        ):
            raise ScimError(401, "a valid bearer token is required")

    # --- discovery -------------------------------------------------------------------------------

    async def configuration(self, request: web.Request) -> web.Response:
        unsupported = {"supported": False}
        return scim_json(
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                "patch": {"supported": True},
                "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
                "filter": {"supported": True, "maxResults": MAX_COUNT},
                "changePassword": unsupported,
                "sort": unsupported,
                "etag": {"supported": True},
                "authenticationSchemes": [
                    {
                        "type": "oauthbearertoken",
                        "name": "Bearer token",
                        "description": "The SCIM_TOKEN set on the server",
                    }
                ],
            }
        )

    async def openapi(self, request: web.Request) -> web.Response:
        return web.Response(body=OPENAPI.read_bytes(), content_type="application/json")

    async def unknown(self, request: web.Request) -> web.Response:
        """Answers in SCIM's error format, also for a method a known endpoint does not take
        (405)."""
        endpoint, _, rest = request.match_info["unknown"].partition("/")
        allowed = None if "/" in rest else ALLOWED.get(f"{endpoint}/{{id}}" if rest else endpoint)
        if allowed is not None:
            raise ScimError(
                405, f"{request.method} is not allowed on /{endpoint}", headers={"Allow": allowed}
            )
        raise ScimError(404, f"no SCIM endpoint {request.path}")

    async def resource_types(self, request: web.Request) -> web.Response:
        return _listed(request, resource_types(self.public_base_url + PREFIX))

    async def schemas(self, request: web.Request) -> web.Response:
        return _listed(request, schemas(self.public_base_url + PREFIX))


def _listed(request: web.Request, resources: list[dict[str, Any]]) -> web.Response:
    """A discovery list, or the one resource its id names (404 when none does)."""
    wanted = request.match_info.get("id")
    if wanted is None:
        return scim_json(
            {
                "schemas": [LIST],
                "totalResults": len(resources),
                "startIndex": 1,
                "itemsPerPage": len(resources),
                "Resources": resources,
            }
        )
    found = next((r for r in resources if r["id"] == wanted), None)
    if found is None:
        raise ScimError(404, f"no {wanted}")
    return scim_json(found)
