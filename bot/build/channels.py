"""Chat channels: one builder per platform, wired with explicit arguments, and the platform
registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from adapters.slack import SLACK, build_slack
from adapters.teams import TEAMS, BotFrameworkCloud, build_teams
from adapters.teams.service_urls import DOCUMENTED_HOSTS
from bot.build.lifecycle import Lifecycle
from bot.build.limits import socket_mode_limit
from bot.build.secret_text import plain
from bot.build.storage import cipher
from bot.rewards import Rewards, find_people_in_slack
from bot.settings import Settings
from bot.tls import OutgoingTrust
from core.checkout import Checkout
from core.gifting import Gifts
from core.group_gifts import GroupGifts
from core.pacing import TokenBuckets
from core.platforms import ChatPlatform
from core.ports import ChatSender
from core.reach import AppInstaller


@dataclass(frozen=True)
class ChannelParts:
    """What every chat channel is built from."""

    settings: Settings
    checkout: Checkout
    rewards: Rewards
    gifts: Gifts
    group_gifts: GroupGifts
    buckets: TokenBuckets  # Socket Mode counts people against the HTTP limiter's buckets
    trust: OutgoingTrust
    installer: AppInstaller | None  # Microsoft Graph installs the Teams app for whoever lacks it


# Builds a channel, mounts its routes and hooks on the lifecycle; its outbox sender, None when off.
ChannelBuilder = Callable[[ChannelParts, Lifecycle], ChatSender | None]


def teams_channel(parts: ChannelParts, life: Lifecycle) -> ChatSender:
    settings, rewards = parts.settings, parts.rewards
    teams = build_teams(
        parts.checkout,
        app_id=settings.microsoft_app_id,
        app_password=plain(settings.microsoft_app_password),
        tenant_id=settings.microsoft_app_tenant_id,
        app_type=settings.microsoft_app_type,
        public_base_url=settings.public_base_url,
        cloud=_cloud(settings),
        service_url_hosts=settings.teams_service_url_hosts or DOCUMENTED_HOSTS,
        ca_file=parts.trust.ca_file or None,
        ssl=parts.trust.context,
        installer=parts.installer,
        gifts=parts.gifts,
        group_gifts=parts.group_gifts,
        recognition=rewards.recognition,
        directory=rewards.people,
        tenants=rewards.tenants,  # each tenant's Connector URL: people reachable by id
        confirmations=rewards.confirmations,
        approvals=rewards.approvals,
    )
    life.mounts.append(teams.mount)
    life.on_stop.append(teams.close)
    return teams.sender


def _cloud(settings: Settings) -> BotFrameworkCloud:
    return BotFrameworkCloud(
        channel_service=settings.microsoft_channel_service,
        openid_metadata_url=settings.microsoft_openid_metadata_url,
        oauth_url=settings.microsoft_oauth_url,
        oauth_scope=settings.microsoft_oauth_scope,
    )


def slack_channel(parts: ChannelParts, life: Lifecycle) -> ChatSender | None:
    settings, rewards = parts.settings, parts.rewards
    if not settings.slack_enabled:
        return None
    slack = build_slack(
        parts.checkout,
        signing_secret=plain(settings.slack_signing_secret),
        bot_token=plain(settings.slack_bot_token) or None,
        api_url=settings.slack_api_url,
        app_token=plain(settings.slack_app_token) or None,
        client_id=settings.slack_client_id or None,
        client_secret=plain(settings.slack_client_secret) or None,
        oauth_database_url=settings.resolved_database_url,
        secret_box=cipher(settings) if settings.slack_client_id else None,
        public_base_url=settings.public_base_url,
        ssl=parts.trust.context,
        gifts=parts.gifts,
        group_gifts=parts.group_gifts,
        recognition=rewards.recognition,
        confirmations=rewards.confirmations,
        approvals=rewards.approvals,
    )
    find_people_in_slack(rewards, slack)  # HR-system and milestone rewards by email
    life.mounts.append(slack.mount)
    if settings.slack_app_token is not None:
        limit = socket_mode_limit(settings, parts.buckets)
        life.on_start.append(lambda _port: slack.start_socket_mode(limit=limit))
    life.on_stop.append(slack.close)
    return slack.sender


# The platform registry: one line per chat platform, its descriptor (adapters/<name>/platform.py)
# and its builder. The rate limiter, the outbox's senders and the platform names come from here.
CHANNELS: tuple[tuple[ChatPlatform, ChannelBuilder], ...] = (
    (TEAMS, teams_channel),
    (SLACK, slack_channel),
)
PLATFORMS: tuple[ChatPlatform, ...] = tuple(platform for platform, _ in CHANNELS)


def build_channels(parts: ChannelParts, life: Lifecycle) -> dict[str, ChatSender]:
    """Every platform's channel that its settings turn on, by platform name (the outbox's
    senders)."""
    senders: dict[str, ChatSender] = {}
    for platform, build in CHANNELS:
        sender = build(parts, life)
        if sender is not None:
            senders[platform.name] = sender
    return senders
