"""Channel-neutral people and conversation addresses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChatUser:
    """A person on a chat platform: platform, tenant (Slack team / Teams tenant) and user id."""

    platform: str
    tenant: str
    user_id: str
    name: str = ""

    @property
    def key(self) -> str:
        """A stable identity key; the display name is not part of it."""
        return f"{self.platform}:{self.tenant}:{self.user_id}"

    def same_person(self, other: ChatUser) -> bool:
        return self.key == other.key


@dataclass(frozen=True)
class ConversationRef:
    """Where to answer: an opaque, JSON-encoded address only the platform's adapter reads."""

    platform: str
    address: str


@dataclass(frozen=True)
class TenantEndpoint:
    """How the bot reaches the people of a tenant it has heard from (Teams: the Connector's service
    URL for that tenant and the bot's own account there); a person's 1:1 chat is opened from it."""

    tenant_id: str
    service_url: str
    bot_id: str
    bot_name: str = ""


def identity_of(user: ChatUser) -> str:
    """How admins and givers are named (REWARD_ADMINS, the audit): `slack:U123`, `teams:<aad object
    id>`."""
    return f"{user.platform}:{user.user_id}"
