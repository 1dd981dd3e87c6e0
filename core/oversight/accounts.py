"""Dashboard accounts: the people who sign in, their roles and sessions, and the AdminAccounts
port."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from core.errors import InvalidRequest
from core.oversight.lockout import Lockout, SignInTally
from core.refusals import Reason


class AdminRole(StrEnum):
    VIEWER = "viewer"  # reads everything, exports, verifies the audit chain
    # also cancels, refunds, resends, retries issuance, reveals codes, manages budgets
    ADMIN = "admin"


@dataclass(frozen=True)
class SignInAttempt:
    """A sign-in under way: the account's hash and role, and its counters when the attempt began."""

    email: str
    role: AdminRole
    password_hash: str
    started: SignInTally


@dataclass
class AdminUser:
    """A person who signs in to the dashboard; the password only as a slow, salted hash."""

    email: str
    role: AdminRole
    password_hash: str
    created_at: datetime
    failed_logins: int = 0
    locked_until: datetime | None = None
    last_login_at: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


def normalise_email(email: str) -> str:
    """Emails are compared lower-cased and trimmed; InvalidRequest if it cannot be one."""
    cleaned = email.strip().lower()
    local, at, domain = cleaned.partition("@")
    if (
        not (local and at and "." in domain)
        or len(cleaned) > 254
        or any(c.isspace() for c in cleaned)
    ):
        raise InvalidRequest(Reason("not_an_email", typed=email.strip()[:80]))
    return cleaned


@dataclass(frozen=True)
class AdminSession:
    """A signed-in browser; only a digest of its random id is stored."""

    id_hash: str
    email: str
    role: AdminRole
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime

    @property
    def actor(self) -> str:
        return f"admin:{self.email}"

    @property
    def is_admin(self) -> bool:
        return self.role is AdminRole.ADMIN


class AdminAccounts(Protocol):
    """Dashboard users and their sessions."""

    async def add(self, user: AdminUser) -> None:
        """DuplicateRequest if the email exists."""

    async def get(self, email: str) -> AdminUser | None: ...

    async def list(self) -> Sequence[AdminUser]: ...

    async def set_password(self, email: str, password_hash: str) -> None: ...

    async def begin_sign_in(self, email: str, now: datetime) -> SignInAttempt | None:
        """Note an attempt under way (one atomic update), read the counters; None if unknown."""

    async def sign_in_failed(self, email: str, now: datetime, policy: Lockout) -> SignInTally:
        """End an attempt as a wrong password: failures + 1 atomically, then the delay it earns."""

    async def sign_in_right(self, attempt: SignInAttempt, now: datetime, policy: Lockout) -> bool:
        """End an attempt whose password was right; atomically, `policy.admits` it or not."""

    async def open_session(self, session: AdminSession) -> None: ...

    async def find_session(self, id_hash: str, now: datetime) -> AdminSession | None:
        """The live session with the user's current role; None if unknown, expired or gone."""

    async def touch_session(self, id_hash: str, now: datetime, expires_at: datetime) -> None: ...

    async def close_session(self, id_hash: str) -> None: ...
