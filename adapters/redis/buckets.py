"""core.pacing.TokenBuckets in Redis: a key per bucket holding its `due` time, changed by Lua.

A Lua script runs atomically on the Redis server, so the read-modify-write of every bucket a request
needs (a Slack workspace and a channel) is all or nothing, with no lock and one round trip. Time is
the Redis server's (`TIME`), so replicas' clocks need not agree. A key expires once its bucket is
full again: idle people and channels cost nothing. Keys of one request must live on one node (a
single Redis, or a Sentinel-managed primary; Redis Cluster would need hash tags).
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.errors import LimiterUnavailable
from core.pacing import Bucket, Grant, Outcome, Refused

PREFIX = "voucherbot:bucket:"
TIMEOUT = 1.0  # seconds: a limiter that answers slower than this is treated as down

# KEYS: the buckets. ARGV[1]: max wait (s); then for each key: interval (s), tolerance (s).
# Returns {granted (1 or 0), wait in seconds as text} (Lua numbers would be truncated to integers).
TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local at = now
local dues = {}
for i, key in ipairs(KEYS) do
  local due = tonumber(redis.call('GET', key)) or now
  dues[i] = due
  local earliest = due - tonumber(ARGV[2 * i + 1])
  if earliest > at then at = earliest end
end
if at - now > tonumber(ARGV[1]) + 1e-9 then
  return {0, string.format('%.6f', at - now)}
end
for i, key in ipairs(KEYS) do
  local due = math.max(dues[i], at) + tonumber(ARGV[2 * i])
  redis.call('SET', key, string.format('%.6f', due), 'PX', math.ceil((due - now) * 1000) + 1000)
end
return {1, string.format('%.6f', at - now)}
"""

GIVE_BACK = """
local due = tonumber(redis.call('GET', KEYS[1]))
if due then
  redis.call('SET', KEYS[1], string.format('%.6f', due - tonumber(ARGV[1])), 'KEEPTTL')
end
return 1
"""


class RedisTokenBuckets:
    """Buckets every replica pointed at the same Redis shares."""

    def __init__(self, client: Redis, *, timeout: float = TIMEOUT) -> None:
        self._client = client
        self._timeout = timeout
        self._take = client.register_script(TAKE)
        self._give_back = client.register_script(GIVE_BACK)

    @classmethod
    def from_url(cls, url: str, *, timeout: float = TIMEOUT) -> RedisTokenBuckets:
        """Connects lazily (on the first call): a Redis that is down at start-up stops nothing."""
        client = Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
        )
        return cls(client, timeout=timeout)

    async def take(self, *buckets: Bucket, max_wait: float = 0.0) -> Outcome:
        args: list[float] = [max_wait]
        for bucket in buckets:
            args += [bucket.interval, bucket.tolerance]
        keys = [PREFIX + b.key for b in buckets]
        granted, wait = await self._call(self._take(keys=keys, args=args))
        return Grant(float(wait)) if int(granted) else Refused(float(wait))

    async def give_back(self, bucket: Bucket) -> None:
        await self._call(self._give_back(keys=[PREFIX + bucket.key], args=[bucket.interval]))

    async def close(self) -> None:
        await self._client.aclose()

    async def _call(self, call: object) -> list[bytes]:
        try:
            async with asyncio.timeout(self._timeout):
                return await call  # type: ignore[misc,no-any-return]
        except (RedisError, OSError, TimeoutError) as exc:
            raise LimiterUnavailable("Redis", type(exc).__name__) from exc
