"""The HR API: HR systems send rewards, import employees and preview milestones with a bearer API
key.

Routes (described by the OpenAPI document served at GET /api/v1/openapi.json):
    POST /api/v1/rewards      send a reward to people named by email or chat user id
    (Idempotency-Key) POST /api/v1/employees    add or update employees (start dates, birthdays) for
    milestones GET  /api/v1/milestones   the milestones of the next `days` days and what each will
    get
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.web.hr_requests import (
    BadRequest,
    ByEmail,
    ByUser,
    RewardRequest,
    employee_rows,
    fingerprint,
    idempotency_key,
    parse_json,
    reward_request,
)
from core.amounts import AmountRefused, TwoCurrencies, TypedAmount, read_amount_with
from core.api_keys import ApiKey, ApiKeys, StoredResponse, api_giver
from core.employees import EmployeeDirectory, import_employees
from core.errors import (
    ConcurrentUpdate,
    DirectoryUnavailable,
    DuplicateRequest,
    InvalidRequest,
    NotFound,
)
from core.milestones import Milestones
from core.money import Money
from core.ports import Clock, EmployeeStore, IdempotencyStore, IdFactory
from core.recognition import Recognition
from core.reward_sends import SendRewards
from core.rewards import BudgetExceeded, CurrencyMismatch, Programme, Recipient
from core.views import RewardSummary, SendReport

log = logging.getLogger(__name__)
OPENAPI = Path(__file__).with_name("hr_openapi.json")
PREFIX = "/api/v1"
MAX_REWARD_BODY = 256 * 1024  # 1,000 recipients by email fit in about 60 KB
MAX_EMPLOYEE_BODY = 1024 * 1024
MAX_PREVIEW_DAYS = 366
DEFAULT_RETRY_AFTER = 30  # seconds, when a directory that is down did not say how long to wait
UNREACHABLE = (
    "Name an imported employee's or a Slack member's email, a Slack user id, or a Teams user's "
    "Entra "
    "object id in a tenant where someone has already used the bot."
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """An answer other than success: HTTP status, a stable code, a message, and details."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.details = status, code, details

    def response(self, retry_after: float | None = None) -> web.Response:
        body = {"error": {"code": self.code, "message": str(self), **self.details}}
        headers = {"WWW-Authenticate": 'Bearer realm="voucherbot"'} if self.status == 401 else {}
        if self.status == 503:
            headers["Retry-After"] = str(max(1, math.ceil(retry_after or DEFAULT_RETRY_AFTER)))
        return _json(body, self.status, headers or None)


@dataclass(frozen=True)
class HrApi:
    """The HR API's handlers over the core; `mount(app)` adds its routes."""

    recognition: Recognition
    milestones: Milestones
    people: EmployeeDirectory
    employees: EmployeeStore
    api_keys: ApiKeys
    idempotency: IdempotencyStore
    clock: Clock
    ids: IdFactory
    platforms: tuple[str, ...]  # the chat platforms an imported employee row may name
    stale_claim: timedelta = timedelta(minutes=5)

    def mount(self, app: web.Application) -> None:
        app.router.add_routes(self.routes())

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post(f"{PREFIX}/rewards", _answering(self.send_rewards)),
            web.post(f"{PREFIX}/employees", _answering(self.import_employees)),
            web.get(f"{PREFIX}/milestones", _answering(self.preview_milestones)),
            web.get(f"{PREFIX}/openapi.json", self.openapi),
        ]

    async def openapi(self, request: web.Request) -> web.Response:
        return web.Response(body=OPENAPI.read_bytes(), content_type="application/json")

    # --- POST /rewards
    # -------------------------------------------------------------------------------

    async def send_rewards(self, request: web.Request) -> web.Response:
        key = await self._authenticate(request)
        body = parse_json(await _read_body(request, MAX_REWARD_BODY))
        idempotency = idempotency_key(request.headers.get("Idempotency-Key"))
        if idempotency is None:
            return await self._send(key, body, f"api:{key.name}:{self.ids.new_token()}")
        now = self.clock.now()
        seen = await self.idempotency.begin(
            key.name, idempotency, fingerprint(body), now, now - self.stale_claim
        )
        if seen is not None:
            return _replay(seen.fingerprint == fingerprint(body), seen.response)
        try:
            response = await self._send(key, body, f"api:{key.name}:{idempotency}")
        except BaseException:
            await self.idempotency.abandon(key.name, idempotency)
            raise
        # Only a success is kept: after a refusal (budget, unknown person) the same key may be tried
        # again.
        stored = StoredResponse(response.status, response.text or "")
        await self.idempotency.finish(key.name, idempotency, stored, self.clock.now())
        return response

    async def _send(self, key: ApiKey, body: Any, request_key: str) -> web.Response:
        wanted = reward_request(body)
        typed = _typed(wanted)
        recipients = await self._resolve(wanted.recipients)
        programme, amount = await _priced(self.recognition, typed, wanted.programme)
        command = SendRewards(
            api_giver(key.name, wanted.giver),
            recipients,
            amount,
            wanted.reason,
            programme.id,
            request_key,
        )
        try:
            report = await self.recognition.sender.send_trusted(command)
        except BudgetExceeded as exc:
            raise ApiError(422, "budget_exceeded", str(exc), programme=programme.id) from None
        if report.pending is not None:
            log.info(
                "rewards held for approval",
                extra={"key": key.name, "approval": report.pending.approval_id},
            )
            return _json(_pending_body(report, programme), 202)
        log.info(
            "rewards sent by api",
            extra={"key": key.name, "sent": len(report.sent), "programme": programme.id},
        )
        return _json(_sent_body(report, recipients, programme), 201)

    async def _resolve(self, wanted: Sequence[ByEmail | ByUser]) -> tuple[Recipient, ...]:
        found: list[Recipient] = []
        unknown = []
        for who in wanted:
            recipient = await (
                self.people.find_by_email(who.email)
                if isinstance(who, ByEmail)
                else self.people.find_by_user(who.platform, who.tenant, who.user_id)
            )
            if recipient is None:
                unknown.append(str(who))
            else:
                found.append(recipient)
        if unknown:
            raise ApiError(
                422,
                "unknown_recipients",
                f"No one could be reached for: {', '.join(unknown)}. {UNREACHABLE}",
                recipients=unknown,
            )
        keys = [r.user.key for r in found]
        twice = sorted({str(w) for w, k in zip(wanted, keys, strict=True) if keys.count(k) > 1})
        if twice:
            raise ApiError(
                422,
                "duplicate_recipients",
                f"Name each person once: {', '.join(twice)}.",
                recipients=twice,
            )
        return tuple(found)

    # --- POST /employees, GET /milestones
    # ------------------------------------------------------------

    async def import_employees(self, request: web.Request) -> web.Response:
        key = await self._authenticate(request)
        rows = employee_rows(parse_json(await _read_body(request, MAX_EMPLOYEE_BODY)))
        report = await import_employees(
            self.employees, rows, key.identity, platforms=self.platforms
        )
        refused = [{"row": row, "reason": reason} for row, reason in report.refused]
        return _json({"imported": report.imported, "refused": refused}, 200)

    async def preview_milestones(self, request: web.Request) -> web.Response:
        await self._authenticate(request)
        text = request.query.get("days", "30")
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_PREVIEW_DAYS:
            raise BadRequest(f"days must be a whole number from 1 to {MAX_PREVIEW_DAYS}.", "days")
        today = self.clock.now().date()
        upcoming = await self.milestones.preview(int(text), today)
        body = {
            "from": today.isoformat(),
            "to": (today + timedelta(days=int(text))).isoformat(),
            "milestones": [
                {
                    "date": m.on.isoformat(),
                    "kind": str(m.kind),
                    "name": m.name,
                    "email": m.email,
                    "years": m.years,
                    "reward": _money_json(m.amount) if m.amount else None,
                    "message": m.message,
                }
                for m in upcoming
            ],
        }
        return _json(body, 200)

    async def _authenticate(self, request: web.Request) -> ApiKey:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            raise ApiError(401, "unauthenticated", "Send Authorization: Bearer <API key>.")
        key = await self.api_keys.authenticate(presented.strip())
        if key is None:
            raise ApiError(401, "invalid_api_key", "This API key is not valid or was revoked.")
        return key


def _answering(handler: Handler) -> Handler:
    """Map our errors and the core's to JSON answers; anything else is the server's 500."""

    async def answer(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as exc:
            return exc.response()
        except BadRequest as exc:
            return ApiError(400, "invalid_request", str(exc), field=exc.field).response()
        except NotFound as exc:
            return ApiError(404, "not_found", str(exc)).response()
        except (ConcurrentUpdate, DuplicateRequest):
            return ApiError(
                409, "conflict", "Another request changed the same data; try again."
            ).response()
        except DirectoryUnavailable as exc:
            log.warning("directory unavailable", extra={"platform": exc.platform})
            return ApiError(503, "unavailable", str(exc)).response(retry_after=exc.retry_after)
        except CurrencyMismatch as exc:
            return ApiError(
                422, "currency_mismatch", str(exc), programme=exc.programme_id
            ).response()
        except InvalidRequest as exc:
            return ApiError(422, "refused", str(exc)).response()

    return answer


async def _read_body(request: web.Request, limit: int) -> bytes:
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "body_too_large", f"The body may have at most {limit} bytes.")
    body = bytearray()
    async for chunk in request.content.iter_chunked(
        64 * 1024
    ):  # a chunked body has no length up front
        body += chunk
        if len(body) > limit:
            raise ApiError(413, "body_too_large", f"The body may have at most {limit} bytes.")
    return bytes(body)


def _replay(same_body: bool, response: StoredResponse | None) -> web.Response:
    if not same_body:
        raise ApiError(
            409,
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different body; use a new key for a new request.",
        )
    if response is None:
        raise ApiError(
            409, "request_in_progress", "A request with this Idempotency-Key is still running."
        )
    return web.Response(
        status=response.status,
        text=response.body,
        content_type="application/json",
        headers={"Idempotent-Replayed": "true"},
    )


def _typed(wanted: RewardRequest) -> TypedAmount:
    """The amount as the chat channels read it; a currency field must agree with a symbol or code in
    it."""
    try:
        return read_amount_with(wanted.amount, wanted.currency)
    except TwoCurrencies as exc:
        # Each field is well-formed; together they disagree, which is a refusal rather than a bad
        # shape.
        raise ApiError(422, "currency_mismatch", f"amount: {exc}", field="amount") from None
    except AmountRefused as exc:
        raise BadRequest(f"amount: {exc}", "amount") from None


async def _priced(
    recognition: Recognition, typed: TypedAmount, programme: str | None
) -> tuple[Programme, Money]:
    # Well-formed but not payable in this currency (too many decimals for JPY, too large): a
    # refusal.
    try:
        return await recognition.pricing.priced(typed, programme)
    except AmountRefused as exc:
        raise ApiError(422, "invalid_amount", f"amount: {exc}", field="amount") from None


def _sent_body(
    report: SendReport, recipients: Sequence[Recipient], programme: Programme
) -> dict[str, Any]:
    # Rewards come back in the order of the recipients; a retried request that finished some of them
    # earlier (a crash mid-way) lists only the new ones, without pairing them.
    paired = len(report.sent) == len(recipients)
    return {
        "state": "sent",
        "programme": programme.id,
        "rewards": [
            _reward_json(summary, recipients[n] if paired else None)
            for n, summary in enumerate(report.sent)
        ],
        "budget_left": _money_json(report.budget_left),
    }


def _pending_body(report: SendReport, programme: Programme) -> dict[str, Any]:
    """202: the programme holds the send for an approver (core.approvals); the budget stays
    reserved."""
    pending = report.pending
    assert pending is not None
    return {
        "state": "pending_approval",
        "code": "approval_required",
        "programme": programme.id,
        "approval": {
            "id": pending.approval_id,
            "status": pending.status,
            "expires_at": pending.expires_at,
        },
        "total": _money_json(pending.total),
        "budget_left": _money_json(report.budget_left),
    }


def _reward_json(summary: RewardSummary, recipient: Recipient | None) -> dict[str, Any]:
    who: dict[str, Any] = {"name": summary.recipient_name}
    if recipient is not None:
        user = recipient.user
        who.update(platform=user.platform, tenant=user.tenant, user_id=user.user_id)
    return {
        "id": summary.reward_id,
        "recipient": who,
        **_money_json(summary.amount),
        "reason": summary.reason,
        "status": summary.status,
        "expires_on": summary.expires_on,
    }


def _money_json(money: Money) -> dict[str, str]:
    return {"amount": money.major(), "currency": money.currency}


def _json(body: Any, status: int, headers: dict[str, str] | None = None) -> web.Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return web.Response(status=status, text=text, content_type="application/json", headers=headers)
