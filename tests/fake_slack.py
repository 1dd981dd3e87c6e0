"""A strict loopback fake of the Slack Web API, response_urls and Socket Mode, for the real
slack_sdk.

Every `blocks` and `view` it receives is checked with slack_sdk's Block Kit models, more strictly
than slack_sdk does on its own: an unknown block or element type, a field slack_sdk would drop, a
limit, a duplicate block_id or action_id all make it answer `invalid_blocks` and record the problem
in `errors`, which the test fixture asserts is empty. It can be told to answer 429 (with
Retry-After) or 500 to the next N calls.

It also knows a workspace's people (users.list paged, users.info, usergroups.users.list,
conversations.members) and files (files.info, and the private download URL, which needs the bot
token). Each method needs the scope Slack documents for it, out of the app's manifest scopes: a call
the app has no scope for answers `missing_scope`, and emails are only listed with users:read.email.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block, Option
from slack_sdk.models.views import View

from adapters.slack.manifest import BOT_SCOPES

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
RESPONSE_URL_USES = 5
MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")
VIEW_METHODS = ("views.publish", "views.open", "views.update")
# What slack_sdk's models raise on a payload they cannot build; each one is a finding, not a crash.
MALFORMED = (
    SlackObjectFormationError,
    TypeError,
    KeyError,
    ValueError,
    AttributeError,
    AssertionError,
)
# The bot scope each method needs (docs.slack.dev/reference/methods); conversations.* depend on the
# kind.
METHOD_SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "conversations.open": "im:write",
    "users.list": "users:read",
    "users.info": "users:read",
    "usergroups.users.list": "usergroups:read",
    "files.info": "files:read",
}
MEMBER_SCOPES = {"C": "channels:read", "G": "groups:read", "D": "im:read"}
MAX_PAGE = 1000


@dataclass
class Call:
    """One request the fake received (a Web API method, or "response_url")."""

    method: str
    token: str
    args: dict[str, Any]
    status: int = 200
    target: str = ""  # the response_url name, for "response_url" calls

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class Failure:
    status: int
    retry_after: int | None
    method: str | None


@dataclass
class Workspace:
    team_id: str
    bot_token: str
    bot_user_id: str = "U0BOT"
    bot_id: str = "B0BOT"


@dataclass
class SharedFile:
    """A file someone shared; its bytes are served at its private download URL."""

    id: str
    name: str
    content: bytes
    user: str
    filetype: str = "csv"


@dataclass
class PostedMessage:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    history: list[list[dict[str, Any]]] = field(default_factory=list)


class FakeSlack:
    """Start with `await fake.start()`; point clients at `fake.api_url`; `await fake.close()`."""

    def __init__(
        self, workspaces: tuple[Workspace, ...] = (Workspace("T0VB", "xoxb-voucherbot-test"),)
    ) -> None:
        self.workspaces = {w.bot_token: w for w in workspaces}
        self.calls: list[Call] = []
        self.errors: list[str] = []
        self.messages: dict[str, PostedMessage] = {}  # by ts
        self.views: dict[str, dict[str, Any]] = {}  # published home views by user id
        self.oauth_codes: dict[str, Workspace] = {}
        self.socket_acks: list[dict[str, Any]] = []
        self.gone_users: set[str] = set()
        self.scopes: set[str] = set(BOT_SCOPES)
        self.people: dict[str, dict[str, Any]] = {}
        self.locales: dict[
            str, str
        ] = {}  # user id -> the locale users.info gives with include_locale
        self.usergroups: dict[str, list[str]] = {}
        self.members: dict[str, list[str]] = {}
        self.files: dict[str, SharedFile] = {}
        self._failures: list[Failure] = []
        self._ts = itertools.count(1)
        self._response_url_uses: dict[str, int] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._server: TestServer | None = None

    # --- lifecycle and addresses -------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk reads some methods with GET
        app.router.add_post("/hooks/{name}", self._response_url)
        app.router.add_get("/files-pri/{team_file}/download/{name}", self._download)
        app.router.add_get("/socket", self._socket)
        self._server = TestServer(app, host="127.0.0.1", port=0)
        await self._server.start_server()
        return self

    async def close(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._server is not None:
            await self._server.close()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return str(self._server.make_url("")).rstrip("/")

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str) -> str:
        """A response_url that points at this fake (use it in the payloads tests post)."""
        return f"{self.base_url}/hooks/{name}"

    # --- control -----------------------------------------------------------------------------

    def fail_next(
        self,
        count: int,
        *,
        status: int = 429,
        retry_after: int | None = None,
        method: str | None = None,
    ) -> None:
        """Answer the next `count` calls (of `method`, or any) with `status` (and Retry-After)."""
        self._failures += [Failure(status, retry_after, method) for _ in range(count)]

    def expire_response_url(self, name: str) -> None:
        """From now on the response_url answers 404, as Slack does after 30 minutes or five uses."""
        self._response_url_uses[name] = RESPONSE_URL_USES

    def remove_user(self, user_id: str) -> None:
        """The person left the workspace: conversations.open answers user_not_found."""
        self.gone_users.add(user_id)

    def add_person(
        self,
        user_id: str,
        name: str,
        *,
        email: str = "",
        is_bot: bool = False,
        deleted: bool = False,
        team: str = "T0VB",
        locale: str = "en-US",
        tz: str | None = None,
    ) -> None:
        """A member of the workspace, as users.list and users.info describe them (with `tz`, their
        time zone, which Slack gives for every person who set one)."""
        self.locales[user_id] = locale  # users.info returns it only with include_locale=true
        self.people[user_id] = {
            "id": user_id,
            "team_id": team,
            "name": name.lower().replace(" ", "."),
            "real_name": name,
            "deleted": deleted,
            "is_bot": is_bot,
            "tz": tz,  # Slack sends null for people whose time zone it does not know
            "profile": {"display_name": name, "real_name": name, "email": email},
        }

    def add_usergroup(self, group_id: str, user_ids: list[str]) -> None:
        self.usergroups[group_id] = list(user_ids)

    def set_members(self, channel: str, user_ids: list[str]) -> None:
        self.members[channel] = list(user_ids)

    def share_file(
        self, file_id: str, name: str, content: bytes, user: str, filetype: str = "csv"
    ) -> SharedFile:
        shared = SharedFile(file_id, name, content, user, filetype)
        self.files[file_id] = shared
        return shared

    def grant_oauth_code(self, code: str, workspace: Workspace) -> None:
        """oauth.v2.access will exchange `code` for this workspace's bot token."""
        self.oauth_codes[code] = workspace
        self.workspaces[workspace.bot_token] = workspace

    # --- queries for tests -------------------------------------------------------------------

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.ok or not ok_only)]

    def responses_to(self, name: str) -> list[Call]:
        return [c for c in self.calls if c.method == "response_url" and c.target == name and c.ok]

    def messages_in(self, channel: str) -> list[PostedMessage]:
        return [m for m in self.messages.values() if m.channel == channel]

    def check_message(self, payload: Mapping[str, Any], where: str = "response") -> list[str]:
        """Validate a message the app returned in an HTTP response (slash command ack); records
        problems."""
        problems = message_problems(payload)
        self.errors += [f"{where}: {p}" for p in problems]
        return problems

    def check_options(self, options: list[dict[str, Any]], where: str = "options") -> list[str]:
        problems = option_problems(options)
        self.errors += [f"{where}: {p}" for p in problems]
        return problems

    # --- socket mode ---------------------------------------------------------------------------

    async def socket_send(self, envelope: Mapping[str, Any]) -> None:
        """Push an envelope to every connected Socket Mode client."""
        for ws in self._sockets:
            await ws.send_json(dict(envelope))

    @property
    def socket_clients(self) -> int:
        return sum(not ws.closed for ws in self._sockets)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
        return ws

    # --- HTTP handlers -------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        token = _bearer(request) or str(args.pop("token", ""))
        failure = self._take_failure(method)
        if failure is not None:
            self.calls.append(Call(method, token, args, failure.status))
            return _failure_response(failure)
        handler = self._handlers().get(method)
        if handler is None:
            return self._answer(method, token, args, {"ok": False, "error": "unknown_method"})
        if (
            method not in ("oauth.v2.access",)
            and not token.startswith("xapp-")
            and token not in self.workspaces
        ):
            return self._answer(method, token, args, {"ok": False, "error": "invalid_auth"})
        needed = self._scope_for(method, args)
        if needed is not None and needed not in self.scopes:
            self.errors.append(f"{method}: needs {needed}, which the manifest does not ask for")
            return self._answer(
                method, token, args, {"ok": False, "error": "missing_scope", "needed": needed}
            )
        problems = self._problems(method, args)
        if problems:
            self.errors += [f"{method}: {p}" for p in problems]
            return self._answer(
                method, token, args, {"ok": False, "error": "invalid_blocks", "errors": problems}
            )
        return self._answer(method, token, args, handler(token, args))

    async def _response_url(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        body = await request.json()
        failure = self._take_failure("response_url")
        if failure is not None:
            self.calls.append(Call("response_url", "", body, failure.status, name))
            return _failure_response(failure)
        uses = self._response_url_uses.get(name, 0) + 1
        self._response_url_uses[name] = uses
        if uses > RESPONSE_URL_USES:  # Slack allows five uses within 30 minutes
            self.calls.append(Call("response_url", "", body, 404, name))
            return web.Response(status=404, text="used_url")
        problems = message_problems(body)
        if problems:
            self.errors += [f"response_url {name}: {p}" for p in problems]
            self.calls.append(Call("response_url", "", body, 400, name))
            return web.Response(status=400, text="invalid_blocks")
        self.calls.append(Call("response_url", "", body, 200, name))
        return web.Response(text="ok")

    def _answer(
        self, method: str, token: str, args: dict[str, Any], data: dict[str, Any]
    ) -> web.Response:
        self.calls.append(Call(method, token, args, 200 if data.get("ok") else 400))
        return web.json_response(data)

    def _scope_for(self, method: str, args: Mapping[str, Any]) -> str | None:
        if method == "conversations.members":
            return MEMBER_SCOPES.get(str(args.get("channel", ""))[:1], "mpim:read")
        return METHOD_SCOPES.get(method)

    async def _download(self, request: web.Request) -> web.Response:
        file_id = request.match_info["team_file"].partition("-")[2]
        token = _bearer(request)
        self.calls.append(Call("files.download", token, {"file": file_id}))
        shared = self.files.get(file_id)
        if token not in self.workspaces or shared is None:
            # Slack answers a request without access with its sign-in page, not with an error
            # status.
            return web.Response(text="<html>Sign in to Slack</html>", content_type="text/html")
        return web.Response(body=shared.content, content_type="text/csv")

    def _take_failure(self, method: str) -> Failure | None:
        for i, failure in enumerate(self._failures):
            if failure.method in (None, method):
                return self._failures.pop(i)
        return None

    def _problems(self, method: str, args: Mapping[str, Any]) -> list[str]:
        if method in MESSAGE_METHODS:
            return message_problems(args)
        if method in VIEW_METHODS:
            return view_problems(args.get("view"))
        return []

    # --- Web API methods ---------------------------------------------------------------------

    def _handlers(self) -> dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "conversations.open": self._open,
            "views.publish": self._publish,
            "views.open": self._view,
            "views.update": self._view,
            "oauth.v2.access": self._oauth_access,
            "apps.connections.open": self._connections_open,
            "users.list": self._users_list,
            "users.info": self._users_info,
            "usergroups.users.list": self._usergroup_users,
            "conversations.members": self._conversation_members,
            "files.info": self._files_info,
        }

    def _auth_test(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        w = self.workspaces[token]
        return {
            "ok": True,
            "team_id": w.team_id,
            "user_id": w.bot_user_id,
            "bot_id": w.bot_id,
            "team": "Fake",
            "url": f"https://{w.team_id.lower()}.slack.com/",
            "user": "voucherbot",
            "is_enterprise_install": False,
        }

    def _post_message(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        ts = f"1700000000.{next(self._ts):06d}"
        channel = str(args["channel"])
        self.messages[ts] = PostedMessage(
            channel, ts, str(args.get("text", "")), list(args.get("blocks") or [])
        )
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "message": {"ts": ts, "text": args.get("text", "")},
        }

    def _update(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get(str(args.get("ts")))
        if message is None or message.channel != args.get("channel"):
            return {"ok": False, "error": "message_not_found"}
        message.history.append(message.blocks)
        message.text, message.blocks = str(args.get("text", "")), list(args.get("blocks") or [])
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    def _post_ephemeral(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}

    def _open(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users", ""))
        if not users or "," in users:
            return {"ok": False, "error": "not_enough_users" if not users else "too_many_users"}
        if users in self.gone_users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": f"D{users}"}}

    def _publish(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        self.views[str(args["user_id"])] = args["view"]
        return {"ok": True, "view": {"id": f"V{args['user_id']}", **args["view"]}}

    def _view(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        if "view_id" not in args and "external_id" not in args and not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": {"id": "V0MODAL", **args["view"]}}

    def _person(self, person: dict[str, Any]) -> dict[str, Any]:
        if "users:read.email" in self.scopes:
            return person
        profile = {k: v for k, v in person["profile"].items() if k != "email"}
        return {**person, "profile": profile}

    def _users_list(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        people, next_cursor = _page(list(self.people.values()), args)
        return {
            "ok": True,
            "members": [self._person(p) for p in people],
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _users_info(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        person = self.people.get(str(args.get("user", "")))
        if person is None:
            return {"ok": False, "error": "user_not_found"}
        user = self._person(person)
        if str(args.get("include_locale", "")).lower() in ("true", "1"):
            user = {**user, "locale": self.locales.get(person["id"], "en-US")}
        return {"ok": True, "user": user}

    def _usergroup_users(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        users = self.usergroups.get(str(args.get("usergroup", "")))
        if users is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": users}

    def _conversation_members(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        members = self.members.get(str(args.get("channel", "")))
        if members is None:
            return {"ok": False, "error": "channel_not_found"}
        page, next_cursor = _page(members, args)
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _files_info(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        shared = self.files.get(str(args.get("file", "")))
        if shared is None:
            return {"ok": False, "error": "file_not_found"}
        team = self.workspaces[token].team_id
        private = f"{self.base_url}/files-pri/{team}-{shared.id}"
        file = {
            "id": shared.id,
            "name": shared.name,
            "title": shared.name,
            "filetype": shared.filetype,
            "mimetype": "text/csv" if shared.filetype == "csv" else "application/octet-stream",
            "size": len(shared.content),
            "user": shared.user,
            "url_private": f"{private}/{shared.name}",
            "url_private_download": f"{private}/download/{shared.name}",
        }
        return {"ok": True, "file": file}

    def _oauth_access(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        w = self.oauth_codes.pop(str(args.get("code", "")), None)
        if w is None:
            return {"ok": False, "error": "invalid_code"}
        return {
            "ok": True,
            "app_id": "A0VB",
            "authed_user": {"id": "U0INSTALLER"},
            "token_type": "bot",
            "scope": ",".join(BOT_SCOPES),
            "access_token": w.bot_token,
            "bot_user_id": w.bot_user_id,
            "team": {"id": w.team_id, "name": "Installed"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _connections_open(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        if not token.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": f"{self.base_url.replace('http', 'ws', 1)}/socket"}


# --- validation (usable on its own) -------------------------------------------------------------


def message_problems(payload: Mapping[str, Any]) -> list[str]:
    """What Slack would reject (or slack_sdk would warn about) in a message payload."""
    blocks = payload.get("blocks")
    if blocks is None:
        return [] if payload.get("text") else ["a message needs text or blocks"]
    problems = [] if payload.get("text") else ["blocks without fallback text"]
    if not isinstance(blocks, list) or not blocks:
        return [*problems, "blocks must be a non-empty list"]
    if len(blocks) > MESSAGE_BLOCK_LIMIT:
        problems.append(f"{len(blocks)} blocks in a message (limit {MESSAGE_BLOCK_LIMIT})")
    return problems + blocks_problems(blocks)


def view_problems(view: Any) -> list[str]:
    if not isinstance(view, dict):
        return ["view must be an object"]
    try:
        rendered = View(**view).to_dict()
    except MALFORMED as exc:
        return [f"view: {type(exc).__name__}: {exc}"]
    problems = [f"view: {d}" for d in _differences(view, rendered)]
    blocks = view.get("blocks") or []
    if len(blocks) > VIEW_BLOCK_LIMIT:
        problems.append(f"{len(blocks)} blocks in a view (limit {VIEW_BLOCK_LIMIT})")
    return problems + blocks_problems(blocks)


def blocks_problems(blocks: list[Any]) -> list[str]:
    problems: list[str] = []
    block_ids: set[str] = set()
    action_ids: set[str] = set()
    for i, block in enumerate(blocks):
        problems += [f"block {i}: {p}" for p in _block_problems(block)]
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id is not None:
            if block_id in block_ids:
                problems.append(f"block {i}: duplicate block_id {block_id!r}")
            block_ids.add(block_id)
        for action_id in _action_ids(block):
            if action_id in action_ids:
                problems.append(f"block {i}: duplicate action_id {action_id!r}")
            action_ids.add(action_id)
    return problems


def option_problems(options: list[dict[str, Any]]) -> list[str]:
    problems = [] if len(options) <= 100 else [f"{len(options)} options (limit 100)"]
    for i, option in enumerate(options):
        try:
            rendered = _option(option)
        except MALFORMED as exc:
            problems.append(f"option {i}: {type(exc).__name__}: {exc}")
            continue
        problems += [f"option {i}: {d}" for d in _differences(option, rendered)]
    return problems


def _option(option: dict[str, Any]) -> dict[str, Any]:
    parsed = Option.parse_all([option])[0]
    assert parsed is not None, "unparseable option"
    return parsed.to_dict()


def _block_problems(block: Any) -> list[str]:
    if not isinstance(block, dict):
        return ["not an object"]
    try:
        parsed = Block.parse(block)
    except MALFORMED as exc:
        return [f"{type(exc).__name__}: {exc}"]
    if parsed is None:
        return [f"unknown block type {block.get('type')!r}"]
    try:
        rendered = parsed.to_dict()
    except MALFORMED as exc:
        return [f"{type(exc).__name__}: {exc}"]
    return _differences(block, rendered) + _image_problems(block)


def _differences(given: Any, rendered: Any, path: str = "") -> list[str]:
    """Fields slack_sdk dropped (unknown to Block Kit), elements it could not parse (None),
    changes."""
    if isinstance(given, dict) and isinstance(rendered, dict):
        out = [f"{path}.{k}: unknown field" for k in given if k not in rendered]
        return out + [
            d
            for k in given
            if k in rendered
            for d in _differences(given[k], rendered[k], f"{path}.{k}")
        ]
    if isinstance(given, list) and isinstance(rendered, list):
        if len(given) != len(rendered):
            return [f"{path}: {len(given)} items became {len(rendered)}"]
        return [
            d
            for i, (g, r) in enumerate(zip(given, rendered, strict=False))
            for d in _differences(g, r, f"{path}[{i}]")
        ]
    if rendered is None and given is not None:
        return [f"{path}: not a known element ({given!r:.60})"]
    return [] if given == rendered else [f"{path}: {given!r:.60} became {rendered!r:.60}"]


def _image_problems(block: dict[str, Any]) -> list[str]:
    urls = [block.get("image_url"), (block.get("accessory") or {}).get("image_url")]
    return [
        f"image_url {u!r} is not a public web URL"
        for u in urls
        if u is not None and not str(u).startswith(("https://", "http://"))
    ]


def _action_ids(block: Any) -> list[str]:
    if not isinstance(block, dict):
        return []
    elements = [*(block.get("elements") or []), block.get("accessory"), block.get("element")]
    return [str(e["action_id"]) for e in elements if isinstance(e, dict) and "action_id" in e]


async def _arguments(request: web.Request) -> dict[str, Any]:
    """slack_sdk sends query parameters, form fields or JSON; JSON-in-form values are decoded."""
    args: dict[str, Any] = dict(request.query)
    raw = await request.text()
    if request.content_type == "application/json" and raw:
        args.update(json.loads(raw))
    elif raw:
        args.update(dict(parse_qsl(raw)))
    for key in ("blocks", "view", "attachments"):
        if isinstance(args.get(key), str):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


def _page(items: list[Any], args: Mapping[str, Any]) -> tuple[list[Any], str]:
    """One page of a cursor-paged list, and the next cursor ('' on the last page)."""
    limit = int(args.get("limit") or MAX_PAGE)
    start = int(args.get("cursor") or 0)
    if not 0 < limit <= MAX_PAGE:
        raise web.HTTPBadRequest(text=f"limit {limit} out of range")
    end = start + limit
    return items[start:end], str(end) if end < len(items) else ""


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""


def _failure_response(failure: Failure) -> web.Response:
    headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
    error = "ratelimited" if failure.status == 429 else "internal_error"
    return web.json_response({"ok": False, "error": error}, status=failure.status, headers=headers)


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll until `predicate()` holds (work after a Slack ack runs in the background)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
