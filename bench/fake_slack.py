"""A fast fake Slack for load: Web API methods and response_urls that answer at once, counting what
came.

Unlike tests/fake_slack.py it validates no Block Kit (that would make the fake the bottleneck), and
it can enforce `chat.postMessage` rate limits the way Slack does: about one message per second per
channel with short bursts, plus a workspace-wide cap, answering `429` with a whole-second
`Retry-After`, as Slack does.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

ORDER_ID = re.compile(r"ord_[A-Za-z0-9]+")
REWARD_ID = re.compile(r"rwd_[A-Za-z0-9]+")
Listener = Callable[[str, dict[str, Any]], None]


@dataclass
class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up."""

    rate: float
    burst: float
    tokens: float = -1.0
    stamp: float = 0.0

    def take(self, now: float) -> float:
        """0 if a token was taken, else the seconds until one is available."""
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass(frozen=True)
class Limits:
    """chat.postMessage limits: per channel (Slack: ~1/s with bursts) and for the whole
    workspace."""

    per_channel: float = 1.0
    channel_burst: float = 3.0
    workspace: float = 100.0
    workspace_burst: float = 20.0


@dataclass
class Counts:
    """What the fake accepted, and what it refused."""

    calls: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    posted_orders: Counter[str] = field(
        default_factory=Counter
    )  # order id in each accepted chat.postMessage
    posted_rewards: Counter[str] = field(default_factory=Counter)  # reward id in each, if any
    post_times: list[float] = field(default_factory=list)
    last_request: float = 0.0


class FastFakeSlack:
    """Serve `app()` on 127.0.0.1; point Bolt and slack_sdk at `/api/`, response_urls at
    `/hooks/<name>`."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits
        self.counts = Counts()
        self.listeners: list[Listener] = []
        self._channels: dict[str, TokenBucket] = {}
        self._workspace = TokenBucket(limits.workspace, limits.workspace_burst) if limits else None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk reads users.info with a GET
        app.router.add_post("/hooks/{name}", self._hook)
        return app

    def reset(self) -> None:
        self.counts = Counts()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        self.counts.last_request = time.monotonic()
        if method == "chat.postMessage":
            wait = self._throttle(str(args.get("channel", "")))
            if wait:
                self.counts.throttled[method] += 1
                headers = {"Retry-After": str(max(1, math.ceil(wait)))}
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, status=429, headers=headers
                )
            self._posted(args)
        self.counts.calls[method] += 1
        for listener in self.listeners:
            listener(method, args)
        return web.json_response(_answer(method, args))

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.counts.last_request = time.monotonic()
        self.counts.calls["response_url"] += 1
        for listener in self.listeners:
            listener("response_url", body)
        return web.Response(text="ok")

    def _throttle(self, channel: str) -> float:
        if self.limits is None or self._workspace is None:
            return 0.0
        now = time.monotonic()
        bucket = self._channels.setdefault(
            channel, TokenBucket(self.limits.per_channel, self.limits.channel_burst)
        )
        # A refusal by either limit spends no token of the other: Slack counts what it delivers.
        channel_wait = bucket.take(now)
        if channel_wait:
            return channel_wait
        workspace_wait = self._workspace.take(now)
        if workspace_wait:
            bucket.tokens += 1
        return workspace_wait

    def _posted(self, args: dict[str, Any]) -> None:
        self.counts.post_times.append(time.monotonic())
        blocks = json.dumps(args.get("blocks") or "")
        found = ORDER_ID.search(blocks)
        if found:
            self.counts.posted_orders[found.group()] += 1
        reward = REWARD_ID.search(blocks)
        if reward and not found:
            self.counts.posted_rewards[reward.group()] += 1


def _answer(method: str, args: dict[str, Any]) -> dict[str, Any]:
    if method == "conversations.open":
        return {"ok": True, "channel": {"id": f"D{args.get('users', '')}"}}
    if method == "users.info":
        user = str(args.get("user", ""))
        profile = {"real_name": f"Bench {user}", "display_name": user}
        return {
            "ok": True,
            "user": {
                "id": user,
                "name": user,
                "locale": "en-US",
                "tz": "Europe/London",
                "profile": profile,
            },
        }
    if method == "auth.test":
        return {
            "ok": True,
            "team_id": "T0BENCH",
            "user_id": "U0BOT",
            "bot_id": "B0BOT",
            "team": "Bench",
            "url": "https://bench.slack.com/",
            "user": "voucherbot",
            "is_enterprise_install": False,
        }
    if method in ("chat.postMessage", "chat.update"):
        ts = f"{time.time():.6f}"
        return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": {"ts": ts}}
    return {"ok": True}


async def _arguments(request: web.Request) -> dict[str, Any]:
    """slack_sdk sends query parameters (conversations.open), form fields or JSON
    (chat.postMessage)."""
    args: dict[str, Any] = dict(request.query)
    raw = await request.text()
    if request.content_type == "application/json" and raw:
        args.update(json.loads(raw))
    elif raw:
        args.update(parse_qsl(raw))
    if isinstance(args.get("blocks"), str):
        args["blocks"] = json.loads(args["blocks"])
    return args
