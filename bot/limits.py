"""Per-user rate limits: a token bucket per Slack or Teams user and per checkout, answered with 429.

Who a request is from is read cheaply from the body the platform signed, before the adapter has
authenticated it: each platform's descriptor says how (core.platforms; a Slack form field, a Teams
activity's `from`). A request the adapter then refuses as unauthenticated (401/403) gives its token
back, so forged requests in someone's name barely dent their bucket. Buckets are shared by every
replica (Redis or PostgreSQL, core.pacing), so behind a load balancer a person gets the rate once,
not once per replica; Socket Mode requests, which never pass through this middleware, are counted
against the same buckets by adapters/slack/socket_limits.py.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from aiohttp import web

from core.pacing import Bucket, Grant, TokenBuckets
from core.platforms import ChatPlatform

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SLOW_DOWN = "You're going a bit fast. Please try again in {seconds} s."


class PersonLimits:
    """One bucket per key at the same rate, in shared buckets (core.pacing: Redis, PostgreSQL or
    memory)."""

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
    in_words: Callable[[str], Mapping[str, object]] | None = None  # a refusal the platform shows


async def limited(request: web.Request, platforms: Sequence[ChatPlatform]) -> Limited | None:
    """Which bucket a request counts against, or None for requests that are not rate limited."""
    platform = next((p for p in platforms if p.inbound_path == request.path), None)
    if request.method == "POST" and platform is not None:
        return person_limited(platform, await request.read(), request.remote)
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


def person_limited(platform: ChatPlatform, body: bytes, remote: str | None) -> Limited | None:
    """The bucket of whoever the platform says sent `body`; its network address when it names no
    one."""
    person = platform.acting_person(body)
    if person is None:
        return None
    if not person.user_id:
        return Limited(f"ip:{remote}")
    return Limited(platform.key(person), platform.in_words if person.wants_words else None)


def too_many(request: Limited, wait: float) -> web.Response:
    seconds = max(1, math.ceil(wait))
    if request.in_words is not None:
        body = request.in_words(SLOW_DOWN.format(seconds=seconds))
        return web.json_response(body, headers={"Retry-After": str(seconds)})
    refusal = {"error": "too many requests", "retry_after": seconds}
    return web.json_response(refusal, status=429, headers={"Retry-After": str(seconds)})


def rate_limit(
    buckets: PersonLimits, platforms: Sequence[ChatPlatform] = ()
) -> Callable[..., Awaitable[web.StreamResponse]]:
    """aiohttp middleware: one token per limited request; unauthenticated requests give theirs
    back."""

    @web.middleware
    async def limit(request: web.Request, handler: Handler) -> web.StreamResponse:
        which = await limited(request, platforms)
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
