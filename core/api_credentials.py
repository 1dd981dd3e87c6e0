"""What an API key and an idempotent request are, as stored: the records behind core.api_keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

API_PLATFORM = "api"


@dataclass(frozen=True)
class ApiKey:
    """A stored key: only its SHA-256 is kept (the key itself is shown once, when created)."""

    id: str
    name: str
    key_hash: str
    hint: str  # the last 4 characters, so an operator can tell keys apart
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def identity(self) -> str:
        """How the key appears as a giver and in the audit trail: `api:<name>`."""
        return f"{API_PLATFORM}:{self.name}"


@dataclass(frozen=True)
class StoredResponse:
    """An HTTP answer kept so a retried request with the same Idempotency-Key gets it again."""

    status: int
    body: str


@dataclass(frozen=True)
class IdempotentRequest:
    """A request already seen under an Idempotency-Key: its body's fingerprint and, once done, its
    answer."""

    fingerprint: str
    started_at: datetime
    response: StoredResponse | None = None
