"""A chat platform as the rest of the bot knows it: its name, what people read, who sent a request.

Each channel adapter declares one `ChatPlatform` (adapters/slack/platform.py,
adapters/teams/platform.py); the composition root lists them once (bot/build/platforms.py) and hands
the list to whatever needs to know the platforms: the rate limiter, the dashboard's labels, the
checks on imported ids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass


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

    def key(self, person: ActingPerson) -> str:
        """The person's rate-limit key: `slack:T0…:U0…`, `teams:<tenant>:<user>`."""
        return f"{self.name}:{person.tenant}:{person.user_id}"
