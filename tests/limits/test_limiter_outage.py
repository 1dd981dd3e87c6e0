"""A shared limiter that stops answering: each replica limits on its own meanwhile, says so, and
recovers.

Failing open to per-replica buckets (not to no limits, not to refusing everyone) is the decision;
see core.pacing.FallbackBuckets for why. Redis goes away through a TCP relay this test cuts and
restores, so the client sees a real dropped connection and then a refused one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit
from uuid import uuid4

import pytest

from adapters.db.crypto import VoucherCipher
from adapters.db.database import Database
from adapters.redis import RedisTokenBuckets
from core.errors import LimiterUnavailable
from core.pacing import Bucket, FallbackBuckets, Grant, Refused


class Relay:
    """A loopback TCP relay to Redis that can be cut (listener and open connections) and
    restored."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            self._copy(reader, up_writer), self._copy(up_reader, writer), return_exceptions=True
        )

    async def _copy(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()


@pytest.fixture
async def relay(redis_url: str) -> AsyncIterator[Relay]:
    parts = urlsplit(redis_url)
    running = Relay(parts.hostname or "127.0.0.1", parts.port or 6379)
    await running.start()
    yield running
    await running.cut()


@pytest.mark.redis
async def test_while_redis_is_down_each_replica_limits_alone_and_logs_it_once(
    relay: Relay, caplog: pytest.LogCaptureFixture
) -> None:
    redis = RedisTokenBuckets.from_url(f"redis://127.0.0.1:{relay.port}/0", timeout=0.5)
    buckets = FallbackBuckets(redis)
    ada = Bucket(f"test:{uuid4().hex[:8]}:ada", per_second=0.01, burst=3)
    caplog.set_level(logging.WARNING, logger="core.pacing")
    try:
        shared = [await buckets.take(ada) for _ in range(2)]
        await relay.cut()
        during = [await buckets.take(ada) for _ in range(5)]
        degraded = buckets.degraded
        await relay.start()  # Redis is back, on the same address
        after = [await buckets.take(ada) for _ in range(2)]
    finally:
        await redis.close()

    assert shared == [Grant(0.0)] * 2
    # this replica's own bucket: a full burst of 3, then refusals (not an error, not unlimited)
    assert [type(o) for o in during] == [Grant] * 3 + [Refused] * 2
    assert degraded and not buckets.degraded
    # Redis kept the shared state: one token was left of the three
    assert isinstance(after[0], Grant) and isinstance(after[1], Refused)
    messages = [r.getMessage() for r in caplog.records]
    assert (
        messages.count("shared rate limits unavailable; limiting per replica until they answer")
        == 1
    )
    assert messages.count("shared rate limits answer again") == 1


@pytest.mark.redis
async def test_an_unreachable_redis_is_a_limiter_error_not_a_crash() -> None:
    redis = RedisTokenBuckets.from_url("redis://127.0.0.1:9/0", timeout=0.5)  # discard: refused
    try:
        with pytest.raises(LimiterUnavailable) as refused:
            await redis.take(Bucket("test:nobody", 1, 1))
    finally:
        await redis.close()
    assert refused.value.store == "Redis"


async def test_an_unreachable_postgres_falls_back_to_this_replicas_buckets() -> None:
    database = Database(
        "postgresql+asyncpg://postgres@127.0.0.1:9/test",
        VoucherCipher(VoucherCipher.generate_key()),
    )
    buckets = FallbackBuckets(database.token_buckets())
    grace = Bucket("test:grace", per_second=0.01, burst=1)
    try:
        outcomes = [await buckets.take(grace) for _ in range(2)]
    finally:
        await database.dispose()

    assert [type(o) for o in outcomes] == [Grant, Refused] and buckets.degraded
