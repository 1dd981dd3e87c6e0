"""Which buckets a Teams send uses (core.pacing.PacedSender): its tenant's and its conversation's.

The Bot Connector throttles a bot at about 50 requests a second per tenant and 7 messages a second
per conversation. A person's address without a conversation yet (a reward's recipient) is paced by
the person, whose 1:1 chat the send creates: two requests of the tenant's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.identity import ConversationRef
from core.pacing import Bucket
from core.views import Notice


@dataclass(frozen=True)
class TeamsPaces:
    """Messages a second and bursts; a rate of 0 leaves that limit to the Connector's 429s."""

    tenant_per_second: float
    tenant_burst: float
    conversation_per_second: float
    conversation_burst: float

    def __call__(self, conversation: ConversationRef, notice: Notice) -> list[Bucket]:
        # The stored JSON is read directly: deserialising the reference costs more than the pacing.
        data = json.loads(conversation.address)
        tenant = str(data.get("tenant") or "")
        where = _conversation(data.get("reference"))
        # the Connector counts requests: a send that first opens the person's chat is two
        requests = 2.0 if where.startswith("u:") else 1.0
        buckets = []
        if self.tenant_per_second > 0:
            buckets.append(
                Bucket(f"teams:{tenant}", self.tenant_per_second, self.tenant_burst, requests)
            )
        if self.conversation_per_second > 0:
            buckets.append(
                Bucket(
                    f"teams:{tenant}:{where}",
                    self.conversation_per_second,
                    self.conversation_burst,
                )
            )
        return buckets


def _conversation(reference: Any) -> str:
    reference = reference if isinstance(reference, dict) else {}
    conversation = reference.get("conversation") or {}
    if isinstance(conversation, dict) and conversation.get("id"):
        return f"c:{conversation['id']}"
    user = reference.get("user") or {}
    return f"u:{user.get('id', '') if isinstance(user, dict) else ''}"
