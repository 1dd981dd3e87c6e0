"""Rate-limit buckets shared by every replica: per-person limits in and pacing out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from adapters.db.database import Database
from bot.buckets import open_buckets
from bot.build.lifecycle import Lifecycle
from bot.limits import PersonLimits
from bot.settings import Settings
from core.pacing import TokenBuckets


def build_buckets(settings: Settings, database: Database, life: Lifecycle) -> TokenBuckets:
    buckets, close = open_buckets(settings, database)  # Redis, PostgreSQL, else memory
    if close is not None:
        life.on_stop.append(close)
    return buckets


def socket_mode_limit(
    settings: Settings, buckets: TokenBuckets
) -> Callable[[str], Awaitable[float]] | None:
    """Socket Mode requests count against the same per-person buckets as HTTP ones."""
    if settings.rate_limit_per_minute <= 0:
        return None
    limits = PersonLimits(buckets, settings.rate_limit_per_minute / 60, settings.rate_limit_burst)
    return limits.take
