"""The sign-in page and signing out: a login CSRF cookie (double submit), then a fresh session
cookie."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from aiohttp import web

from adapters.i18n.phrases import Phrase, later
from adapters.web.admin.actions import redirect
from adapters.web.admin.auth import Authenticator, Form, Guard, safe_next
from adapters.web.admin.render import Views
from adapters.web.admin.sessions import CSRF_FIELD, Cookies, new_token, same
from adapters.web.admin.throttle import AddressLimit
from core.oversight.accounts import AdminSession

log = logging.getLogger(__name__)

REFUSED = later(
    "The email or password is not right, or the account is locked. "
    "After 5 failed attempts an account is locked for a minute, and longer after each further one "
    "(up to 15 minutes)."
)
EXPIRED = later("The sign-in form expired. Please try again.")


def too_many(seconds: int) -> Phrase:
    return later(
        "Too many sign-in attempts from your address. Please wait {seconds} seconds and try again.",
        seconds=seconds,
    )


@dataclass(frozen=True)
class SignIn:
    authenticator: Authenticator
    guard: Guard
    cookies: Cookies
    views: Views
    limit: AddressLimit = field(default_factory=AddressLimit)

    async def form(self, request: web.Request) -> web.StreamResponse:
        target = safe_next(request.query.get("next", "/admin"))
        if await self.guard.session(request) is not None:
            return redirect(target)
        return self._form(request, target)

    async def submit(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        email, target = str(form.get("email", "")), safe_next(str(form.get("next", "/admin")))
        wait = self.limit.take(request.remote or "")
        if wait:
            log.warning(
                "dashboard sign-ins over the per-address limit", extra={"address": request.remote}
            )
            response = self._form(request, target, email=email, error=too_many(wait), status=429)
            response.headers["Retry-After"] = str(wait)
            return response
        expected = self.cookies.read(request, self.cookies.login)
        if not expected or not same(expected, str(form.get(CSRF_FIELD, ""))):
            return self._form(request, target, email=email, error=EXPIRED, status=403)
        token = await self.authenticator.sign_in(email, str(form.get("password", "")))
        if token is None:
            return self._form(request, target, email=email, error=REFUSED)
        response = redirect(target)
        self.cookies.set(response, self.cookies.session, token)
        self.cookies.clear(response, self.cookies.login)
        return response

    async def sign_out(
        self, request: web.Request, session: AdminSession, form: Form
    ) -> web.StreamResponse:
        await self.authenticator.sign_out(session)
        response = redirect("/admin/login")
        self.cookies.clear(response, self.cookies.session)
        return response

    def _form(
        self,
        request: web.Request,
        target: str,
        *,
        email: str = "",
        error: Phrase | None = None,
        status: int = 200,
    ) -> web.Response:
        token = new_token()
        response = self.views.page(
            request,
            "login.html",
            status=status,
            login_csrf=token,
            next=target,
            email=email[:254],
            error=error or "",
        )
        self.cookies.set(response, self.cookies.login, token, max_age=3600)
        return response
