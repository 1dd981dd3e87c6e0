"""Who gives back the money of an expired group gift: the replica whose deadline run expired it.

Deadline runs can overlap (a job lease that ran out mid-run). A replica that finds a collection
another run expired moments ago leaves its refunds to that run, which is calling Stripe for them
right now; asking Stripe too would only be stopped by the idempotency key. Once the expiring run has
had time to finish (it crashed, or Stripe stayed down), any replica's run takes over.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.collections import Collection

HANDOVER = timedelta(minutes=5)


class RefundHandover:
    """The expired collections this process is giving the money back for."""

    def __init__(self) -> None:
        self._mine: set[str] = set()

    def expired_here(self, collection_id: str) -> None:
        self._mine.add(collection_id)

    def may_refund(self, collection: Collection, now: datetime) -> bool:
        if collection.id in self._mine or collection.closed_at is None:
            return True
        return now - collection.closed_at >= HANDOVER

    def done(self, collection_id: str) -> None:
        self._mine.discard(collection_id)
