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
    # A user id an operator typed (REWARD_ADMINS, the CLIs) in its canonical form, None when it is
    # not one of this platform's user ids; and how to ask for one ("slack:<user id>").
    person_id: Callable[[str], str | None] | None = None
    person_hint: str = ""

    def key(self, person: ActingPerson) -> str:
        """The person's rate-limit key: `slack:T0…:U0…`, `teams:<tenant>:<user>`."""
        return f"{self.name}:{person.tenant}:{person.user_id}"


def person_identity(value: str, platforms: Iterable[ChatPlatform]) -> str:
    """`slack:U0HR`, `teams:<Entra object id>`: a person named by an operator, checked and put in
    canonical form by their platform's descriptor; ValueError saying what is expected otherwise."""
    name, _, user = value.strip().partition(":")
    known = {platform.name: platform for platform in platforms}
    platform = known.get(name.lower())
    canonical = None
    if platform is not None and user:
        canonical = platform.person_id(user) if platform.person_id is not None else user
    if canonical is None:
        raise ValueError(f"'{value}' is not {person_hints(known.values())}")
    return f"{name.lower()}:{canonical}"


def person_hints(platforms: Iterable[ChatPlatform]) -> str:
    """'slack:<user id> or teams:<Entra object id>': how to name a person, platforms by name."""
    ordered = sorted(platforms, key=lambda p: p.name)
    return " or ".join(p.person_hint or f"{p.name}:<user id>" for p in ordered)


def platform_names(platforms: Iterable[ChatPlatform]) -> tuple[str, ...]:
    return tuple(platform.name for platform in platforms)
