"""Rewards waiting for their sender's Send click: kept in memory for as long as Slack's response_url lives.

A confirmation can name hundreds of people (a channel-wide mention), more than a button value's 2,000
characters can carry, so the button carries only the confirmation's id. The id, and the request key
derived from it, come from the command's trigger_id (or the form's view id): a double click or a
Slack retry sends once. A confirmation lost to a restart only asks its sender to run /reward again;
it never sends anything.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from adapters.slack.kit import Message
from core.recognition import SendRewards

TTL_SECONDS = 30 * 60  # a response_url can replace the confirmation for 30 minutes
LIMIT = 5000


@dataclass
class Confirmation:
    """A previewed send and, once clicked, its outcome (shown again on a second click)."""

    id: str
    command: SendRewards
    created_at: float
    sending: bool = False
    outcome: Message | None = None


class Confirmations:
    """Pending confirmations by id, oldest dropped first beyond `limit`, each kept `ttl_seconds`."""

    def __init__(
        self,
        ttl_seconds: float = TTL_SECONDS,
        limit: int = LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._limit = limit
        self._clock = clock
        self._pending: OrderedDict[str, Confirmation] = OrderedDict()

    def add(self, confirmation_id: str, command: SendRewards) -> Confirmation:
        """Keep a confirmation; the same id (a retried command) keeps the first one."""
        self._forget_expired()
        existing = self._pending.get(confirmation_id)
        if existing is not None:
            return existing
        confirmation = Confirmation(confirmation_id, command, self._clock())
        self._pending[confirmation_id] = confirmation
        while len(self._pending) > self._limit:
            self._pending.popitem(last=False)
        return confirmation

    def get(self, confirmation_id: str) -> Confirmation | None:
        self._forget_expired()
        return self._pending.get(confirmation_id)

    def drop(self, confirmation_id: str) -> None:
        self._pending.pop(confirmation_id, None)

    def _forget_expired(self) -> None:
        cutoff = self._clock() - self._ttl
        while self._pending and next(iter(self._pending.values())).created_at < cutoff:
            self._pending.popitem(last=False)
