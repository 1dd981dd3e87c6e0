"""HR API request bodies read into plain values, with the message a client is told when one is wrong
(pure)."""

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
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
MAX_DEPTH = (
    16  # the deepest documented body is 4 levels; deeper JSON is refused before anything walks it
)
RECIPIENT_FIELDS = {
    "email": frozenset({"email"}),
    "slack": frozenset({"platform", "user_id", "team_id"}),
    "teams": frozenset({"platform", "user_id", "tenant_id"}),
}
EMPLOYEE_TEXT = (
    "email",
    "name",
    "start_date",
    "birthday",
    "platform",
    "user_id",
    "tenant",
    "tenant_id",
    "team_id",
)


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
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The body is not valid JSON.") from None
    except RecursionError:  # the parser's own limit, far deeper than MAX_DEPTH
        raise BadRequest(f"The body nests deeper than {MAX_DEPTH} levels.") from None
    if _depth(body) > MAX_DEPTH:
        raise BadRequest(f"The body nests deeper than {MAX_DEPTH} levels.")
    return body


def _depth(value: Any) -> int:
    """How deeply `value` nests, walked without recursion (so no input can exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def fingerprint(body: Any) -> str:
    """The same JSON, however it is spaced or ordered, has the same fingerprint."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_key(header: str | None) -> str | None:
    if header is None:
        return None
    if not _IDEMPOTENCY_KEY.match(header):
        raise BadRequest(
            "Idempotency-Key must be 1 to 255 visible ASCII characters.", "Idempotency-Key"
        )
    return header


def reward_request(body: Any) -> RewardRequest:
    fields = _object(body, "body")
    recipients = fields.get("recipients")
    if not isinstance(recipients, list) or not 0 < len(recipients) <= MAX_RECIPIENTS:
        raise BadRequest(
            f"recipients must be a list of 1 to {MAX_RECIPIENTS} people.", "recipients"
        )
    return RewardRequest(
        recipients=tuple(_recipient(r, n) for n, r in enumerate(recipients)),
        amount=_amount(fields.get("amount")),
        currency=_currency(fields),
        reason=_text(fields, "reason", MAX_TEXT),
        # An empty programme or giver means the default, as leaving it out does.
        programme=_optional_text(fields, "programme", 100) or None,
        giver=_optional_text(fields, "giver", 100) or "",
    )


def employee_rows(body: Any) -> list[Mapping[str, object]]:
    """The rows as objects whose documented fields are text; what each value means is judged per
    row."""
    rows = _object(body, "body").get("employees")
    if not isinstance(rows, list) or not 0 < len(rows) <= MAX_EMPLOYEES:
        raise BadRequest(f"employees must be a list of 1 to {MAX_EMPLOYEES} objects.", "employees")
    checked: list[Mapping[str, object]] = [
        _object(row, f"employees[{n}]") for n, row in enumerate(rows)
    ]
    for n, row in enumerate(checked):
        wrong = next((f for f in EMPLOYEE_TEXT if f in row and not isinstance(row[f], str)), None)
        if wrong is not None:
            raise BadRequest(f"employees[{n}].{wrong} must be text.", f"employees[{n}].{wrong}")
    return checked


def _recipient(value: Any, index: int) -> ByEmail | ByUser:
    where = f"recipients[{index}]"
    fields = _object(value, where)
    kind = "email" if "email" in fields else str(fields.get("platform"))
    allowed = RECIPIENT_FIELDS.get(kind)
    if allowed is None:
        raise BadRequest(
            f"{where}: give an email, or a platform (slack or teams) and a user_id.", where
        )
    if set(fields) - allowed:
        extra = ", ".join(sorted(set(fields) - allowed))
        raise BadRequest(
            f"{where}: name a person by {' and '.join(sorted(allowed))} only, not also {extra}.",
            where,
        )
    if kind == "email":
        return ByEmail(_text(fields, "email", 254, where).lower())
    platform = kind
    tenant_field = "team_id" if platform == "slack" else "tenant_id"
    user_id, tenant = fields.get("user_id"), fields.get(tenant_field)
    if not (
        isinstance(user_id, str)
        and isinstance(tenant, str)
        and _ID.match(user_id)
        and _ID.match(tenant)
    ):
        raise BadRequest(
            f"{where}: user_id and {tenant_field} hold letters, digits and : _ . @ - only.", where
        )
    if (
        platform == "teams"
    ):  # Entra ids ignore case; Teams sends them in lower case, and so are they kept
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
    """Absent is None; present must be text (null is refused: leave the field out for the
    default)."""
    if name not in fields:
        return None
    value = fields[name]
    if not isinstance(value, str) or len(value) > limit:
        raise BadRequest(
            f"{name} must be text of at most {limit} characters (leave it out for the default).",
            name,
        )
    return value.strip()


def _currency(fields: Mapping[str, Any]) -> str | None:
    if "currency" not in fields:
        return None
    value = fields["currency"]
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise BadRequest("currency must be a 3-letter ISO 4217 code such as EUR.", "currency")
    return value.upper()
