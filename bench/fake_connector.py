"""A fast fake Bot Framework Connector for load: creates 1:1 chats and takes activities at once,
counting what came, and enforces the Connector's limits.

tests/fake_connector.py is the strict one (schemas, rosters, every call kept); this one keeps only
counters, so 100,000 notices cost it little memory or CPU. Its limits are those Microsoft documents
for bots in Teams: about 50 requests a second per bot per tenant (every request counts, creating a
conversation as much as sending to one) and about 7 messages a second per conversation; a refused
request is answered `429` with a whole-second `Retry-After`.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

from bench.fake_slack import TokenBucket

REWARD_ID = re.compile(rb"rwd_[A-Za-z0-9]+")
TENANT = re.compile(rb'"tenant"\s*:\s*\{\s*"id"\s*:\s*"([^"]+)"')


@dataclass(frozen=True)
class ConnectorLimits:
    """Requests a second per tenant (all kinds) and messages a second per conversation."""

    per_tenant: float = 50.0
    tenant_burst: float = 10.0
    per_conversation: float = 7.0
    conversation_burst: float = 7.0


@dataclass
class ConnectorCounts:
    """What the fake accepted and refused: reward ids seen in accepted messages, and when."""

    calls: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    posted_rewards: Counter[str] = field(default_factory=Counter)
    post_times: list[float] = field(default_factory=list)


class FastFakeConnector:
    """Serve `app()` on 127.0.0.1 and use its URL as the activities' `serviceUrl`."""

    def __init__(self, limits: ConnectorLimits | None = None) -> None:
        self.limits = limits
        self.counts = ConnectorCounts()
        self._tenants: dict[str, TokenBucket] = {}
        self._conversations: dict[str, TokenBucket] = {}
        self._tenant_of: dict[str, str] = {}  # conversation id -> tenant, learnt when created

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._send)
        return app

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.read()
        found = TENANT.search(body)
        tenant = found.group(1).decode() if found else ""
        refused = self._throttled("create", tenant, None)
        if refused is not None:
            return refused
        member = re.search(rb'"members"\s*:\s*\[\s*\{\s*"id"\s*:\s*"([^"]+)"', body)
        conversation = f"a:personal-{member.group(1).decode() if member else 'nobody'}"
        self._tenant_of[conversation] = tenant
        self.counts.calls["create"] += 1
        return web.json_response({"id": conversation})

    async def _send(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        body = await request.read()
        tenant = self._tenant_of.get(conversation, "")
        refused = self._throttled("send", tenant, conversation)
        if refused is not None:
            return refused
        self.counts.calls["send"] += 1
        found = REWARD_ID.search(body)
        if found:
            self.counts.posted_rewards[found.group().decode()] += 1
            self.counts.post_times.append(time.monotonic())
        return web.json_response({"id": f"1:{self.counts.calls['send']}"})

    def _throttled(self, kind: str, tenant: str, conversation: str | None) -> web.Response | None:
        wait = self._wait(tenant, conversation)
        if not wait:
            return None
        self.counts.throttled[kind] += 1
        return web.json_response(
            {"error": {"code": "Throttled", "message": "too many requests"}},
            status=429,
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )

    def _wait(self, tenant: str, conversation: str | None) -> float:
        limits = self.limits
        if limits is None:
            return 0.0
        now = time.monotonic()
        chat = None
        if conversation is not None:
            chat = self._conversations.setdefault(
                conversation, TokenBucket(limits.per_conversation, limits.conversation_burst)
            )
            wait = chat.take(now)
            if wait:
                return wait
        bucket = self._tenants.setdefault(
            tenant, TokenBucket(limits.per_tenant, limits.tenant_burst)
        )
        wait = bucket.take(now)
        if wait and chat is not None:
            chat.tokens += 1  # a refused request spends nothing
        return wait
