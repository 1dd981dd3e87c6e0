"""Xoxoday Plum wire format: operation names, answer parsing, and the one place errors are
mapped."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from core.errors import ProviderError
from core.money import check_currency

API_PATH = "/v1/oauth/api"
TOKEN_PATH = "/v1/oauth/token/user"
TAG = "plumProAPI"
GET_VOUCHERS = "plumProAPI.mutation.getVouchers"
PLACE_ORDER = "plumProAPI.mutation.placeOrder"
GET_ORDER_DETAILS = "plumProAPI.mutation.getOrderDetails"
GET_BALANCE = "plumProAPI.query.getBalance"
MAX_QUANTITY = 10
FAILED_STATUSES = frozenset({"failed", "cancelled", "canceled", "rejected", "refunded"})


class PlumApiError(ProviderError):
    """Plum refused or did not answer; `status` is the HTTP status (0: no answer), `error_id` Plum's
    code."""

    def __init__(self, message: str, *, status: int, error_id: str = "", retryable: bool) -> None:
        super().__init__(message, retryable=retryable)
        self.status = status
        self.error_id = error_id

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def transient(self) -> bool:
        """Worth trying again right away: no answer, a timeout or a server error (not a 429
        quota)."""
        return self.status == 0 or self.status == 408 or self.status >= 500


def operation_of(query: str) -> str:
    """`plumProAPI.mutation.placeOrder` -> `placeOrder`, the key Plum answers under."""
    return query.rsplit(".", 1)[-1]


def error_for(status: int, body: Any, operation: str) -> PlumApiError:
    """Map an HTTP error answer (either of Plum's two error shapes) to a ProviderError."""
    info = body if isinstance(body, dict) else {}
    parts: tuple[Any, ...]
    if info.get("errorId"):  # application error: errorInfo says what, error says why
        error_id, parts = str(info["errorId"]), (info.get("errorInfo"), info.get("error"))
    else:  # OAuth error: error is the keyword
        error_id, parts = str(info.get("error") or ""), (info.get("error_description"),)
    detail = ": ".join(str(p).strip() for p in parts if p and str(p).strip())
    # 4xx are business or request refusals that the same request would meet again; 429 is a quota.
    retryable = status in (408, 429) or status >= 500
    message = f"Plum {operation} failed ({status}{' ' + error_id if error_id else ''})"
    return PlumApiError(
        f"{message}: {detail}" if detail else message,
        status=status,
        error_id=error_id,
        retryable=retryable,
    )


def transport_error(operation: str, exc: BaseException) -> PlumApiError:
    return PlumApiError(
        f"Plum {operation}: no answer ({type(exc).__name__})", status=0, retryable=True
    )


def malformed(operation: str, what: str) -> PlumApiError:
    # Retryable on purpose: the next attempt starts by looking the order up by its poNumber.
    return PlumApiError(f"Plum {operation}: unexpected answer ({what})", status=200, retryable=True)


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def unwrap(answer: Any, operation: str) -> Any:
    """The payload of `{"data": {operation: {"status": 1, "data": ...}}}`, or a malformed-answer
    error."""
    outer = answer.get("data") if isinstance(answer, dict) else None
    result = outer.get(operation) if isinstance(outer, dict) else None
    if not isinstance(result, dict) or "data" not in result:
        raise malformed(operation, f"no data.{operation}.data")
    if result.get("status") != 1:
        raise malformed(operation, f"status {result.get('status')!r}")
    return result["data"]


def decimal_of(value: Any) -> Decimal | None:
    """A JSON number or numeric string as an exact Decimal (floats go through their shortest
    repr)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def wire_number(amount: Decimal) -> int | float:
    """Plum takes denominations as JSON numbers; only the wire format ever sees a float."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


@dataclass(frozen=True)
class PlumBalance:
    value: Decimal
    currency: str


@dataclass(frozen=True)
class PlumVoucher:
    """One voucher of an order; code and PIN never appear in a repr (and so never in a log)."""

    code: str = field(repr=False)
    pin: str = field(repr=False)
    validity: str
    type: str


@dataclass(frozen=True)
class PlumOrder:
    order_id: str
    status: str
    delivery_status: str
    vouchers: tuple[PlumVoucher, ...]

    @property
    def failed(self) -> bool:
        return self.status.lower() in FAILED_STATUSES

    @property
    def voucher(self) -> PlumVoucher | None:
        return self.vouchers[0] if self.vouchers else None


def parse_balance(data: Any) -> PlumBalance:
    value = decimal_of(data.get("value")) if isinstance(data, dict) else None
    if value is None:
        raise malformed("getBalance", "no numeric value")
    try:
        return PlumBalance(value, check_currency(str(data.get("currency", ""))))
    except ValueError:
        raise malformed("getBalance", "no currency") from None


def parse_order(data: Any, operation: str) -> PlumOrder:
    if not isinstance(data, dict) or data.get("orderId") in (None, ""):
        raise malformed(operation, "no orderId")
    entries = data.get("vouchers") or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise malformed(operation, "vouchers is not a list of objects")
    vouchers = tuple(
        _voucher(e) for e in entries if isinstance(e.get("voucherCode"), str) and e["voucherCode"]
    )
    return PlumOrder(
        str(data["orderId"]),
        str(data.get("orderStatus") or ""),
        str(data.get("deliveryStatus") or ""),
        vouchers,
    )


def _voucher(entry: dict[str, Any]) -> PlumVoucher:
    pin = entry.get("pin")
    return PlumVoucher(
        code=entry["voucherCode"].strip(),
        pin=pin.strip() if isinstance(pin, str) else "",
        validity=str(entry.get("validity") or ""),
        type=str(entry.get("type") or "code"),
    )
