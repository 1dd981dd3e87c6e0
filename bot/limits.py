"""Per-user rate limits: a token bucket per Slack or Teams user and per checkout, answered with 429.

Who a request is from is read cheaply from the body the platform signed (a Slack form field, the
`payload` JSON of an interaction, a Teams activity's `from`), before the adapter has authenticated it.
A request the adapter then refuses as unauthenticated (401/403) gives its token back, so forged
requests in someone's name barely dent their bucket. Buckets are shared by every replica (Redis or
PostgreSQL, core.pacing), so behind a load balancer a person gets the rate once, not once per replica;
Socket Mode requests, which never pass through this middleware, are counted against the same buckets
by adapters/slack/socket_limits.py.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from core.pacing import Bucket, Grant, TokenBuckets

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SLACK_PATH = "/slack/events"
TEAMS_PATH = "/api/messages"
SLOW_DOWN = "You're going a bit fast. Please try again in {seconds} s."


class PersonLimits:
    """One bucket per key at the same rate, in shared buckets (core.pacing: Redis, PostgreSQL or memory)."""

    def __init__(self, buckets: TokenBuckets, per_second: float, burst: int) -> None:
        self._buckets = buckets
        self._per_second = per_second
        self._burst = float(burst)

    async def take(self, key: str) -> float:
        """Take a token: 0.0 if there was one, else the seconds until there will be."""
        outcome = await self._buckets.take(self._bucket(key))
        return 0.0 if isinstance(outcome, Grant) else outcome.wait

    async def give_back(self, key: str) -> None:
        await self._buckets.give_back(self._bucket(key))

    def _bucket(self, key: str) -> Bucket:
        return Bucket(key, self._per_second, self._burst)


@dataclass(frozen=True)
class Limited:
    """A request that counts against a bucket, and how to say no to it."""

    key: str
    slack_command: bool = False


async def limited(request: web.Request) -> Limited | None:
    """Which bucket a request counts against, or None for requests that are not rate limited."""
    if request.method == "POST" and request.path == SLACK_PATH:
        return slack_limited(await request.read())
    if request.method == "POST" and request.path == TEAMS_PATH:
        user = teams_user(await request.read())
        return Limited(f"teams:{user}" if user else f"ip:{request.remote}")
    parts = request.path.split("/")
    if (
        request.method == "GET"
        and len(parts) == 4
        and parts[1] == "checkout"
        and parts[3] == "status"
    ):
        return Limited(
            f"checkout:{parts[2][:200]}"
        )  # the buyer's own link: one bucket per checkout
    return None


def slack_limited(body: bytes) -> Limited | None:
    """Slash commands and interactions by team and user; Events API callbacks (JSON) are not limited."""
    try:
        form = parse_qs(body.decode(), max_num_fields=64)
    except (UnicodeDecodeError, ValueError):
        return None
    if "payload" in form:
        payload = _json(form["payload"][0])
        user, team = _object(payload.get("user")), _object(payload.get("team"))
        user_id, team_id = user.get("id"), team.get("id") or user.get("team_id")
        return Limited(f"slack:{team_id}:{user_id}") if user_id else None
    if "user_id" in form and "command" in form:
        return Limited(
            f"slack:{form.get('team_id', [''])[0]}:{form['user_id'][0]}", slack_command=True
        )
    return None


def teams_user(body: bytes) -> str | None:
    """`tenant:user` of a Teams activity (Entra object id when present), or None if unreadable."""
    activity = _json(body)
    sender = _object(activity.get("from"))
    user = sender.get("aadObjectId") or sender.get("id")
    tenant_id = _object(_object(activity.get("channelData")).get("tenant")).get("id") or ""
    return f"{tenant_id}:{user}" if isinstance(user, str) and user else None


def too_many(request: Limited, wait: float) -> web.Response:
    seconds = max(1, math.ceil(wait))
    if request.slack_command:
        # Slack shows a non-200 answer to a slash command as a bare failure: say it in words instead.
        body = {"response_type": "ephemeral", "text": SLOW_DOWN.format(seconds=seconds)}
        return web.json_response(body, headers={"Retry-After": str(seconds)})
    refusal = {"error": "too many requests", "retry_after": seconds}
    return web.json_response(refusal, status=429, headers={"Retry-After": str(seconds)})


def rate_limit(buckets: PersonLimits) -> Callable[..., Awaitable[web.StreamResponse]]:
    """aiohttp middleware: one token per limited request; unauthenticated requests give theirs back."""

    @web.middleware
    async def limit(request: web.Request, handler: Handler) -> web.StreamResponse:
        which = await limited(request)
        if which is None:
            return await handler(request)
        wait = await buckets.take(which.key)
        if wait > 0:
            return too_many(which, wait)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            await _unauthenticated(buckets, which, exc.status)
            raise
        await _unauthenticated(buckets, which, response.status)
        return response

    return limit


async def _unauthenticated(buckets: PersonLimits, which: Limited, status: int) -> None:
    if status in (401, 403):
        await buckets.give_back(which.key)


def _json(text: str | bytes) -> dict[str, Any]:
    try:
        return _object(json.loads(text))
    except (ValueError, RecursionError):
        return {}


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
