"""The dashboard's JSON API for scripts: the same reads as the pages, behind `Authorization:
Bearer`."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from adapters.web.admin.forms import audit_query, order_query
from adapters.web.admin.wording import payment_label, shown_timeline
from core.audit import AuditEntry
from core.errors import OrderNotFound
from core.money import Money
from core.oversight.lines import DeliveryAttempts, OrderLine, VoucherView
from core.oversight.order_detail import OrderDetail
from core.oversight.port import Oversight
from core.oversight.queries import Page

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@dataclass(frozen=True)
class Api:
    """GET /admin/api/orders, /admin/api/orders/{id} and /admin/api/audit."""

    oversight: Oversight
    token: str  # empty: the API is off and answers 401 to everyone
    product_name: Callable[[str], str]
    platforms: tuple[str, ...]  # the chat platforms the channel filter may name
    labels: Mapping[str, str] = field(default_factory=dict)  # platform name → its label

    def guarded(self, handler: Handler) -> Handler:
        async def checked(request: web.Request) -> web.StreamResponse:
            if not self._authorised(request.headers.get("Authorization", "")):
                return web.json_response(
                    {"error": "a valid `Authorization: Bearer <ADMIN_TOKEN>` header is required"},
                    status=401,
                    headers={**HEADERS, "WWW-Authenticate": 'Bearer realm="voucherbot admin"'},
                )
            return await handler(request)

        return checked

    def _authorised(self, header: str) -> bool:
        scheme, _, given = header.partition(" ")
        if not self.token or scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(given.strip().encode(), self.token.encode())

    async def orders(self, request: web.Request) -> web.StreamResponse:
        query, problems = order_query(request.query, platforms=self.platforms, per_page=50)
        if problems:
            return _bad_request(problems)
        page = await self.oversight.orders(query)
        return _json(
            {
                "orders": [order_json(line, self.product_name) for line in page.items],
                **_paging(page),
            }
        )

    async def order(self, request: web.Request) -> web.StreamResponse:
        try:
            detail = await self.oversight.order(request.match_info["order_id"])
        except OrderNotFound as exc:
            return _json({"error": str(exc)}, status=404)
        return _json(detail_json(detail, self.product_name, self.labels))

    async def audit(self, request: web.Request) -> web.StreamResponse:
        query, problems = audit_query(request.query, per_page=100)
        if problems:
            return _bad_request(problems)
        page = await self.oversight.audit(query)
        return _json({"entries": [audit_json(entry) for entry in page.items], **_paging(page)})


def order_json(line: OrderLine, product_name: Callable[[str], str]) -> dict[str, Any]:
    return {
        "id": line.order_id,
        "created_at": _time(line.created_at),
        "updated_at": _time(line.updated_at),
        "status": str(line.status),
        "amount": _money(line.amount),
        "product": {"id": line.product_id, "name": product_name(line.product_id)},
        "buyer": {
            "platform": line.buyer.platform,
            "tenant": line.buyer.tenant,
            "user_id": line.buyer.user_id,
            "name": line.buyer.name,
        },
        "payment_intent_id": line.payment_intent_id,
        "reward_id": line.reward_id,
        "paid_by_reward": _money(Money(line.reward_minor, line.amount.currency))
        if line.reward_minor
        else None,
        "failure_reason": line.failure_reason,
    }


def detail_json(
    detail: OrderDetail,
    product_name: Callable[[str], str],
    platforms: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An order's whole story; `platforms` names each chat platform (name → label)."""
    return {
        "order": order_json(detail.line, product_name),
        "payment_attempts": detail.payment_attempts,
        "checkout_expires_at": _time(detail.checkout_expires_at),
        "voucher": None if detail.voucher is None else voucher_json(detail.voucher),
        "timeline": [
            {
                "at": _time(step.at),
                "title": step.title,
                "source": step.source,
                "detail": step.detail,
            }
            for step in shown_timeline(detail.timeline, platforms=platforms)
        ],
        "deliveries": [delivery_json(message) for message in detail.deliveries],
        "audit": [audit_json(entry) for entry in detail.audit],
        "payments": [
            {
                "payment_intent": p.intent_id,
                "amount": _money(p.amount),
                "at": _time(p.at),
                "status": payment_label(p),
            }
            for p in detail.payments
        ],
    }


def voucher_json(voucher: VoucherView) -> dict[str, Any]:
    """Masked: the API never returns a code, PIN or redemption link."""
    return {
        "id": voucher.voucher_id,
        "code": voucher.masked_code,
        "status": str(voucher.status),
        "expires_on": voucher.expires_on.isoformat(),
        "issued_at": _time(voucher.issued_at),
        "provider": voucher.provider,
        "provider_reference": voucher.provider_reference,
        "has_pin": voucher.has_pin,
    }


def delivery_json(message: DeliveryAttempts) -> dict[str, Any]:
    return {
        "id": message.message_id,
        "kind": str(message.kind),
        "platform": message.platform,
        "status": str(message.status),
        "attempts": message.attempts,
        "created_at": _time(message.created_at),
        "sent_at": _time(message.sent_at),
        "next_attempt_at": _time(message.next_attempt_at),
        "last_error": message.last_error,
        "history": list(message.history),
    }


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": _time(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _paging(page: Page[Any]) -> dict[str, int]:
    return {"total": page.total, "page": page.page, "pages": page.pages, "per_page": page.per_page}


def _money(money: Money) -> dict[str, Any]:
    return {"minor": money.minor, "currency": money.currency, "display": money.label()}


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status, headers=HEADERS)


def _bad_request(problems: Sequence[object]) -> web.Response:
    """The API answers in English: each problem as its English sentence."""
    return _json({"error": "invalid query", "problems": [str(p) for p in problems]}, status=400)
