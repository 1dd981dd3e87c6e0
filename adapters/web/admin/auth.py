"""Signing in and out of the dashboard, and the checks every request passes: session, role, CSRF."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from aiohttp import web
from multidict import MultiDictProxy

from adapters.i18n.phrases import Phrase, later
from adapters.web.admin import passwords
from adapters.web.admin.sessions import (
    CSRF_FIELD,
    SESSION_KEY,
    TOKEN_KEY,
    Cookies,
    SessionPolicy,
    csrf_for,
    digest,
    new_token,
    same,
)
from core.errors import InvalidRequest
from core.oversight.accounts import AdminAccounts, AdminSession, SignInAttempt, normalise_email
from core.oversight.acts import AdminActs
from core.oversight.lockout import Lockout
from core.ports import Clock

log = logging.getLogger(__name__)
Form = MultiDictProxy[str | bytes | bytearray | web.FileField]
Page = Callable[[web.Request, AdminSession], Awaitable[web.StreamResponse]]
Act = Callable[[web.Request, AdminSession, Form], Awaitable[web.StreamResponse]]
Refusal = Callable[[web.Request, int, Phrase], web.StreamResponse]


@dataclass(frozen=True)
class Authenticator:
    """Checks passwords with lock-out, opens and closes sessions, and audits each sign-in and
    lock."""

    accounts: AdminAccounts
    acts: AdminActs
    clock: Clock
    lockout: Lockout = field(default_factory=Lockout)
    policy: SessionPolicy = field(default_factory=SessionPolicy)
    verify: Callable[[str, str], Awaitable[bool]] = passwords.verify_password
    # A refusal is answered no sooner than this after the request began: an unknown email writes
    # nothing and a wrong password writes twice, and that difference must not be measurable.
    refusal_floor: float = 0.25
    timer: Callable[[], float] = time.monotonic
    pause: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def sign_in(self, email: str, password: str) -> str | None:
        """A new session token, or None. Unknown, wrong and locked look the same from outside.

        Each runs one argon2 check (against a decoy hash for an unknown email, against the real one
        while locked, so a wrong password then still counts) and is answered after the same floor.
        """
        began = self.timer()
        token = await self._sign_in(email, password)
        if token is None:
            await self.pause(max(self.refusal_floor - (self.timer() - began), 0.0))
        return token

    async def _sign_in(self, email: str, password: str) -> str | None:
        try:
            address = normalise_email(email)
        except InvalidRequest:
            address = ""
        attempt = await self.accounts.begin_sign_in(address, self.clock.now()) if address else None
        if attempt is None:
            await self.verify(passwords.decoy_hash(), password)
            log.warning("dashboard sign-in for an unknown user")
            return None
        if not await self.verify(attempt.password_hash, password):
            await self._failed(address)
            return None
        if not await self.accounts.sign_in_right(attempt, self.clock.now(), self.lockout):
            log.warning("dashboard sign-in refused: the account is locked", extra={"user": address})
            return None
        return await self._open(attempt, password)

    async def sign_out(self, session: AdminSession) -> None:
        await self.accounts.close_session(session.id_hash)
        await self.acts.note(session.actor, "admin.signed_out", session.email)

    async def _failed(self, email: str) -> None:
        now = self.clock.now()
        tally = await self.accounts.sign_in_failed(email, now, self.lockout)
        action = "admin.locked" if tally.is_locked(now) else "admin.sign_in_failed"
        await self.acts.note("dashboard", action, email, {"failures": tally.failures})

    async def _open(self, attempt: SignInAttempt, password: str) -> str:
        now, email = self.clock.now(), attempt.email
        if passwords.needs_rehash(attempt.password_hash):
            await self.accounts.set_password(email, passwords.hash_password(password))
        token = new_token()
        session = AdminSession(
            digest(token), email, attempt.role, now, self.policy.expiry(now, now), now
        )
        await self.accounts.open_session(session)
        await self.acts.note(session.actor, "admin.signed_in", email, {"role": str(attempt.role)})
        return token


@dataclass(frozen=True)
class Guard:
    """Finds the session of a request and wraps handlers so none runs without the right one."""

    accounts: AdminAccounts
    cookies: Cookies
    clock: Clock
    refuse: Refusal
    policy: SessionPolicy = field(default_factory=SessionPolicy)

    async def session(self, request: web.Request) -> AdminSession | None:
        token = self.cookies.read(request, self.cookies.session)
        if not token:
            return None
        now = self.clock.now()
        session = await self.accounts.find_session(digest(token), now)
        if session is None:
            return None
        if now - session.last_seen_at >= self.policy.touch_every:
            await self.accounts.touch_session(
                session.id_hash, now, self.policy.expiry(session.created_at, now)
            )
        request[SESSION_KEY] = session
        request[TOKEN_KEY] = token
        return session

    def page(self, handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """A GET page for any signed-in user; others are sent to the sign-in page."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            session = await self.session(request)
            if session is None:
                raise web.HTTPSeeOther(f"/admin/login?next={quote(request.path_qs, safe='')}")
            return await handler(request, session)

        return guarded

    def act(
        self, handler: Act, *, admin: bool = True
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """A POST: signed in, same origin, the session's CSRF token, and (unless `admin=False`) the
        admin role."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            session = await self.session(request)
            if session is None:
                raise web.HTTPSeeOther("/admin/login")
            form = await request.post()
            if not _same_origin(request) or not same(
                str(form.get(CSRF_FIELD, "")), csrf_for(request[TOKEN_KEY])
            ):
                log.warning(
                    "dashboard form without a valid CSRF token", extra={"path": request.path}
                )
                return self.refuse(
                    request,
                    403,
                    later(
                        "This form has expired or did not come from the dashboard. "
                        "Reload the page and try again."
                    ),
                )
            if admin and not session.is_admin:
                return self.refuse(
                    request, 403, later("Your role is viewer: only admins can do this.")
                )
            return await handler(request, session, form)

        return guarded


def csrf_token(request: web.Request) -> str:
    """The token forms of this request's page carry (empty before sign-in)."""
    token = request.get(TOKEN_KEY)
    return csrf_for(token) if token else ""


def safe_next(target: str) -> str:
    """Where to go after signing in: a dashboard path only, never another site."""
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not parts.path.startswith("/admin")
        or target.startswith("//")
    ):
        return "/admin"
    return target


def _same_origin(request: web.Request) -> bool:
    # Browsers send Origin on POST; a missing one (old browsers, curl) is left to the CSRF token.
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host
