"""The SCIM Users endpoints (/scim/v2/Users): create, read, search, replace, patch and delete, with
ETags.

Each write stores the resource first, then applies the person it describes through
core.hris.HrPeople, which is where a deactivated or deleted user's unspent rewards are cancelled.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web

from adapters.scim.answers import LIST, PREFIX, ScimError, read_body, scim_json
from adapters.scim.filters import BadFilter, parse_filter
from adapters.scim.patch import apply_patch
from adapters.scim.resource import SOURCE, normalize, person_of, schemas_of
from core.errors import ConcurrentUpdate, DuplicateRequest, NotFound
from core.hris import HrPeople
from core.ports import Clock
from core.pushed_users import PushedUser, PushedUserStore

MAX_COUNT = 200
# Past any real directory, and within the databases' OFFSET (a larger one was a 500 on SQLite): an
# empty page.
MAX_START = 2**31
PATCH_RETRIES = 3


@dataclass(frozen=True)
class ScimUsers:
    """The Users resource: what a SCIM client pushes, stored and applied to the people HR knows."""

    users: PushedUserStore
    people: HrPeople
    clock: Clock
    public_base_url: str

    async def create(self, request: web.Request) -> web.Response:
        resource = normalize(await read_body(request))
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
        return scim_json(body)

    async def replace(self, request: web.Request) -> web.Response:
        current = await self._find(request)
        expected = _expected(request, current)
        body = await read_body(request)
        if isinstance(body, dict) and body.get("id") not in (None, current.id):
            raise ScimError(400, "id cannot be changed", "mutability")
        return await self._store(current, normalize(body), expected)

    async def patch(self, request: web.Request) -> web.Response:
        body = await read_body(request)
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
        return scim_json(self._render(user), status, headers)

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


def _integer(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        raise ScimError(400, "startIndex and count must be integers", "invalidValue") from None
