"""core.pacing.TokenBuckets in PostgreSQL: a `token_buckets` row per bucket holding its `due` time.

One short transaction per take: an `INSERT … ON CONFLICT DO UPDATE … RETURNING` creates missing rows
and locks every row the request needs (in key order, so two requests never deadlock) and returns
their `due` with the database's clock; the GCRA step runs here; an `UPDATE … FROM unnest(…)` writes
the new times, and the commit releases the locks. Racing replicas queue on the row locks, so a token
is never granted twice. Times are the database server's, in whole microseconds (exact integers),
so replicas' clocks need not agree.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.errors import LimiterUnavailable
from core.pacing import Bucket, Grant, Outcome, schedule

MICROS = 1_000_000
TIMEOUT = 5.0  # seconds (connecting included): a limiter slower than this is treated as down

LOCK = text(
    "INSERT INTO token_buckets (key, due)"
    " SELECT k, 0 FROM unnest(CAST(:keys AS text[])) AS k ORDER BY k"
    " ON CONFLICT (key) DO UPDATE SET due = token_buckets.due"
    " RETURNING key, due, CAST(extract(epoch FROM clock_timestamp()) * 1000000 AS bigint) AS now"
)
WRITE = text(
    "UPDATE token_buckets SET due = v.due"
    " FROM unnest(CAST(:keys AS text[]), CAST(:dues AS bigint[])) AS v(key, due)"
    " WHERE token_buckets.key = v.key"
)
GIVE_BACK = text("UPDATE token_buckets SET due = due - :interval WHERE key = :key")


class SqlTokenBuckets:
    """Buckets every replica on the same PostgreSQL database shares."""

    def __init__(self, engine: AsyncEngine, *, timeout: float = TIMEOUT) -> None:
        self._engine = engine
        self._timeout = timeout

    async def take(self, *buckets: Bucket, max_wait: float = 0.0) -> Outcome:
        keys = sorted({b.key for b in buckets})
        try:
            async with asyncio.timeout(self._timeout), self._engine.connect() as connection:
                rows = (await connection.execute(LOCK, {"keys": keys})).all()
                due = {row.key: row.due / MICROS for row in rows}
                now = rows[0].now / MICROS
                outcome, after = schedule(
                    buckets, [due[b.key] if due[b.key] else now for b in buckets], now, max_wait
                )
                if isinstance(outcome, Grant):
                    dues = {b.key: round(d * MICROS) for b, d in zip(buckets, after, strict=True)}
                    await connection.execute(
                        WRITE, {"keys": list(dues), "dues": list(dues.values())}
                    )
                await connection.commit()
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            raise LimiterUnavailable("PostgreSQL", type(exc).__name__) from exc
        return outcome

    async def give_back(self, bucket: Bucket) -> None:
        interval = round(bucket.interval * MICROS)
        try:
            async with asyncio.timeout(self._timeout), self._engine.begin() as connection:
                await connection.execute(GIVE_BACK, {"key": bucket.key, "interval": interval})
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            raise LimiterUnavailable("PostgreSQL", type(exc).__name__) from exc
