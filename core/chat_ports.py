"""What the core needs from the chat side: a sender, a directory, endpoints, confirmations."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from core.identity import ConversationRef, TenantEndpoint
from core.rewards import Recipient
from core.views import Notice


class ChatSender(Protocol):
    """Sends a notice into a conversation of one platform."""

    platform: str

    async def send(self, conversation: ConversationRef, notice: Notice) -> None:
        """Deliver; raise DeliveryRetryLater for throttling/outages, DeliveryError for good."""


class Directory(Protocol):
    """Finds a colleague by work email on a platform the bot serves (for bulk and HR-system
    rewards)."""

    async def find_by_email(self, email: str) -> Recipient | None: ...


class TenantEndpoints(Protocol):
    """Where the bot reaches each tenant it has had an activity from, shared by replicas and
    restarts."""

    async def remember(self, endpoint: TenantEndpoint) -> None:
        """Keep the tenant's endpoint, replacing what was kept for it."""

    async def find(self, tenant_id: str) -> TenantEndpoint | None: ...


class PendingConfirmations(Protocol):
    """Requests shown to their sender and waiting for a click (Send), shared by replicas and
    restarts.

    A kept key is taken once: the first click does the work and records its outcome; later clicks
    show that outcome instead of doing the work again. Expired keys are as good as unknown.
    """

    async def put(self, key: str, payload: str, ttl: timedelta) -> None:
        """Keep `payload` (JSON) for `ttl` by the store's clock; a key kept already keeps its first
        payload."""

    async def take(self, key: str) -> str | None:
        """The payload, for the first taker only; None if the key is unknown, expired or taken."""

    async def taken(self, key: str) -> str | None:
        """For a taken, unexpired key, the outcome its taker recorded ("" while it is still
        working); None for any other key."""

    async def finish(self, key: str, outcome: str) -> None:
        """Record what the taker's work came to (JSON), for later clicks to show."""

    async def release(self, key: str) -> None:
        """Make a taken key takeable again (its work failed; a new click may try again)."""

    async def discard(self, key: str) -> None:
        """Forget the key (cancelled): a later click finds nothing."""
