"""A strict local SuccessFactors: /oauth/token (SAML 2.0 bearer) and OData v2 `User` with EC
navigations.

Written from SAP's public documentation (OData API developer guide: authentication, server-side
paging, the User entity's status filter, EmpEmployment / PerPerson / PerPersonal). It refuses what
the real API refuses: an assertion not signed by the registered certificate, expired, for another
audience or recipient; an unknown or expired token (401); unknown properties in $select or
navigations in $expand, and filters it cannot evaluate (400, OData error body). Pages are `__next`
links with a $skiptoken.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.test_utils import TestServer
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier
from signxml.exceptions import InvalidInput, InvalidSignature

SAML = "{urn:oasis:names:tc:SAML:2.0:assertion}"
GRANT = "urn:ietf:params:oauth:grant-type:saml2-bearer"
USER_FIELDS = {
    "userId",
    "username",
    "email",
    "firstName",
    "lastName",
    "displayName",
    "status",
    "country",
    "timeZone",
    "hireDate",
    "dateOfBirth",
    "lastModifiedDateTime",
    "manager",
    "empInfo",
}
NAVIGATIONS = {"manager", "empInfo", "empInfo/personNav", "empInfo/personNav/personalInfoNav"}
NAV_FIELDS = {
    "manager": {"userId", "email", "displayName"},
    "empInfo": {"startDate", "originalStartDate", "userId", "personIdExternal", "personNav"},
    "empInfo/personNav": {"dateOfBirth", "personIdExternal", "personalInfoNav"},
    "empInfo/personNav/personalInfoNav": {"preferredName", "firstName", "lastName"},
}
EVERY_STATUS = "status in 't','f','T','F','e','d'"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def odata_date(day: date) -> str:
    return f"/Date({int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)})/"


def odata_moment(moment: datetime) -> str:
    return f"/Date({int(moment.timestamp() * 1000)}+0000)/"


@dataclass
class SfPerson:
    """One employee across User, EmpEmployment, PerPerson and PerPersonal."""

    user_id: str
    email: str
    first_name: str
    last_name: str
    start_date: date
    modified: datetime
    date_of_birth: date | None = None
    status: str = "t"
    country: str = ""
    time_zone: str = ""
    manager: str = ""
    preferred_name: str = ""

    def entity(self, people: dict[str, SfPerson]) -> dict[str, Any]:
        manager = people.get(self.manager)
        return {
            "__metadata": {"uri": f"User('{self.user_id}')", "type": "SFOData.User"},
            "userId": self.user_id,
            "username": self.user_id,
            "email": self.email,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "displayName": f"{self.first_name} {self.last_name}",
            "status": self.status,
            "country": self.country,
            "timeZone": self.time_zone,
            "hireDate": odata_date(self.start_date),
            "dateOfBirth": odata_date(self.date_of_birth) if self.date_of_birth else None,
            "lastModifiedDateTime": odata_moment(self.modified),
            "manager": {
                "userId": manager.user_id,
                "email": manager.email,
                "displayName": f"{manager.first_name} {manager.last_name}",
            }
            if manager
            else None,
            "empInfo": {
                "userId": self.user_id,
                "personIdExternal": self.user_id,
                "startDate": odata_date(self.start_date),
                "originalStartDate": odata_date(self.start_date),
                "personNav": {
                    "personIdExternal": self.user_id,
                    "dateOfBirth": odata_date(self.date_of_birth) if self.date_of_birth else None,
                    "personalInfoNav": {
                        "results": [
                            {
                                "preferredName": self.preferred_name or None,
                                "firstName": self.first_name,
                                "lastName": self.last_name,
                            }
                        ]
                    },
                },
            },
        }


@dataclass
class FakeSuccessFactors:
    """Control: `people`, `certificate` (PEM the OAuth client was registered with),
    `expire_tokens()`."""

    company_id: str
    client_id: str
    api_user: str
    certificate: str
    basic: tuple[str, str] | None = (
        None  # (username, password) accepted as Basic on this "test tenant"
    )
    page_size: int = 2
    token_seconds: int = 3600
    people: dict[str, SfPerson] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    tokens_issued: int = 0
    _tokens: dict[str, float] = field(default_factory=dict)
    _snapshots: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
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

    def add(self, person: SfPerson) -> None:
        self.people[person.user_id] = person

    def expire_tokens(self) -> None:
        self._tokens = dict.fromkeys(self._tokens, 0.0)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._strict])
        app.router.add_post("/oauth/token", self._token)
        app.router.add_get("/odata/v2/User", self._users)
        return app

    @web.middleware
    async def _strict(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append(f"{request.method} {request.path_qs}")
        if request.match_info.route.resource is None:
            self.errors.append(f"unexpected request {request.method} {request.path}")
            return _odata_error(404, "COE_RESOURCE_NOT_FOUND", "Resource not found")
        return await handler(request)

    # --- /oauth/token ---------------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        problem = self._assertion_problem(form, f"{self.url}/oauth/token")
        if problem is not None:
            self.errors.append(f"token refused: {problem}")
            return web.json_response(
                {"httpStatus": "UNAUTHORIZED", "errorMessage": problem}, status=401
            )
        token = secrets.token_urlsafe(24)
        self._tokens[token] = time.monotonic() + self.token_seconds
        self.tokens_issued += 1
        return web.json_response(
            {"access_token": token, "token_type": "Bearer", "expires_in": self.token_seconds}
        )

    def _assertion_problem(self, form: Any, token_url: str) -> str | None:
        if form.get("grant_type") != GRANT:
            return f"grant_type must be {GRANT}"
        if form.get("company_id") != self.company_id or form.get("client_id") != self.client_id:
            return "unknown company_id or client_id"
        try:
            xml = base64.b64decode(str(form.get("assertion", "")), validate=True)
            verified = XMLVerifier().verify(
                xml,
                x509_cert=self.certificate,
                expect_config=SignatureConfiguration(require_x509=False),
            )
        except (ValueError, InvalidSignature, InvalidInput, etree.XMLSyntaxError) as exc:
            return f"the assertion's signature does not verify ({type(exc).__name__})"
        assertion = verified.signed_xml
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        conditions = assertion.find(f"{SAML}Conditions")
        checks = {
            "issuer": assertion.findtext(f"{SAML}Issuer") == self.client_id,
            "subject": assertion.findtext(f"{SAML}Subject/{SAML}NameID") == self.api_user,
            "audience": assertion.findtext(f".//{SAML}Audience") == "www.successfactors.com",
            "recipient": (
                assertion.find(f".//{SAML}SubjectConfirmationData") is not None
                and assertion.find(f".//{SAML}SubjectConfirmationData").get("Recipient")
                == token_url
            ),
            "lifetime": conditions is not None
            and conditions.get("NotBefore", "~") <= now < conditions.get("NotOnOrAfter", ""),
            "api_key": assertion.findtext(
                f".//{SAML}Attribute[@Name='api_key']/{SAML}AttributeValue"
            )
            == self.client_id,
        }
        failed = [name for name, ok in checks.items() if not ok]
        return f"assertion {', '.join(failed)} not valid" if failed else None

    # --- /odata/v2/User -------------------------------------------------------------------------

    async def _users(self, request: web.Request) -> web.Response:
        if not self._authorized(request.headers.get("Authorization", "")):
            return _odata_error(401, "COE_AUTHENTICATION", "Invalid or expired token")
        query = request.query
        token = query.get("$skiptoken")
        if token is not None:
            return self._page(
                request, self._snapshots.get(token), int(query.get("$skip", "0")), token
            )
        if query.get("$format") != "json" and "json" not in request.headers.get("Accept", ""):
            self.errors.append("asked for Atom XML; this fake (and voucherbot) speak JSON")
            return _odata_error(400, "COE_FORMAT", "use $format=json")
        problem = _select_problem(query.get("$select", ""), query.get("$expand", ""))
        if problem is None:
            matched, problem = self._filtered(query.get("$filter", ""))
        if problem is not None:
            self.errors.append(problem)
            return _odata_error(400, "COE_GENERAL_BAD_REQUEST", problem)
        if "$top" in query:
            matched = matched[: int(query["$top"])]  # OData v2: $top caps the whole result
        token = secrets.token_hex(8)
        self._snapshots[token] = [
            _project(e, query.get("$select", ""), query.get("$expand", "")) for e in matched
        ]
        return self._page(request, self._snapshots[token], 0, token)

    def _page(
        self, request: web.Request, rows: list[dict[str, Any]] | None, skip: int, token: str
    ) -> web.Response:
        if rows is None:
            return _odata_error(400, "COE_INVALID_SKIPTOKEN", "The skip token is not valid")
        body: dict[str, Any] = {"results": rows[skip : skip + self.page_size]}
        if skip + self.page_size < len(rows):
            next_query = urlencode({"$skiptoken": token, "$skip": skip + self.page_size})
            body["__next"] = f"{self.url}/odata/v2/User?{next_query}"
        return web.json_response({"d": body})

    def _authorized(self, header: str) -> bool:
        scheme, _, credential = header.partition(" ")
        if scheme == "Bearer":
            return self._tokens.get(credential, 0.0) > time.monotonic()
        if scheme == "Basic" and self.basic is not None:
            expected = f"{self.basic[0]}@{self.company_id}:{self.basic[1]}"
            return base64.b64decode(credential).decode() == expected
        return False

    def _filtered(self, condition: str) -> tuple[list[dict[str, Any]], str | None]:
        statuses = {"t", "T"}
        since: datetime | None = None
        rest = condition.strip()
        if rest.startswith((f"({EVERY_STATUS})", EVERY_STATUS)):
            statuses = {"t", "f", "T", "F", "e", "d"}
            rest = rest.removeprefix(f"({EVERY_STATUS})").removeprefix(EVERY_STATUS).strip()
            rest = rest.removeprefix("and").strip()
        if rest:
            prefix = "lastModifiedDateTime ge datetimeoffset'"
            if not (rest.startswith(prefix) and rest.endswith("'")):
                return [], f"cannot evaluate $filter {condition!r}"
            try:
                since = datetime.fromisoformat(rest[len(prefix) : -1])
            except ValueError:
                return [], f"bad datetimeoffset in $filter {condition!r}"
        people = sorted(self.people.values(), key=lambda p: p.modified)
        return [
            p.entity(self.people)
            for p in people
            if p.status in statuses and (since is None or p.modified >= since)
        ], None


def _select_problem(select: str, expand: str) -> str | None:
    expanded = {e for e in expand.split(",") if e}
    unknown_nav = expanded - NAVIGATIONS
    if unknown_nav:
        return f"Invalid navigation property {sorted(unknown_nav)}"
    for item in (s for s in select.split(",") if s):
        nav, _, name = item.rpartition("/")
        if nav and nav not in expanded:
            return f"{item} selects through {nav}, which is not expanded"
        if name not in (NAV_FIELDS[nav] if nav else USER_FIELDS):
            return f"Invalid property names: {item}"
    return None


def _project(entity: dict[str, Any], select: str, expand: str) -> dict[str, Any]:
    wanted = [s for s in select.split(",") if s]
    if not wanted:
        return entity
    projected: dict[str, Any] = {"__metadata": entity["__metadata"]}
    for item in wanted:
        source, target, parts = entity, projected, item.split("/")
        for part in parts[:-1]:
            source = (source or {}).get(part) or {}
            if "results" in source:
                source = source["results"][0] if source["results"] else {}
                target = target.setdefault(part, {"results": [{}]})["results"][0]
            else:
                target = target.setdefault(part, {})
        target[parts[-1]] = (source or {}).get(parts[-1])
    return projected


def _odata_error(status: int, code: str, message: str) -> web.Response:
    body = {"error": {"code": code, "message": {"lang": "en-US", "value": message}}}
    return web.json_response(body, status=status)
