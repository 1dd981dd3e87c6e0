"""Token buckets shared by every replica: per-person limits on what comes in, pacing what goes out.

A bucket is kept as one number, the time it is next free (GCRA, the "generic cell rate algorithm"):
a bucket with `per_second` tokens a second and room for `burst` grants a token at time `t` when
`t >= due - (burst - 1) / per_second`, and then moves `due` to `max(due, t) + 1 / per_second`. That
is exactly a token bucket, but one number per key makes the shared stores (Redis, PostgreSQL) a
single atomic read-modify-write, and lets a sender *reserve* a slot a little in the future instead
of polling: every waiting sender is given its own slot, so replicas never stampede a busy bucket.

`take(*buckets, max_wait)` reserves in all the buckets or in none (a Slack message needs both its
workspace's and its channel's): 0.0 means go now, a positive number within `max_wait` means the slot
is held, go after that many seconds; a refusal is a `Refused` with the seconds until a slot exists.

Where the buckets live is an adapter's business (memory, Redis, PostgreSQL); `FallbackBuckets` keeps
limits working per replica when the shared store is down (see its docstring).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from core.errors import DeliveryRetryLater, LimiterUnavailable
from core.identity import ConversationRef
from core.ports import ChatSender
from core.views import Notice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bucket:
    """One key's bucket: `per_second` tokens a second, at most `burst` saved up; a take costs
    `cost` tokens (a send that is two requests to the platform, say)."""

    key: str
    per_second: float
    burst: float
    cost: float = 1.0

    @property
    def interval(self) -> float:
        """How far a take moves the bucket's `due` time."""
        return self.cost / self.per_second

    @property
    def tolerance(self) -> float:
        """How far ahead of `due` a token may be taken: the burst left after this take, in
        seconds."""
        return max(0.0, self.burst - self.cost) / self.per_second


@dataclass(frozen=True)
class Grant:
    """A token was taken (from every bucket asked): go after `wait` seconds (0.0: now)."""

    wait: float


@dataclass(frozen=True)
class Refused:
    """No token within the wait allowed: try again after `wait` seconds."""

    wait: float


Outcome = Grant | Refused


class TokenBuckets(Protocol):
    """Where buckets live; every replica that shares the store shares the budget."""

    async def take(self, *buckets: Bucket, max_wait: float = 0.0) -> Outcome:
        """A token from each bucket, all or none, at the earliest time within `max_wait` seconds."""
        ...

    async def give_back(self, bucket: Bucket) -> None:
        """Return a token taken for a request that turned out not to count (unauthenticated)."""
        ...


def schedule(
    buckets: Sequence[Bucket], dues: Sequence[float], now: float, max_wait: float
) -> tuple[Outcome, list[float]]:
    """The GCRA step every store runs atomically: the outcome and each bucket's new `due`."""
    at = max([now, *(due - b.tolerance for b, due in zip(buckets, dues, strict=True))])
    if at - now > max_wait + 1e-9:
        return Refused(at - now), list(dues)
    return Grant(at - now), [
        max(due, at) + b.interval for b, due in zip(buckets, dues, strict=True)
    ]


class MemoryTokenBuckets:
    """Buckets in this process's memory: right for one process (SQLite); per replica otherwise."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._due: dict[str, float] = {}

    def __len__(self) -> int:
        """How many keys are remembered (memory stays bounded by `max_keys`)."""
        return len(self._due)

    async def take(self, *buckets: Bucket, max_wait: float = 0.0) -> Outcome:
        now = self._clock()
        dues = [self._due.get(b.key, now) for b in buckets]
        outcome, after = schedule(buckets, dues, now, max_wait)
        if isinstance(outcome, Grant):
            self._due.update((b.key, due) for b, due in zip(buckets, after, strict=True))
            self._forget_idle(now)
        return outcome

    async def give_back(self, bucket: Bucket) -> None:
        if bucket.key in self._due:
            self._due[bucket.key] -= bucket.interval

    def _forget_idle(self, now: float) -> None:
        # Bounded memory: a key whose `due` has passed is a full bucket and carries no information.
        if len(self._due) <= self._max_keys:
            return
        self._due = {k: due for k, due in self._due.items() if due > now}
        if len(self._due) > self._max_keys:  # a flood of distinct keys: start afresh, not grow
            self._due.clear()


class FallbackBuckets:
    """The shared store while it answers; this replica's own memory while it does not.

    A limiter outage neither takes the bot down nor lifts every limit: each replica goes on limiting
    with its own buckets (so N replicas allow up to N times a limit), which is the behaviour before
    buckets were shared. Inbound limits exist to stop runaway clients, not to meter, and outbound
    pacing has the platform's own 429 + Retry-After (handled by the outbox) behind it, so failing
    open to per-replica limits loses nothing. Refusing everything (failing closed) would turn a
    Redis blip into an outage of every chat. The outage is logged once when it starts, at most once
    a minute while it lasts, and once when the store answers again.
    """

    def __init__(
        self,
        shared: TokenBuckets,
        local: TokenBuckets | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        log_every: float = 60.0,
    ) -> None:
        self._shared = shared
        self._local = local or MemoryTokenBuckets()
        self._clock = clock
        self._log_every = log_every
        self._down_since: float | None = None
        self._logged_at = 0.0

    @property
    def degraded(self) -> bool:
        """True while the shared store is failing and limits are this replica's own."""
        return self._down_since is not None

    async def take(self, *buckets: Bucket, max_wait: float = 0.0) -> Outcome:
        try:
            outcome = await self._shared.take(*buckets, max_wait=max_wait)
        except LimiterUnavailable as exc:
            self._failed(exc)
            return await self._local.take(*buckets, max_wait=max_wait)
        self._answered()
        return outcome

    async def give_back(self, bucket: Bucket) -> None:
        try:
            await self._shared.give_back(bucket)
        except LimiterUnavailable as exc:
            self._failed(exc)
            await self._local.give_back(bucket)

    def _failed(self, exc: LimiterUnavailable) -> None:
        now = self._clock()
        if self._down_since is None:
            self._down_since = now
        elif now - self._logged_at < self._log_every:
            return
        self._logged_at = now
        log.warning(
            "shared rate limits unavailable; limiting per replica until they answer",
            extra={"error": str(exc), "down_seconds": round(now - self._down_since, 1)},
        )

    def _answered(self) -> None:
        if self._down_since is None:
            return
        log.warning(
            "shared rate limits answer again",
            extra={"down_seconds": round(self._clock() - self._down_since, 1)},
        )
        self._down_since = None


Paces = Callable[[ConversationRef, Notice], Sequence[Bucket]]  # what a send uses (platform's rule)


class PacedSender:
    """A ChatSender that waits for its platform's budget (workspace, channel, tenant) to send.

    Sending within the platform's limits instead of into its 429s keeps every replica's messages
    moving at the combined limit. A slot further off than `max_wait` is not waited for: the outbox
    is told to try later (a throttle, which costs the message none of its attempts).
    """

    def __init__(
        self,
        inner: ChatSender,
        buckets: TokenBuckets,
        paces: Paces,
        *,
        max_wait: float = 10.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.platform = inner.platform
        self._inner = inner
        self._buckets = buckets
        self._paces = paces
        self._max_wait = max_wait
        self._sleep = sleep

    async def send(self, conversation: ConversationRef, notice: Notice) -> None:
        buckets = self._paces(conversation, notice)
        if buckets:
            outcome = await self._buckets.take(*buckets, max_wait=self._max_wait)
            if isinstance(outcome, Refused):
                raise DeliveryRetryLater("paced: no send slot soon", retry_after=outcome.wait)
            if outcome.wait > 0:
                await self._sleep(outcome.wait)
        await self._inner.send(conversation, notice)
