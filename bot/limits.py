"""Per-user rate limits: a token bucket per Slack or Teams user and per checkout, answered with 429.

Who a request is from is read cheaply from the body the platform signed, before the adapter has
authenticated it: each platform's descriptor says how (core.platforms; a Slack form field, a Teams
activity's `from`).
A request the adapter then refuses as unauthenticated (401/403) gives its token back, so forged
requests in someone's name barely dent their bucket. Buckets live in each replica's memory: behind a
load balancer with N replicas a person gets at most N times the rate, which is what a limit meant to
stop runaway clients (not to meter usage) needs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from aiohttp import web

from core.platforms import ChatPlatform

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SLOW_DOWN = "You're going a bit fast. Please try again in {seconds} s."


class TokenBuckets:
    """`per_second` tokens a second per key, holding at most `burst`; a key is forgotten once full again."""

    def __init__(
        self,
        per_second: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self._rate = per_second
        self._burst = float(burst)
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)

    def __len__(self) -> int:
        """How many keys are remembered (memory stays bounded by `max_keys`)."""
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Take a token: 0.0 if there was one, else the seconds until there will be."""
        now = self._clock()
        tokens = self._tokens(key, now)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            self._forget_idle(now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / self._rate

    def give_back(self, key: str) -> None:
        now = self._clock()
        self._buckets[key] = (min(self._burst, self._tokens(key, now) + 1), now)

    def _tokens(self, key: str, now: float) -> float:
        tokens, then = self._buckets.get(key, (self._burst, now))
        return min(self._burst, tokens + (now - then) * self._rate)

    def _forget_idle(self, now: float) -> None:
        # Bounded memory: keys whose bucket has refilled carry no information.
        if len(self._buckets) <= self._max_keys:
            return
        full_after = self._burst / self._rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}
        if (
            len(self._buckets) > self._max_keys
        ):  # a flood of distinct keys: start afresh rather than grow
            self._buckets.clear()


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
    """The bucket of whoever the platform says sent `body`; its network address when it names no one."""
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
    buckets: TokenBuckets, platforms: Sequence[ChatPlatform] = ()
) -> Callable[..., Awaitable[web.StreamResponse]]:
    """aiohttp middleware: one token per limited request; unauthenticated requests give theirs back."""

    @web.middleware
    async def limit(request: web.Request, handler: Handler) -> web.StreamResponse:
        which = await limited(request, platforms)
        if which is None:
            return await handler(request)
        wait = buckets.take(which.key)
        if wait > 0:
            return too_many(which, wait)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            _unauthenticated(buckets, which, exc.status)
            raise
        _unauthenticated(buckets, which, response.status)
        return response

    return limit


def _unauthenticated(buckets: TokenBuckets, which: Limited, status: int) -> None:
    if status in (401, 403):
        buckets.give_back(which.key)
