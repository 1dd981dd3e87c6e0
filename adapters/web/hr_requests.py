"""HR API request bodies read into plain values, with the message a client is told when one is wrong (pure)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_RECIPIENTS = 1000
MAX_EMPLOYEES = 10_000
MAX_TEXT = 500
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as Stripe's keys
_ID = re.compile(r"^[A-Za-z0-9:_.@-]{1,100}$")
PLATFORMS = ("slack", "teams")


class BadRequest(Exception):
    """The body does not have the documented shape (answered 400)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ByEmail:
    email: str

    def __str__(self) -> str:
        return self.email


@dataclass(frozen=True)
class ByUser:
    platform: str
    tenant: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.tenant}:{self.user_id}"


@dataclass(frozen=True)
class RewardRequest:
    recipients: tuple[ByEmail | ByUser, ...]
    amount: str
    currency: str | None
    reason: str
    programme: str | None
    giver: str


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The body is not valid JSON.") from None


def fingerprint(body: Any) -> str:
    """The same JSON, however it is spaced or ordered, has the same fingerprint."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_key(header: str | None) -> str | None:
    if header is None:
        return None
    if not _IDEMPOTENCY_KEY.match(header):
        raise BadRequest("Idempotency-Key must be 1 to 255 visible ASCII characters.", "Idempotency-Key")
    return header


def reward_request(body: Any) -> RewardRequest:
    fields = _object(body, "body")
    recipients = fields.get("recipients")
    if not isinstance(recipients, list) or not 0 < len(recipients) <= MAX_RECIPIENTS:
        raise BadRequest(f"recipients must be a list of 1 to {MAX_RECIPIENTS} people.", "recipients")
    return RewardRequest(
        recipients=tuple(_recipient(r, n) for n, r in enumerate(recipients)),
        amount=_amount(fields.get("amount")),
        currency=(_optional_text(fields, "currency", 3) or "").upper() or None,
        reason=_text(fields, "reason", MAX_TEXT),
        programme=_optional_text(fields, "programme", 100),
        giver=_optional_text(fields, "giver", 100) or "",
    )


def employee_rows(body: Any) -> list[Mapping[str, object]]:
    rows = _object(body, "body").get("employees")
    if not isinstance(rows, list) or not 0 < len(rows) <= MAX_EMPLOYEES:
        raise BadRequest(f"employees must be a list of 1 to {MAX_EMPLOYEES} objects.", "employees")
    return [_object(row, f"employees[{n}]") for n, row in enumerate(rows)]


def _recipient(value: Any, index: int) -> ByEmail | ByUser:
    where = f"recipients[{index}]"
    fields = _object(value, where)
    if "email" in fields:
        return ByEmail(_text(fields, "email", 254, where).lower())
    platform = _text(fields, "platform", 16, where)
    if platform not in PLATFORMS:
        raise BadRequest(f"{where}: give an email, or a platform (slack or teams) and a user_id.", where)
    tenant_field = "team_id" if platform == "slack" else "tenant_id"
    user_id, tenant = _text(fields, "user_id", 100, where), _text(fields, tenant_field, 100, where)
    if not (_ID.match(user_id) and _ID.match(tenant)):
        raise BadRequest(
            f"{where}: user_id and {tenant_field} hold letters, digits and : _ . @ - only.", where
        )
    if platform == "teams":  # Entra ids ignore case; Teams sends them in lower case, and so are they kept
        user_id, tenant = user_id.lower(), tenant.lower()
    return ByUser(platform, tenant, user_id)


def _amount(value: Any) -> str:
    # Money never travels as a JSON number: 0.1 + 0.2 is not 0.3 in the client's language either.
    if not isinstance(value, str) or not value.strip():
        raise BadRequest('amount must be a string such as "50.00".', "amount")
    return value.strip()


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest(f"{where} must be a JSON object.", where)
    return value


def _text(fields: Mapping[str, Any], name: str, limit: int, where: str = "") -> str:
    value = fields.get(name)
    label = f"{where}.{name}" if where else name
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise BadRequest(f"{label} must be text of 1 to {limit} characters.", label)
    return value.strip()


def _optional_text(fields: Mapping[str, Any], name: str, limit: int) -> str | None:
    return _text(fields, name, limit) if fields.get(name) is not None else None
