"""Session and CSRF cookies of the dashboard: random ids, digests on the server, tokens bound to a
session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from core.oversight.accounts import AdminSession

CSRF_FIELD = "csrf_token"
MAX_COOKIE_LENGTH = 128


@dataclass(frozen=True)
class SessionPolicy:
    """A session ends after `idle` without a request, and in any case `lifetime` after sign-in."""

    idle: timedelta = timedelta(hours=1)
    lifetime: timedelta = timedelta(hours=12)
    touch_every: timedelta = timedelta(minutes=1)  # how often a request extends the idle deadline

    def expiry(self, created_at: datetime, now: datetime) -> datetime:
        return min(created_at + self.lifetime, now + self.idle)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database keeps of a session id: enough to find it, useless to replay."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_for(session_token: str) -> str:
    """The CSRF token of a session: derived from its secret id, so it needs no storage and dies with
    it."""
    mac = hmac.new(session_token.encode(), b"voucherbot admin csrf", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two secrets."""
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True)
class Cookies:
    """Cookie names and flags. Secure cookies get the `__Host-` prefix (no Domain, Path=/, HTTPS
    only)."""

    secure: bool

    @property
    def session(self) -> str:
        return "__Host-vb_admin" if self.secure else "vb_admin"

    @property
    def login(self) -> str:
        return "__Host-vb_admin_login" if self.secure else "vb_admin_login"

    def read(self, request: web.Request, name: str) -> str:
        value = request.cookies.get(name, "")
        return value if 0 < len(value) <= MAX_COOKIE_LENGTH else ""

    def set(
        self, response: web.StreamResponse, name: str, value: str, max_age: int | None = None
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/" if self.secure else "/admin",
            secure=self.secure,
            httponly=True,
            samesite="Strict",
        )

    def clear(self, response: web.StreamResponse, name: str) -> None:
        response.del_cookie(
            name, path="/" if self.secure else "/admin", secure=self.secure, samesite="Strict"
        )


SESSION_KEY = web.RequestKey("admin_session", AdminSession)
TOKEN_KEY = web.RequestKey("admin_session_token", str)
