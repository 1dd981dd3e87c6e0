"""A strict loopback fake of the Bot Framework Connector: records what a bot sends and checks its
cards.

It also plays the parts of Teams a bot reads: conversation rosters (member look-ups by Teams id or
Entra object id), people who do not have the app (403 on a new 1:1 chat), and files sent to the bot.
"""

from __future__ import annotations

import copy
import itertools
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jsonschema
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.conftest import FIXTURES

CARD_SCHEMA = FIXTURES / "schemas" / "adaptive-card.1.5.0.schema.json"
CARD_SCHEMA_1_6 = FIXTURES / "schemas" / "adaptive-card.1.6.0.schema.json"
# Dynamic typeahead on Input.ChoiceSet (Teams' people picker, or a dataset the bot answers through
# the application/search invoke): a Data.Query in the 1.6 schema, not in 1.5.
PEOPLE_PICKER = "choices.data"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
MAX_CARD_VERSION = (1, 5)
MAX_MESSAGE_BYTES = 28 * 1024  # Teams refuses larger messages (cards included)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@cache
def _card_validator() -> jsonschema.Draft6Validator:
    return jsonschema.Draft6Validator(json.loads(CARD_SCHEMA.read_text()))


@cache
def _data_query_validator() -> jsonschema.Draft6Validator:
    schema = json.loads(CARD_SCHEMA_1_6.read_text())
    return jsonschema.Draft6Validator(
        {"$ref": "#/definitions/Data.Query", "definitions": schema["definitions"]}
    )


def card_problems(card: Any) -> list[str]:
    """Why an Adaptive Card would be refused: schema errors and a version above 1.5; empty if fine.

    Dynamic typeahead (`choices.data` on Input.ChoiceSet: the people picker, or the gift dialog's
    voucher search) is checked against the 1.6 schema's Data.Query, then set aside so the rest of
    the card is held to 1.5.
    """
    if not isinstance(card, dict):
        return ["the card is not a JSON object"]
    card, problems = _without_people_pickers(card)
    problems += [_describe(error) for error in _card_validator().iter_errors(card)]
    version = str(card.get("version", ""))
    try:
        too_new = tuple(int(part) for part in version.split(".")) > MAX_CARD_VERSION
    except ValueError:
        too_new = True
    if too_new:
        problems.append(f"card version {version!r} is not 1.5 or lower")
    return problems


def _without_people_pickers(card: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    card = copy.deepcopy(card)
    problems: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Input.ChoiceSet" and PEOPLE_PICKER in node:
                query = node.pop(PEOPLE_PICKER)
                problems.extend(
                    f"{PEOPLE_PICKER}: {e.message}"
                    for e in _data_query_validator().iter_errors(query)
                )
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card)
    return card, problems


def _describe(error: jsonschema.ValidationError) -> str:
    # The schema is a big anyOf; the deepest sub-error is the one that names the real mistake.
    leaves = list(_leaves(error))
    deepest = max(leaves, key=lambda e: len(e.absolute_path))
    path = "/".join(str(p) for p in deepest.absolute_path)
    return f"{path}: {deepest.message[:300]}"


def _leaves(error: jsonschema.ValidationError) -> Any:
    if not error.context:
        yield error
    for child in error.context:
        yield from _leaves(child)


@dataclass
class Call:
    """One request the bot made: what it did, where, and the activity (or parameters) it sent."""

    kind: str  # "create", "send", "reply", "update"
    conversation_id: str
    activity_id: str | None
    body: dict[str, Any]
    status: int
    answered_id: str | None = None

    @property
    def message_id(self) -> str:
        """The id Teams knows the message by: the one it answered with, or the one that was
        updated."""
        message_id = self.activity_id if self.kind == "update" else self.answered_id
        assert message_id, f"a failed {self.kind} has no message"
        return message_id

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.body.get("attachments") or []
            if a.get("contentType") == ADAPTIVE_CARD
        ]

    @property
    def card(self) -> dict[str, Any]:
        (card,) = self.cards
        return card

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")


@dataclass(frozen=True)
class Member:
    """A person in the tenant: Teams id (29:…, per bot), Entra object id, name and email."""

    id: str
    aad: str
    name: str
    email: str = ""

    def account(self) -> dict[str, Any]:
        """As Teams answers GET /v3/conversations/{id}/members/{member} (a TeamsChannelAccount)."""
        given, _, surname = self.name.partition(" ")
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad,
            "email": self.email,
            "userPrincipalName": self.email,
            "givenName": given,
            "surname": surname,
            "userRole": "user",
        }


@dataclass(frozen=True)
class SharedFile:
    name: str
    content: bytes


@dataclass
class _Failure:
    status: int
    retry_after: float | None


@dataclass
class FakeConnector:
    """Answers like the Connector (`/v3/conversations...`) and refuses what Teams would refuse, with
    400."""

    calls: list[Call] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _failures: list[_Failure] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _issued: dict[str, set[str]] = field(default_factory=dict)
    _rosters: dict[str, list[Member]] = field(default_factory=dict)
    _people: dict[str, Member] = field(default_factory=dict)
    _without_app: set[str] = field(default_factory=set)
    _files: dict[str, SharedFile] = field(default_factory=dict)
    _bearer: Callable[[str], bool] | None = None
    _settling: set[str] = field(default_factory=set)
    _server: TestServer | None = None

    # --- control ---------------------------------------------------------------------------------

    def require_bearer(self, accepts: Callable[[str], bool]) -> None:
        """Like the real Connector with an authenticated bot: every call must carry a token
        `accepts` (its whole `Authorization` header); others get 401 and are recorded as errors."""
        self._bearer = accepts

    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        """Answer the next `times` requests with `status` (e.g. 429 with a Retry-After header, or
        500)."""
        self._failures.extend(_Failure(status, retry_after) for _ in range(times))

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
        return str(self._server.make_url("/"))

    def add_members(self, conversation_id: str, *members: Member) -> None:
        """Put people in a conversation's roster (a channel's members are its team's)."""
        self._rosters.setdefault(_thread_root(conversation_id), []).extend(members)
        self._people.update({m.aad: m for m in members} | {m.id: m for m in members})

    def without_app(self, member: Member) -> None:
        """This person never installed the bot: a 1:1 chat with them is refused (403
        BotNotInConversationRoster)."""
        self._people.update({member.aad: member, member.id: member})
        self._without_app |= {member.id, member.aad}

    def install_app(self, aad: str) -> str:
        """The app was installed for this person (Graph): the 1:1 chat now exists; returns its chat
        id."""
        member = self._people.get(aad)
        self._without_app -= {aad, member.id if member else aad}
        return f"a:personal-{member.id if member else aad}"

    def settling(self, conversation_id: str) -> None:
        """The next message to this conversation is refused (403), as a chat made a moment ago may
        be."""
        self._settling.add(conversation_id)

    def has_app(self, aad: str) -> bool:
        return aad not in self._without_app

    def share_file(self, name: str, content: bytes, unique_id: str | None = None) -> dict[str, Any]:
        """The attachment Teams puts on a message when a file is sent to the bot; the fake serves
        the file."""
        file_id = unique_id or str(uuid.uuid4()).upper()
        self._files[file_id] = SharedFile(name, content)
        return {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "contentUrl": f"https://contoso-my.sharepoint.com/personal/Documents/Microsoft Teams "
            f"Chat Files/{name}",
            "name": name,
            "content": {
                "downloadUrl": f"{self.url}files/{file_id}",
                "uniqueId": file_id,
                "fileType": name.rsplit(".", 1)[-1].lower(),
            },
        }

    def issue_id(self, conversation_id: str) -> str:
        """An activity id the fake knows, as if Teams had delivered that message."""
        activity_id = f"1:act-{next(self._ids)}"
        self._issued.setdefault(_thread_root(conversation_id), set()).add(activity_id)
        return activity_id

    # --- queries ---------------------------------------------------------------------------------

    def made(self, kind: str) -> list[Call]:
        return [c for c in self.calls if c.kind == kind and c.status < 300]

    def delivered(self) -> list[Call]:
        """Messages and updates that reached Teams (failed attempts excluded)."""
        return [c for c in self.calls if c.kind not in ("create", "member") and c.status < 300]

    def in_conversation(self, conversation_id: str) -> list[Call]:
        return [c for c in self.delivered() if c.conversation_id == conversation_id]

    # --- the service -----------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._strict])
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._reply)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_get("/files/{file}", self._file)
        return app

    @web.middleware
    async def _strict(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.match_info.route.resource is None:
            self.errors.append(f"unexpected request {request.method} {request.path}")
            return _error(404, "NotFound", "no such endpoint")
        if self._bearer is not None and request.path.startswith("/v3/"):
            authorization = request.headers.get("Authorization", "")
            if not self._bearer(authorization):
                self.errors.append(f"{request.method} {request.path} without a valid bearer token")
                return _error(
                    401, "Unauthorized", "Authorization has been denied for this request."
                )
        return await handler(request)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        # Teams reads the tenant of a new 1:1 chat from channelData (botbuilder also sends
        # "tenantID").
        tenant = ((body.get("channelData") or {}).get("tenant") or {}).get("id")
        members = body.get("members") or []
        problem = (
            None
            if tenant and len(members) == 1 and body.get("bot")
            else "1:1 needs channelData.tenant, bot, one member"
        )
        member_id = str(members[0].get("id")) if members else "nobody"
        if member_id in self._without_app and problem is None and not self._failures:
            self.calls.append(Call("create", "", None, body, 403))
            return _error(
                403, "BotNotInConversationRoster", "The bot is not part of the conversation roster."
            )
        # Teams opens the same 1:1 chat whether the member is named by Teams id or by Entra object
        # id.
        known = self._people.get(member_id)
        conversation_id = f"a:personal-{known.id if known else member_id}"
        return self._answer("create", conversation_id, None, body, problem, {"id": conversation_id})

    async def _member(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation"]
        wanted = request.match_info["member"]
        roster = self._rosters.get(_thread_root(conversation_id), [])
        found = next((m for m in roster if wanted in (m.id, m.aad)), None)
        self.calls.append(Call("member", conversation_id, wanted, {}, 200 if found else 404))
        if found is None:
            return _error(404, "NotFound", "The member is not in this conversation.")
        return web.json_response(found.account())

    async def _file(self, request: web.Request) -> web.Response:
        shared = self._files.get(request.match_info["file"])
        if shared is None:
            self.errors.append(f"download of an unknown file {request.match_info['file']}")
            return web.Response(status=404)
        return web.Response(body=shared.content, content_type="text/csv")

    async def _send(self, request: web.Request) -> web.Response:
        return await self._post(request, "send", None)

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._post(request, "reply", request.match_info["activity"])

    async def _post(self, request: web.Request, kind: str, activity_id: str | None) -> web.Response:
        conversation_id = request.match_info["conversation"]
        body = await request.json()
        if conversation_id in self._settling:
            self._settling.discard(conversation_id)
            self.calls.append(Call(kind, conversation_id, activity_id, body, 403))
            return _error(
                403, "BotNotInConversationRoster", "The bot is not part of the conversation roster."
            )
        problem = self._activity_problem(body, conversation_id)
        new_id = self.issue_id(conversation_id) if problem is None else ""
        return self._answer(kind, conversation_id, activity_id, body, problem, {"id": new_id})

    async def _update(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation"]
        activity_id = request.match_info["activity"]
        body = await request.json()
        problem = self._activity_problem(body, conversation_id)
        if problem is None and activity_id not in self._issued.get(
            _thread_root(conversation_id), set()
        ):
            return self._answer(
                "update", conversation_id, activity_id, body, None, None, missing=True
            )
        return self._answer(
            "update", conversation_id, activity_id, body, problem, {"id": activity_id}
        )

    def _answer(
        self,
        kind: str,
        conversation_id: str,
        activity_id: str | None,
        body: dict[str, Any],
        problem: str | None,
        result: dict[str, Any] | None,
        missing: bool = False,
    ) -> web.Response:
        if self._failures:
            failure = self._failures.pop(0)
            self.calls.append(Call(kind, conversation_id, activity_id, body, failure.status))
            headers = (
                {"Retry-After": f"{failure.retry_after:g}"}
                if failure.retry_after is not None
                else {}
            )
            return _error(
                failure.status,
                "Throttled" if failure.status == 429 else "ServiceError",
                "try later",
                headers,
            )
        if missing:
            self.calls.append(Call(kind, conversation_id, activity_id, body, 404))
            self.errors.append(f"update of unknown activity {activity_id} in {conversation_id}")
            return _error(404, "ActivityNotFound", "no such activity")
        if problem is not None:
            self.calls.append(Call(kind, conversation_id, activity_id, body, 400))
            self.errors.append(f"{kind} refused: {problem}")
            return _error(400, "BadArgument", problem)
        answered = (result or {}).get("id") if kind != "create" else None
        self.calls.append(Call(kind, conversation_id, activity_id, body, 200, answered))
        return web.json_response(result)

    def _activity_problem(self, body: dict[str, Any], conversation_id: str) -> str | None:
        if body.get("type") != "message":
            return f"activity type {body.get('type')!r} is not a message"
        if (body.get("conversation") or {}).get("id") not in (None, conversation_id):
            return "the activity names another conversation than the URL"
        if not body.get("text") and not body.get("attachments"):
            return "a message needs text or attachments"
        if len(json.dumps(body).encode()) > MAX_MESSAGE_BYTES:
            return f"message larger than {MAX_MESSAGE_BYTES} bytes"
        for attachment in body.get("attachments") or []:
            if attachment.get("contentType") != ADAPTIVE_CARD:
                return f"unexpected attachment type {attachment.get('contentType')!r}"
            problems = card_problems(attachment.get("content"))
            if problems:
                return "invalid Adaptive Card: " + "; ".join(problems[:3])
        return None


def _thread_root(conversation_id: str) -> str:
    # A channel thread is addressed as "<channel>;messageid=<root>"; its messages belong to the
    # channel.
    return conversation_id.split(";", 1)[0]


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, headers=headers
    )
