"""Who a reward goes to in Slack: mentions, user groups and a channel's members, as core
recipients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.i18n import ENGLISH, Localizer, words
from adapters.slack import translate
from adapters.slack.directory import Profile, SlackDirectory, UserDirectory
from adapters.slack.reward_text import RewardText
from core.givers import Givers
from core.identity import ChatUser
from core.rewards import NotRewardAdmin, Recipient

Body = dict[str, Any]
People = tuple[ChatUser, tuple[Recipient, ...], list[str]]  # the named giver, recipients, notes


async def admin_refusal(givers: Givers, giver: ChatUser, loc: Localizer = ENGLISH) -> str | None:
    """None for a reward admin; otherwise the refusal, once the core has refused and audited it."""
    try:
        await givers.authorize(giver)
    except NotRewardAdmin as exc:
        return words.error_text(exc, loc)
    return None


class RewardPeople:
    """Resolves Slack user ids to recipients through the (cached) user directory."""

    def __init__(self, users: UserDirectory) -> None:
        self._users = users

    async def of_text(
        self,
        body: Body,
        client: AsyncWebClient,
        giver: ChatUser,
        parsed: RewardText,
        loc: Localizer = ENGLISH,
    ) -> People:
        """Mentions, user groups and the channel's members; bots and the sender left out."""
        expanded: list[str] = []
        for group in parsed.groups:
            expanded += await self._users.group_members(client, group)
        if parsed.channel_wide:
            expanded += await self._users.channel_members(client, str(body.get("channel_id", "")))
        named = list(parsed.users)
        expanded = [u for u in expanded if u != giver.user_id and u not in named]
        enterprise = translate.enterprise_of(body)
        return await self.resolve(client, giver, named, expanded, enterprise, loc)

    async def resolve(
        self,
        client: AsyncWebClient,
        giver: ChatUser,
        named: Sequence[str],
        expanded: Sequence[str],
        enterprise: str,
        loc: Localizer = ENGLISH,
    ) -> People:
        team = giver.tenant
        wanted = list(dict.fromkeys([*named, *expanded]))
        profiles = await self._users.profiles(client, team, [giver.user_id, *wanted])
        directory = SlackDirectory(self._users, client, team, enterprise)
        notes = [
            _left_out(profiles.get(u), u, loc) for u in named if not _is_person(profiles.get(u))
        ]
        skipped = sum(not _is_person(profiles.get(u)) for u in dict.fromkeys(expanded))
        if skipped:
            notes.append(
                loc.n_(
                    "Left out {count} bot or deactivated account from the groups and channel "
                    "named.",
                    "Left out {count} bots or deactivated accounts from the groups and channel "
                    "named.",
                    skipped,
                )
            )
        recipients = tuple(
            directory.recipient(profiles[u]) for u in wanted if _is_person(profiles.get(u))
        )
        own = profiles.get(giver.user_id)
        named_giver = ChatUser(giver.platform, team, giver.user_id, own.name if own else giver.name)
        return named_giver, recipients, notes


def _is_person(profile: Profile | None) -> bool:
    return profile is not None and profile.is_person


def _left_out(profile: Profile | None, user_id: str, loc: Localizer) -> str:
    if profile is None:
        return loc._("Left out {who}: not a member of this workspace.", who=user_id)
    return loc._(
        "Left out {who}: bots and deactivated accounts cannot receive rewards.", who=profile.name
    )
