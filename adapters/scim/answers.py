"""SCIM over HTTP (RFC 7644 §3): its media type, its error answers, and JSON bodies in and out."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

PREFIX = "/scim/v2"
SCIM_JSON = "application/scim+json"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


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
        return scim_json(body, self.status, {**headers, **self.headers})


async def read_body(request: web.Request) -> object:
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


def scim_json(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        text=json.dumps(body), status=status, content_type=SCIM_JSON, headers=headers
    )
