"""Which buckets a Slack send uses (core.pacing.PacedSender): its workspace's and its channel's.

Slack limits `chat.postMessage` to about one message a second per channel, with short bursts, and
to a workspace-wide rate it does not publish. Notices that go to a person's DM are paced by that DM
(keyed by the person: the DM's channel id is only known after `conversations.open`); order updates
and shout-outs by the channel they are posted in.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.slack.translate import SlackAddress
from core.identity import ConversationRef
from core.pacing import Bucket
from core.views import Notice, OrderSummary, ShoutOut


@dataclass(frozen=True)
class SlackPaces:
    """Messages a second and bursts; a rate of 0 leaves that limit to Slack's 429s."""

    workspace_per_second: float
    workspace_burst: float
    channel_per_second: float
    channel_burst: float

    def __call__(self, conversation: ConversationRef, notice: Notice) -> list[Bucket]:
        address = SlackAddress.from_json(conversation.address)
        team = address.enterprise + "/" + address.team if address.enterprise else address.team
        buckets = []
        if self.workspace_per_second > 0:
            buckets.append(Bucket(f"slack:{team}", self.workspace_per_second, self.workspace_burst))
        if self.channel_per_second > 0:
            in_channel = isinstance(notice, OrderSummary | ShoutOut) and address.channel
            where = address.channel if in_channel else f"dm:{address.user}"
            buckets.append(
                Bucket(f"slack:{team}:{where}", self.channel_per_second, self.channel_burst)
            )
        return buckets
