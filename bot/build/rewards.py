"""Rewards: recognition, milestones, approvals and the HR API, with their scheduled jobs."""

from __future__ import annotations

from adapters.db.database import Database
from bot.build.lifecycle import Lifecycle
from bot.rewards import Rewards, build_rewards, seed_development_programme
from bot.settings import Settings
from core.platforms import ChatPlatform
from core.ports import Clock


async def build_reward_side(
    settings: Settings,
    database: Database,
    clock: Clock,
    life: Lifecycle,
    platforms: tuple[ChatPlatform, ...],
) -> Rewards:
    rewards = build_rewards(settings, database, clock, platforms=platforms)
    await seed_development_programme(settings, rewards.recognition)
    # Expiry and reminders every 10 minutes, milestones hourly, held approvals: once across
    # replicas.
    life.run_once_across_replicas(rewards.jobs())
    return rewards
