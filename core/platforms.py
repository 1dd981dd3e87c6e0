"""A chat platform as the rest of the bot knows it: its name, what people read, who sent a request.

Each channel adapter declares one `ChatPlatform` (adapters/slack/platform.py,
adapters/teams/platform.py); the composition root lists them once (bot/build/channels.py) and hands
the list to whatever needs to know the platforms: the rate limiter, the dashboard's labels and
filters, the checks on imported ids and named approvers, the private chats rewards reach people in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.identity import ConversationRef

if TYPE_CHECKING:
    from core.chat_ports import TenantEndpoints

# A platform's address of someone's private chat with the bot, from (tenant, user id): None when the
# bot cannot reach them, awaitable when it takes a look-up (Teams: the tenant's stored Connector
# URL).
AddressFor = Callable[[str, str], ConversationRef | Awaitable[ConversationRef | None] | None]


@dataclass(frozen=True)
class ActingPerson:
    """Who an inbound request says it is from, read before its signature is checked (so: a
    claim)."""

    tenant: str  # the Slack workspace (team id), the Teams tenant id
    user_id: str  # "" when the body names no one: the request counts against its network address
    wants_words: bool = False  # a refusal must be a 200 in words (a Slack slash command)


@dataclass(frozen=True)
class ChatPlatform:
    """One chat platform's descriptor; `name` is ChatUser.platform, the outbox channel and the
    `slack:` / `teams:` prefix of people named in settings."""

    name: str
    label: str  # what people read: "Microsoft Teams"
    short_label: str  # where space is short (a table column): "Teams"
    inbound_path: str  # where the platform POSTs what people do
    # None for an inbound request that counts against no person (Slack's Events API callbacks).
    acting_person: Callable[[bytes], ActingPerson | None]
    # A refusal the platform shows in words, as the JSON body of a 200 answer (None: a plain 429).
    in_words: Callable[[str], Mapping[str, object]] | None = None
    # How the bot addresses someone's private chat from ids, given where tenants' endpoints are kept
    # (None: it cannot reach people by id).
    private_chat: Callable[[TenantEndpoints], AddressFor] | None = None
    # The workspace or tenant of one of this platform's conversations (None: it has no such thing).
    workspace_of: Callable[[ConversationRef], str] | None = None

    def key(self, person: ActingPerson) -> str:
        """The person's rate-limit key: `slack:T0…:U0…`, `teams:<tenant>:<user>`."""
        return f"{self.name}:{person.tenant}:{person.user_id}"


def platform_names(platforms: Iterable[ChatPlatform]) -> tuple[str, ...]:
    return tuple(platform.name for platform in platforms)
