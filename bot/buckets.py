"""Where this deployment keeps its rate-limit buckets, and the outbound pacing built on them.

Redis when `REDIS_URL` is set, else PostgreSQL (the database every replica already shares), else
(SQLite: one process) memory. A shared store sits behind `FallbackBuckets`: if it stops answering,
each replica limits on its own until it answers again (core.pacing explains why not fail closed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from adapters.db.database import Database
from adapters.redis import RedisTokenBuckets
from adapters.teams.pacing import TeamsPaces
from bot.settings import Settings
from core.pacing import FallbackBuckets, MemoryTokenBuckets, PacedSender, Paces, TokenBuckets
from core.ports import ChatSender

Close = Callable[[], Awaitable[None]]


def open_buckets(settings: Settings, database: Database) -> tuple[TokenBuckets, Close | None]:
    """The buckets, and what closes them on shutdown (None when there is nothing to close)."""
    if settings.redis_url is not None:
        redis = RedisTokenBuckets.from_url(settings.redis_url.get_secret_value())
        return FallbackBuckets(redis), redis.close
    if database.dialect == "postgresql":
        return FallbackBuckets(database.token_buckets()), None
    return MemoryTokenBuckets(), None


def paces(settings: Settings) -> dict[str, Paces]:
    from adapters.slack.pacing import SlackPaces  # Slack's SDKs load only when Slack is used

    return {
        "slack": SlackPaces(
            settings.slack_pace_workspace_per_second,
            settings.slack_pace_workspace_burst,
            settings.slack_pace_channel_per_second,
            settings.slack_pace_channel_burst,
        ),
        "teams": TeamsPaces(
            settings.teams_pace_tenant_per_second,
            settings.teams_pace_tenant_burst,
            settings.teams_pace_conversation_per_second,
            settings.teams_pace_conversation_burst,
        ),
    }


def paced(
    senders: Mapping[str, ChatSender], buckets: TokenBuckets, settings: Settings
) -> dict[str, ChatSender]:
    """Each platform's sender, waiting for its budget before it sends."""
    rules = paces(settings)
    return {
        platform: PacedSender(sender, buckets, rules[platform]) if platform in rules else sender
        for platform, sender in senders.items()
    }
