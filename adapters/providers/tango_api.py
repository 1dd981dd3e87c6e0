"""Tango Card RaaS API v2 wire format: answer parsing, and the one place its errors are mapped.

Tango answers errors as `{"timestamp", "requestId", "path", "httpCode", "httpPhrase", "i18nKey",
"message", "errors": [{"path", "message", "i18nKey", "invalidValue", "constraint"}]}`. A 4xx is a
refusal the same request would meet again (a definite no), except 429 (Tango allows about one call a
second); a 5xx or no answer leaves an order's fate unknown until it is looked up by externalRefID.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.errors import ProviderError
from core.money import check_currency

SANDBOX_URL = "https://integration-api.tangocard.com/raas/v2"
FAILED_STATUSES = frozenset({"FAILED", "CANCELLED", "CANCELED", "REJECTED"})

# What a buyer-facing operator reads for the refusals we branch on; other keys keep Tango's message.
REFUSALS = {
    "insufficient_funds": "the Tango account balance is too low for this order",
    "item_unavailable": "Tango does not offer this item at the moment (out of stock or withdrawn)",
    "brand_unavailable": "the brand is not available through Tango for this account",
    "invalid_amount": "Tango does not sell this item for this amount",
    "unauthorized": "Tango refused the platform credentials (check TANGO_PLATFORM_NAME and "
    "TANGO_PLATFORM_KEY)",
}


# Refusals a buyer may be told about; a short balance or bad credentials are ours to fix, not
# theirs.
BUYER_REASONS = {
    "item_unavailable": ProviderError.OUT_OF_STOCK,
    "brand_unavailable": ProviderError.UNAVAILABLE,
}


class TangoApiError(ProviderError):
    """Tango refused or did not answer; `status` is the HTTP status (0: no answer), `kind` what it
    meant."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        kind: str = "",
        retry_after: float | None = None,
        nothing_sent: bool = False,
    ) -> None:
        super().__init__(
            message,
            retryable=status in (0, 408, 429) or status >= 500,
            buyer_reason=BUYER_REASONS.get(kind, ""),
            # Never reached, or turned away by the rate limit before processing: certainly no order.
            nothing_placed=nothing_sent or status == 429,
        )
        self.status = status
        self.kind = kind
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.retryable


def kind_of(i18n_key: str, status: int) -> str:
    """Tango's i18nKey (or, without one, the status) as one of our refusal kinds."""
    key = i18n_key.upper()
    if "INSUFFICIENT" in key or "BALANCE" in key:
        return "insufficient_funds"
    if "BRAND" in key:
        return "brand_unavailable"
    if "ITEM" in key or "UTID" in key or "STOCK" in key:
        return "item_unavailable"
    if "AMOUNT" in key or "DENOMINATION" in key:
        return "invalid_amount"
    return "unauthorized" if status in (401, 403) else ""


def error_for(
    status: int, body: Any, operation: str, retry_after: str | None = None
) -> TangoApiError:
    info = body if isinstance(body, dict) else {}
    listed = info.get("errors")
    details: list[Any] = listed if isinstance(listed, list) else []
    keys = [str(info.get("i18nKey") or "")] + [
        str(d.get("i18nKey") or "") for d in details if isinstance(d, dict)
    ]
    kinds = [k for k in (kind_of(key, status) for key in keys if key) if k] or [kind_of("", status)]
    kind = kinds[0]
    said = str(info.get("message") or info.get("httpPhrase") or "").strip()
    text = REFUSALS.get(kind) or said or "no reason given"
    wait = _seconds(retry_after)
    return TangoApiError(
        f"Tango {operation} failed ({status}): {text}", status=status, kind=kind, retry_after=wait
    )


def transport_error(
    operation: str, exc: BaseException, *, nothing_sent: bool = False
) -> TangoApiError:
    what = "could not connect" if nothing_sent else "no answer"
    return TangoApiError(
        f"Tango {operation}: {what} ({type(exc).__name__})", status=0, nothing_sent=nothing_sent
    )


def malformed(operation: str, what: str) -> TangoApiError:
    # Treated like no answer: the next attempt starts by looking the order up by its externalRefID.
    return TangoApiError(f"Tango {operation}: unexpected answer ({what})", status=0)


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def decimal_of(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def wire_amount(amount: Decimal) -> int | float:
    """Tango takes amounts as JSON numbers; only the wire format ever sees a float."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _seconds(value: str | None) -> float | None:
    number = decimal_of(value) if value else None
    return float(number) if number is not None and number >= 0 else None


@dataclass(frozen=True)
class TangoAccount:
    account_id: str
    balance: Decimal
    currency: str
    status: str


@dataclass(frozen=True)
class TangoReward:
    """One reward's credentials; never in a repr (and so never in a log)."""

    code: str = field(repr=False)
    pin: str = field(repr=False)
    url: str = field(repr=False)
    expires_on: date | None = None


@dataclass(frozen=True)
class TangoOrder:
    reference_order_id: str
    external_ref_id: str
    status: str
    reward: TangoReward | None

    @property
    def failed(self) -> bool:
        return self.status.upper() in FAILED_STATUSES


def parse_account(data: Any) -> TangoAccount:
    balance = decimal_of(data.get("currentBalance")) if isinstance(data, dict) else None
    if balance is None:
        raise malformed("getAccount", "no currentBalance")
    try:
        currency = check_currency(str(data.get("currencyCode") or ""))
    except ValueError:
        raise malformed("getAccount", "no currencyCode") from None
    return TangoAccount(
        str(data.get("accountIdentifier") or ""), balance, currency, str(data.get("status") or "")
    )


def parse_order(data: Any, operation: str) -> TangoOrder:
    if not isinstance(data, dict) or not data.get("referenceOrderID"):
        raise malformed(operation, "no referenceOrderID")
    reward = data.get("reward")
    return TangoOrder(
        reference_order_id=str(data["referenceOrderID"]),
        external_ref_id=str(data.get("externalRefID") or ""),
        status=str(data.get("status") or ""),
        reward=parse_reward(reward) if isinstance(reward, dict) else None,
    )


# credentialType values and credential labels Tango uses for the parts of a reward
CODE_TYPES = ("cardnumber", "code", "claimcode", "redemptioncode")
PIN_TYPES = ("cardpin", "pin", "securitycode")
URL_TYPES = ("url", "redemptionurl", "link", "claimurl")
EXPIRY_TYPES = ("expirationdate", "expirydate", "expiration")


def parse_reward(reward: dict[str, Any]) -> TangoReward | None:
    parts: dict[str, str] = {}
    listed = reward.get("credentialList")
    for entry in listed if isinstance(listed, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("value"), str):
            name = str(entry.get("credentialType") or entry.get("label") or "")
            parts.setdefault(_squash(name), entry["value"].strip())
    credentials = reward.get("credentials")
    for label, value in credentials.items() if isinstance(credentials, dict) else ():
        if isinstance(value, str):
            parts.setdefault(_squash(str(label)), value.strip())
    code, pin, url = _first(parts, CODE_TYPES), _first(parts, PIN_TYPES), _first(parts, URL_TYPES)
    if not (code or url):
        return None
    return TangoReward(
        code=code or url, pin=pin, url=url, expires_on=_date(_first(parts, EXPIRY_TYPES))
    )


def _squash(label: str) -> str:
    return "".join(ch for ch in label.lower() if ch.isalnum())


def _first(parts: dict[str, str], names: tuple[str, ...]) -> str:
    return next((parts[n] for n in names if parts.get(n)), "")


def _date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(
                text.strip()[:19] if "T" in text else text.strip()[:10], fmt
            ).date()
        except ValueError:
            continue
    return None
