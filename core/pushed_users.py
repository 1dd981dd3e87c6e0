"""Users an identity provider pushes (SCIM), stored as their resources with a version behind each
ETag; core.hris turns each into an employee."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class PushedUser:
    """A user an identity provider pushed (SCIM): its resource as stored, and the version behind its
    ETag."""

    id: str
    user_name: str
    external_id: str | None
    resource: dict[str, object]
    version: int
    created_at: datetime
    updated_at: datetime


class PushedUserStore(Protocol):
    """SCIM users; `expected` versions make replace and delete conditional (ConcurrentUpdate if
    stale)."""

    async def add(self, user: PushedUser) -> None:
        """DuplicateRequest when the userName is taken."""
        ...

    async def get(self, user_id: str) -> PushedUser | None: ...

    async def find(
        self, attribute: str | None, value: str, start: int, count: int
    ) -> tuple[int, Sequence[PushedUser]]:
        """Users whose `user_name` or `external_id` equals `value` (all when `attribute` is None),
        paged."""
        ...

    async def replace(self, user: PushedUser, expected: int | None) -> None:
        """Store `user` (its version already bumped); NotFound, ConcurrentUpdate or
        DuplicateRequest."""
        ...

    async def remove(self, user_id: str, expected: int | None) -> None: ...
