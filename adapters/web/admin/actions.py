"""The dashboard's acts (POST): order actions, revealing a code, budgets and reward admins, chain
checks."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web

from adapters.i18n.phrases import Phrase, later
from adapters.web.admin.auth import Form
from adapters.web.admin.forms import Reader
from adapters.web.admin.pages import Pages
from adapters.web.checkout import http_status
from core.audit import verify
from core.checkout import Checkout
from core.errors import DuplicateRequest, VoucherbotError
from core.money import check_currency
from core.oversight.accounts import AdminSession
from core.oversight.acts import AdminActs
from core.oversight.port import Oversight
from core.recognition import Recognition
from core.rewards import Programme

PROGRAMME_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
IDENTITY = re.compile(r"^(slack|teams):[^\s:]{1,120}$")


def redirect(location: str) -> web.Response:
    """303 See Other: after a POST the browser GETs the result, so a reload never repeats the
    act."""
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


@dataclass(frozen=True)
class Actions:
    pages: Pages
    oversight: Oversight
    checkout: Checkout
    recognition: Recognition
    acts: AdminActs

    # --- orders ----------------------------------------------------------------------------------

    async def reveal(
        self, request: web.Request, session: AdminSession, form: Form
    ) -> web.StreamResponse:
        """Show the code in this one response; the audit entry is written before it is."""
        try:
            revealed = await self.acts.reveal(request.match_info["order_id"], session.actor)
        except VoucherbotError as exc:
            return await self.pages.order(request, session, error=exc, status=http_status(exc))
        return await self.pages.order(request, session, revealed=revealed)

    async def resend(
        self, request: web.Request, session: AdminSession, form: Form
    ) -> web.StreamResponse:
        return await self._on_order(request, session, "resend", self.checkout.resend)

    async def cancel(
        self, request: web.Request, session: AdminSession, form: Form
    ) -> web.StreamResponse:
        return await self._on_order(request, session, "cancel", self.checkout.cancel)

    async def refund(
        self, request: web.Request, session: AdminSession, form: Form
    ) -> web.StreamResponse:
        return await self._on_order(request, session, "refund", self.checkout.refund)

    async def retry_issuance(
        self, request: web.Request, session: AdminSession, form: Form
    ) -> web.StreamResponse:
        return await self._on_order(request, session, "retry", self.checkout.retry_issuance)

    async def _on_order(
        self,
        request: web.Request,
        session: AdminSession,
        done: str,
        act: Callable[[str, str], Awaitable[object]],
    ) -> web.StreamResponse:
        order_id = request.match_info["order_id"]
        try:
            await act(order_id, session.actor)
        except VoucherbotError as exc:
            return await self.pages.order(request, session, error=exc, status=http_status(exc))
        return redirect(f"/admin/orders/{quote(order_id)}?done={done}")

    # --- audit -----------------------------------------------------------------------------------

    async def verify_chain(
        self, request: web.Request, session: AdminSession, form: Form
    ) -> web.StreamResponse:
        report = verify(await self.oversight.audit_chain())
        outcome = {
            "checked": report.checked,
            "intact": report.intact,
            "first_broken": report.first_broken_seq,
        }
        await self.acts.note(session.actor, "audit.verified", "audit", outcome)
        return await self.pages.audit(request, session, report=report)

    # --- rewards ---------------------------------------------------------------------------------

    async def credit(
        self, request: web.Request, session: AdminSession, form: Form
    ) -> web.StreamResponse:
        programme_id = request.match_info["programme_id"]
        balance = next(
            (p for p in await self.oversight.programmes() if p.programme.id == programme_id), None
        )
        if balance is None:
            return await self.pages.programme(request, session)
        read = Reader(_texts(form))
        amount = read.money("amount", balance.programme.currency, later("Amount"))
        note = read.text("note")
        if amount is None:
            return await self.pages.programme(
                request, session, problems=tuple(read.problems), status=400
            )
        try:
            await self.recognition.budgets.credit(programme_id, amount, session.actor, note=note)
        except VoucherbotError as exc:
            return await self.pages.programme(
                request, session, problems=(exc,), status=http_status(exc)
            )
        return redirect(f"/admin/rewards/{quote(programme_id)}?done=credit")

    async def cancel_reward(
        self, request: web.Request, session: AdminSession, form: Form
    ) -> web.StreamResponse:
        programme_id = request.match_info["programme_id"]
        try:
            await self.recognition.rewards.cancel(request.match_info["reward_id"], session.actor)
        except VoucherbotError as exc:
            return await self.pages.programme(
                request, session, problems=(exc,), status=http_status(exc)
            )
        return redirect(f"/admin/rewards/{quote(programme_id)}?done=reward-cancel")

    async def create_programme(
        self, request: web.Request, session: AdminSession, form: Form
    ) -> web.StreamResponse:
        read = Reader(_texts(form))
        programme, problems = _programme(read)
        if programme is None:
            return await self.pages.rewards(request, session, problems=tuple(problems), status=400)
        try:
            await self.recognition.budgets.create_programme(programme, session.actor)
        except DuplicateRequest:
            problem = later("A programme with the id '{id}' exists already.", id=programme.id)
            return await self.pages.rewards(request, session, problems=(problem,), status=409)
        return redirect("/admin/rewards?done=programme")

    async def grant_admin(
        self, request: web.Request, session: AdminSession, form: Form
    ) -> web.StreamResponse:
        identity = Reader(_texts(form)).text("identity")
        if not IDENTITY.match(identity):
            problem = later(
                "Name a reward admin as slack:<user id> or teams:<AAD object id>, e.g. {example}.",
                example="slack:U0123ABCD",
            )
            return await self.pages.rewards(request, session, problems=(problem,), status=400)
        await self.recognition.givers.grant_admin(identity, session.actor)
        return redirect("/admin/rewards?done=grant")

    async def revoke_admin(
        self, request: web.Request, session: AdminSession, form: Form
    ) -> web.StreamResponse:
        identity = Reader(_texts(form)).text("identity")
        await self.recognition.givers.revoke_admin(identity, session.actor)
        return redirect("/admin/rewards?done=revoke")


def _programme(read: Reader) -> tuple[Programme | None, list[str | Phrase]]:
    programme_id, name = read.text("id").lower(), read.text("name")
    if not PROGRAMME_ID.match(programme_id):
        read.problems.append(
            later(
                "Id: 2 to 40 lower-case letters, digits or dashes, e.g. {example}.",
                example="kudos-2027",
            )
        )
    if not name:
        read.problems.append(later("Name: give the programme a name people recognise."))
    try:
        currency = check_currency(read.text("currency"))
    except ValueError:
        read.problems.append(
            later("Currency: a three-letter ISO 4217 code, e.g. {example}.", example="USD")
        )
        return None, read.problems
    expiry = read.number("expiry_days", 90, low=1, high=3650)
    per_reward = (
        read.money("per_reward_limit", currency, later("Largest reward"))
        if read.text("per_reward_limit")
        else None
    )
    monthly = (
        read.money("monthly_limit", currency, later("Monthly limit per giver"))
        if read.text("monthly_limit")
        else None
    )
    if read.problems:
        return None, read.problems
    programme = Programme(
        programme_id,
        name,
        currency,
        expiry_days=expiry,
        per_reward_limit=per_reward.minor if per_reward else None,
        per_giver_monthly_limit=monthly.minor if monthly else None,
    )
    return programme, []


def _texts(form: Form) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}
