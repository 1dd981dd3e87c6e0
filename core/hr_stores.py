"""Stores of the HR side, each call its own transaction: employees, rules, API keys, idempotency."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from core.api_credentials import ApiKey, IdempotentRequest, StoredResponse
from core.milestone_calendar import Employee
from core.milestone_rules import MilestoneRule


class EmployeeStore(Protocol):
    """Employees imported by HR (core.milestones); each call is its own transaction."""

    async def upsert(self, employees: Sequence[Employee], actor: str) -> None:
        """Add or replace each employee by email, all in one transaction, audited."""

    async def all(self) -> Sequence[Employee]: ...

    async def by_email(self, email: str) -> Employee | None: ...

    async def by_user(self, platform: str, tenant: str, user_id: str) -> Employee | None: ...


class MilestoneRuleStore(Protocol):
    """What HR sends for each kind of milestone."""

    async def all(self) -> Sequence[MilestoneRule]: ...

    async def put(self, rule: MilestoneRule, actor: str) -> None:
        """Replace the rule for the rule's kind, audited."""


class ApiKeyStore(Protocol):
    """API keys for HR systems, kept as hashes (core.api_keys)."""

    async def add(self, key: ApiKey, actor: str) -> None:
        """Store a new key, audited; DuplicateRequest if an active key has its name."""

    async def find_active(self, key_hash: str) -> ApiKey | None: ...

    async def revoke(self, name: str, at: datetime, actor: str) -> bool:
        """Revoke the active key named `name`, audited; False if there is none."""

    async def list(self) -> Sequence[ApiKey]: ...


class IdempotencyStore(Protocol):
    """Answers kept per (scope, Idempotency-Key), so a retried API request is answered, not
    redone."""

    async def begin(
        self, scope: str, key: str, fingerprint: str, now: datetime, stale_before: datetime
    ) -> IdempotentRequest | None:
        """Claim `key`: None when this caller now holds it (it was new, or an unfinished claim older
        than `stale_before` was taken over), else what is recorded for it."""

    async def finish(
        self, scope: str, key: str, response: StoredResponse, at: datetime
    ) -> None: ...

    async def abandon(self, scope: str, key: str) -> None:
        """Forget an unfinished claim (its request failed), so the same key may be tried again."""
