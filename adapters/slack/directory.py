"""Who is who in a Slack workspace: profiles cached from users.list, user groups and channel
members.

users.list is Tier 2 (about 20 calls a minute) but returns up to 200 people a call, so one paged
walk resolves a 1,000-row CSV in a handful of calls; users.lookupByEmail (Tier 3, one person a call)
would take twenty minutes for the same file. The walk is cached per workspace for `ttl_seconds`; a
few people missing from the cache (new joiners) are looked up one by one with users.info (Tier 4).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import to_delivery_error
from adapters.slack.reward_text import dm_address
from adapters.slack.translate import PLATFORM
from core.errors import DeliveryRetryLater, DirectoryUnavailable
from core.identity import ChatUser
from core.rewards import Recipient

PAGE_SIZE = 200  # Slack's recommended maximum for users.list and conversations.members
FEW = 20  # up to this many unknown people are looked up one by one rather than by walking the list
RATE_LIMIT_RETRIES = 5
SLACKBOT = "USLACKBOT"


@dataclass(frozen=True)
class Profile:
    """A Slack member as rewards need them: a display name, a work email, and whether they are a
    person."""

    user_id: str
    name: str
    email: str = ""
    is_bot: bool = False
    deleted: bool = False

    @property
    def is_person(self) -> bool:
        """A bot or a deactivated account cannot receive a reward."""
        return not (self.is_bot or self.deleted or self.user_id == SLACKBOT)

    @classmethod
    def of(cls, member: Mapping[str, Any]) -> Profile:
        profile = member.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or member.get("real_name")
            or member.get("name")
            or member["id"]
        )
        return cls(
            user_id=str(member["id"]),
            name=str(name),
            email=str(profile.get("email") or "").strip().lower(),
            is_bot=bool(member.get("is_bot")),
            deleted=bool(member.get("deleted")),
        )


@dataclass
class _Workspace:
    by_id: dict[str, Profile] = field(default_factory=dict)
    by_email: dict[str, Profile] = field(default_factory=dict)
    listed_at: float | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def remember(self, profile: Profile) -> None:
        self.by_id[profile.user_id] = profile
        if profile.email:
            self.by_email[profile.email] = profile


class UserDirectory:
    """Profiles per workspace, walked in bulk with users.list and kept for `ttl_seconds`."""

    def __init__(
        self, ttl_seconds: float = 3600, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._workspaces: dict[str, _Workspace] = {}

    async def profiles(
        self, client: AsyncWebClient, team: str, user_ids: Iterable[str]
    ) -> dict[str, Profile]:
        """The profiles of `user_ids` that exist; unknown ids are left out."""
        wanted = list(dict.fromkeys(user_ids))
        workspace = self._workspace(team)
        if sum(u not in workspace.by_id for u in wanted) > FEW:
            await self._ensure_listed(client, team)
        for user_id in [u for u in wanted if u not in workspace.by_id]:
            profile = await self._user_info(client, user_id)
            if profile is not None:
                workspace.remember(profile)
        return {u: workspace.by_id[u] for u in wanted if u in workspace.by_id}

    async def refresh(self, client: AsyncWebClient, team: str) -> None:
        """Walk the workspace's members unless the cache is fresh (before resolving a whole
        file)."""
        await self._ensure_listed(client, team)

    async def by_email(self, client: AsyncWebClient, team: str, email: str) -> Profile | None:
        workspace = await self._ensure_listed(client, team)
        return workspace.by_email.get(email.strip().lower())

    async def group_members(self, client: AsyncWebClient, group_id: str) -> list[str]:
        """The people in a user group (usergroups.users.list, Tier 2)."""
        response = await _paced(client).usergroups_users_list(usergroup=group_id)
        return [str(u) for u in response.get("users") or ()]

    async def channel_members(self, client: AsyncWebClient, channel: str) -> list[str]:
        """Everyone in a conversation (conversations.members, paged, Tier 4)."""
        members: list[str] = []
        cursor = ""
        paced = _paced(client)
        while True:
            response = await paced.conversations_members(
                channel=channel, limit=PAGE_SIZE, cursor=cursor or None
            )
            members += [str(u) for u in response.get("members") or ()]
            cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return members

    def _workspace(self, team: str) -> _Workspace:
        return self._workspaces.setdefault(team, _Workspace())

    async def _ensure_listed(self, client: AsyncWebClient, team: str) -> _Workspace:
        workspace = self._workspace(team)
        async with workspace.lock:  # one walk per workspace, however many rows are waiting for it
            fresh = (
                workspace.listed_at is not None and self._clock() - workspace.listed_at < self._ttl
            )
            if not fresh:
                listed = _Workspace()
                async for member in _all_members(client):
                    listed.remember(Profile.of(member))
                workspace.by_id, workspace.by_email = listed.by_id, listed.by_email
                workspace.listed_at = self._clock()
        return workspace

    async def _user_info(self, client: AsyncWebClient, user_id: str) -> Profile | None:
        try:
            response = await _paced(client).users_info(user=user_id)
        except SlackApiError as exc:
            if _error_code(exc) in ("user_not_found", "user_not_visible"):
                return None
            raise
        return Profile.of(response["user"])


class SlackDirectory:
    """core.ports.Directory for one workspace: colleagues by work email, from the shared profile
    cache."""

    def __init__(
        self, users: UserDirectory, client: AsyncWebClient, team: str, enterprise: str = ""
    ) -> None:
        self._users = users
        self._client = client
        self._team = team
        self._enterprise = enterprise

    async def find_by_email(self, email: str) -> Recipient | None:
        """The colleague with this email; DirectoryUnavailable when Slack cannot be asked (never a
        guess)."""
        try:
            profile = await self._users.by_email(self._client, self._team, email)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            failure = to_delivery_error(exc)
            if not isinstance(failure, DeliveryRetryLater):
                raise
            raise DirectoryUnavailable(PLATFORM, failure.retry_after) from exc
        return self.recipient(profile) if profile is not None and profile.is_person else None

    async def find_by_id(self, user_id: str) -> Recipient | None:
        profile = (await self._users.profiles(self._client, self._team, [user_id])).get(user_id)
        return self.recipient(profile) if profile is not None and profile.is_person else None

    def recipient(self, profile: Profile) -> Recipient:
        user = ChatUser(PLATFORM, self._team, profile.user_id, profile.name)
        return Recipient(user, dm_address(self._team, profile.user_id, self._enterprise))


async def _all_members(client: AsyncWebClient) -> AsyncIterator[Mapping[str, Any]]:
    cursor = ""
    paced = _paced(client)
    while True:
        response = await paced.users_list(limit=PAGE_SIZE, cursor=cursor or None)
        for member in response.get("members") or ():
            yield member
        cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            return


def _paced(client: AsyncWebClient) -> AsyncWebClient:
    """The same client, waiting out Slack's Retry-After on 429 (directory walks are not outbox
    work)."""
    return AsyncWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)],
    )


def _error_code(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    return str(data.get("error", "")) if isinstance(data, dict) else ""
