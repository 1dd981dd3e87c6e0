"""The SCIM endpoints (/scim/v2): Users by bearer token, with ETags and SCIM error bodies.

Each write stores the resource first, then applies the person it describes through
core.hris.HrPeople, which is where a deactivated or deleted user's unspent rewards are cancelled.
Request bodies are never logged: they are personal data.
"""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.scim.discovery import resource_types, schemas
from adapters.scim.filters import BadFilter, parse_filter
from adapters.scim.patch import apply_patch
from adapters.scim.resource import SOURCE, BadResource, normalize, person_of, schemas_of
from core.errors import ConcurrentUpdate, DuplicateRequest, NotFound
from core.hris import HrPeople
from core.ports import Clock
from core.pushed_users import PushedUser, PushedUserStore

PREFIX = "/scim/v2"
SCIM_JSON = "application/scim+json"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
MAX_COUNT = 200
# Past any real directory, and within the databases' OFFSET (a larger one was a 500 on SQLite): an
# empty page.
MAX_START = 2**31
PATCH_RETRIES = 3
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


class ScimError(Exception):
    """An answer in RFC 7644 §3.12's error format."""

    def __init__(
        self,
        status: int,
        detail: str,
        scim_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.scim_type, self.headers = status, scim_type, headers or {}

    def response(self) -> web.Response:
        body: dict[str, Any] = {"schemas": [ERROR], "status": str(self.status), "detail": str(self)}
        if self.scim_type:
            body["scimType"] = self.scim_type
        headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if self.status == 401 else {}
        return _json(body, self.status, {**headers, **self.headers})


@dataclass(frozen=True)
class ScimApi:
    """Users pushed by Microsoft Entra ID, Okta or any SCIM client holding the token."""

    users: PushedUserStore
    people: HrPeople
    token: str
    clock: Clock
    public_base_url: str

    def mount(self, app: web.Application) -> None:
        app.router.add_routes(
            [
                web.post(f"{PREFIX}/Users", self._guarded(self.create)),
                web.get(f"{PREFIX}/Users", self._guarded(self.search)),
                web.get(f"{PREFIX}/Users/{{id}}", self._guarded(self.get)),
                web.put(f"{PREFIX}/Users/{{id}}", self._guarded(self.replace)),
                web.patch(f"{PREFIX}/Users/{{id}}", self._guarded(self.patch)),
                web.delete(f"{PREFIX}/Users/{{id}}", self._guarded(self.delete)),
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

    # --- handlers
    # ----------------------------------------------------------------------------------

    async def create(self, request: web.Request) -> web.Response:
        resource = normalize(await _body(request))
        now = self.clock.now()
        user = PushedUser(
            uuid.uuid4().hex,
            resource["userName"],
            resource.get("externalId"),
            resource,
            1,
            now,
            now,
        )
        try:
            await self.users.add(user)
        except DuplicateRequest:
            raise ScimError(409, "a user with this userName exists", "uniqueness") from None
        await self._apply(user)
        return self._answer(user, 201)

    async def get(self, request: web.Request) -> web.Response:
        user = await self._find(request)
        if _etag(user) in _tags(request.headers.get("If-None-Match")):
            return web.Response(status=304, headers={"ETag": _etag(user)})
        return self._answer(user)

    async def search(self, request: web.Request) -> web.Response:
        try:
            attribute, value = parse_filter(request.query.get("filter"))
        except BadFilter as exc:
            raise ScimError(400, str(exc), "invalidFilter") from None
        start = min(MAX_START, max(1, _integer(request.query.get("startIndex"), 1)))
        count = min(MAX_COUNT, max(0, _integer(request.query.get("count"), 100)))
        total, users = await self.users.find(attribute, value, start, count)
        body = {
            "schemas": [LIST],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": len(users),
            "Resources": [self._render(u) for u in users],
        }
        return _json(body)

    async def replace(self, request: web.Request) -> web.Response:
        current = await self._find(request)
        expected = _expected(request, current)
        body = await _body(request)
        if isinstance(body, dict) and body.get("id") not in (None, current.id):
            raise ScimError(400, "id cannot be changed", "mutability")
        return await self._store(current, normalize(body), expected)

    async def patch(self, request: web.Request) -> web.Response:
        body = await _body(request)
        for _ in range(PATCH_RETRIES):
            current = await self._find(request)
            expected = _expected(request, current)
            try:
                return await self._store(
                    current, apply_patch(current.resource, body), current.version
                )
            except ScimError as exc:
                if exc.status != 412 or expected is not None:
                    raise
            # Changed by another request meanwhile, and the client asked no precondition: patch it
            # again.
        raise ScimError(409, "the user keeps changing; try again")

    async def delete(self, request: web.Request) -> web.Response:
        current = await self._find(request)
        try:
            await self.users.remove(current.id, _expected(request, current))
        except ConcurrentUpdate:
            raise ScimError(412, "the user changed since the given ETag") from None
        except NotFound:
            raise ScimError(404, "no such user") from None
        await self._apply(current, active=False)  # a deleted user is a leaver
        return web.Response(status=204)

    async def configuration(self, request: web.Request) -> web.Response:
        unsupported = {"supported": False}
        return _json(
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

    # --- helpers
    # -----------------------------------------------------------------------------------

    async def _store(
        self, current: PushedUser, resource: dict[str, Any], expected: int | None
    ) -> web.Response:
        user = replace(
            current,
            user_name=resource["userName"],
            external_id=resource.get("externalId"),
            resource=resource,
            version=current.version + 1,
            updated_at=self.clock.now(),
        )
        try:
            await self.users.replace(user, expected)
        except ConcurrentUpdate:
            raise ScimError(412, "the user changed since the given ETag") from None
        except DuplicateRequest:
            raise ScimError(409, "a user with this userName exists", "uniqueness") from None
        except NotFound:
            raise ScimError(404, "no such user") from None
        await self._apply(user)
        return self._answer(user)

    async def _apply(self, user: PushedUser, active: bool = True) -> None:
        await self.people.apply([person_of(user.id, user.resource, active)], SOURCE, actor="scim")

    async def _find(self, request: web.Request) -> PushedUser:
        user = await self.users.get(request.match_info["id"])
        if user is None:
            raise ScimError(404, "no such user")
        return user

    def _answer(self, user: PushedUser, status: int = 200) -> web.Response:
        location = self._location(user)
        headers = {"ETag": _etag(user), "Location": location}
        return _json(self._render(user), status, headers)

    def _render(self, user: PushedUser) -> dict[str, Any]:
        return {
            "schemas": schemas_of(user.resource),
            "id": user.id,
            **user.resource,
            "meta": {
                "resourceType": "User",
                "created": user.created_at.isoformat(),
                "lastModified": user.updated_at.isoformat(),
                "location": self._location(user),
                "version": _etag(user),
            },
        }

    def _location(self, user: PushedUser) -> str:
        return f"{self.public_base_url}{PREFIX}/Users/{user.id}"


def _listed(request: web.Request, resources: list[dict[str, Any]]) -> web.Response:
    """A discovery list, or the one resource its id names (404 when none does)."""
    wanted = request.match_info.get("id")
    if wanted is None:
        return _json(
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
    return _json(found)


def _etag(user: PushedUser) -> str:
    return f'W/"{user.version}"'


def _tags(header: str | None) -> set[str]:
    return {t.strip() for t in (header or "").split(",") if t.strip()}


def _expected(request: web.Request, current: PushedUser) -> int | None:
    """The version If-Match names: None without the header; 412 at once when it is not the current
    one."""
    tags = _tags(request.headers.get("If-Match"))
    if not tags or "*" in tags:
        return None
    if _etag(current) not in tags and f'"{current.version}"' not in tags:
        raise ScimError(412, "the user changed since the given ETag")
    return current.version


async def _body(request: web.Request) -> object:
    if request.content_type not in (SCIM_JSON, "application/json"):
        raise ScimError(415, f"send {SCIM_JSON}")
    try:
        body = json.loads(await request.text())
        # A lone surrogate ("\ud800") parses, but is no text a database can store: refused here.
        json.dumps(body, ensure_ascii=False).encode()
    except (
        ValueError,
        UnicodeDecodeError,
        RecursionError,
    ):  # RecursionError: absurdly deep nesting
        raise ScimError(400, "the body is not JSON", "invalidSyntax") from None
    return body


def _integer(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        raise ScimError(400, "startIndex and count must be integers", "invalidValue") from None


def _json(body: object, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        text=json.dumps(body), status=status, content_type=SCIM_JSON, headers=headers
    )
