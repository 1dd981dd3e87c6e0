"""Where a Teams answer goes: the SDK's ConversationReference, the tenant, and the card to update in
place."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference

from core.identity import ConversationRef

PLATFORM = "teams"


@dataclass(frozen=True)
class TeamsAddress:
    """A conversation to continue proactively; `card_id` is the order card that follows the
    order."""

    reference: ConversationReference
    tenant_id: str
    card_id: str | None = None

    @classmethod
    def of(cls, activity: Activity, card_id: str | None = None) -> TeamsAddress:
        return cls(TurnContext.get_conversation_reference(activity), tenant_of(activity), card_id)

    @classmethod
    def parse(cls, conversation: ConversationRef) -> TeamsAddress:
        data = json.loads(conversation.address)
        return cls(
            ConversationReference.deserialize(data["reference"]),
            data.get("tenant", ""),
            data.get("card"),
        )

    def to_ref(self) -> ConversationRef:
        data = {
            "reference": self.reference.serialize(),
            "tenant": self.tenant_id,
            "card": self.card_id,
        }
        return ConversationRef(PLATFORM, json.dumps(data, sort_keys=True, separators=(",", ":")))

    def with_card(self, card_id: str | None) -> TeamsAddress:
        return replace(self, card_id=card_id)

    @property
    def has_conversation(self) -> bool:
        """False for a person's address (a reward's recipient): their 1:1 chat is created when
        needed."""
        return bool(getattr(self.reference.conversation, "id", None))

    @property
    def is_personal(self) -> bool:
        """A 1:1 chat with the bot (the Emulator sends no conversation type and is one too)."""
        conversation = self.reference.conversation
        kind = getattr(conversation, "conversation_type", None)
        return kind == "personal" or (kind is None and not getattr(conversation, "is_group", False))


def tenant_of(activity: Activity) -> str:
    # botbuilder ignores conversation.tenantId; Teams puts the tenant in channelData for every
    # activity.
    channel_data: Any = activity.channel_data or {}
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    if isinstance(tenant, dict) and tenant.get("id"):
        return str(tenant["id"])
    return str(getattr(activity.conversation, "tenant_id", None) or "")
