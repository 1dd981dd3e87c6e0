"""A loopback fake of the Tango Card RaaS API v2, built from its documented request and answer
shapes.

Routes (base URL `http://127.0.0.1:<port>/raas/v2`, like `https://integration-api.tangocard.com/raas/v2`),
all behind HTTP Basic auth with the platform name and key:
    GET  /catalogs?verbose=true             brands with their items (utid, valueType, faceValue,
    ...) GET  /accounts/{accountIdentifier}      the account and its currentBalance POST /orders
    201 a new order; 200 the order already under this externalRefID GET  /orders?externalRefID=...
    order summaries (no credentials) GET  /orders/{referenceOrderID}         one order with its
    reward credentials

Strict like Tango: unknown or missing fields, a customer that does not own the account, an inactive
utid or an amount the item does not take are 400s; errors carry `httpCode`, `i18nKey`, `message` and
`errors`. Switches: a burst of 5xx or 429 answers, a stalled order (answer lost after it was
placed), an item out of stock, the account balance, a per-second call limit.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Self

from aiohttp import web

ORDER_FIELDS = {
    "accountIdentifier",
    "customerIdentifier",
    "amount",
    "utid",
    "sendEmail",
    "externalRefID",
    "campaign",
    "emailSubject",
    "message",
    "notes",
    "recipient",
    "sender",
    "etid",
}
REQUIRED = {"accountIdentifier", "customerIdentifier", "amount", "utid", "sendEmail"}
EXTERNAL_REF = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def tango_brand(
    key: str, name: str, items: list[dict[str, Any]], *, status: str = "active", **extra: Any
) -> dict[str, Any]:
    brand: dict[str, Any] = {
        "brandKey": key,
        "brandName": name,
        "disclaimer": "",
        "description": f"<p>{name} e-gift card.</p>",
        "shortDescription": f"{name} e-gift card",
        "terms": "<p>Not redeemable for cash.</p>",
        "createdDate": "2025-04-01T10:00:00Z",
        "lastUpdateDate": "2026-10-01T10:00:00Z",
        "imageUrls": {
            "300w-326ppi": f"https://dwwvg90koz96l.cloudfront.net/images/brands/{key}-300w.png"
        },
        "status": status,
        "brandRequirements": {},
        "items": items,
    }
    brand.update(extra)
    return brand


def tango_item(
    utid: str,
    name: str,
    currency: str = "USD",
    *,
    face_value: float | None = None,
    min_value: float | None = None,
    max_value: float | None = None,
    country: str = "US",
    credential_types: tuple[str, ...] = ("cardNumber", "pin"),
    status: str = "active",
) -> dict[str, Any]:
    fixed = face_value is not None
    return {
        "utid": utid,
        "rewardName": name,
        "currencyCode": currency,
        "status": status,
        "valueType": "FIXED_VALUE" if fixed else "VARIABLE_VALUE",
        "rewardType": "gift card",
        "isWholeAmountValueRequired": False,
        "exchangeRateRule": "1",
        "faceValue": face_value,
        "minValue": min_value,
        "maxValue": max_value,
        "countries": [country],
        "credentialTypes": list(credential_types),
        "redemptionInstructions": "<p>Enter the card number online.</p>",
        "createdDate": "2025-04-01T10:00:00Z",
        "lastUpdateDate": "2026-10-01T10:00:00Z",
    }


def sample_catalog() -> list[dict[str, Any]]:
    """Brands that overlap the Plum fake's (Quiet Harbour Books in the US) and some only Tango
    sells."""
    return [
        tango_brand(
            "B916708",
            "Quiet Harbour Books",
            [
                tango_item("U561593", "Quiet Harbour Books $10", face_value=10),
                tango_item("U561594", "Quiet Harbour Books $25", face_value=25),
                tango_item("U561595", "Quiet Harbour Books $50", face_value=50),
            ],
        ),
        tango_brand(
            "B402211",
            "Lantern Tea House",
            [
                tango_item(
                    "U730001",
                    "Lantern Tea House (variable)",
                    "GBP",
                    min_value=5,
                    max_value=200,
                    country="GB",
                    credential_types=("redemptionUrl",),
                ),
            ],
        ),
        tango_brand(
            "B118822",
            "Kestrel Rail Journeys",
            [
                tango_item(
                    "U810010", "Kestrel Rail Journeys 20 EUR", "EUR", face_value=20, country="DE"
                ),
                tango_item(
                    "U810011", "Kestrel Rail Journeys 50 EUR", "EUR", face_value=50, country="DE"
                ),
            ],
        ),
        tango_brand(
            "B000404",
            "Withdrawn Brand",
            [tango_item("U000404", "Withdrawn", face_value=10)],
            status="inactive",
        ),
    ]


@dataclass
class FakeTangoOrder:
    reference: str
    external_ref: str
    item: dict[str, Any]
    amount: Decimal
    created_at: str
    code: str = field(repr=False, default="")
    pin: str = field(repr=False, default="")
    url: str = field(repr=False, default="")


class TangoError(Exception):
    def __init__(
        self, status: int, i18n_key: str, message: str, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.i18n_key, self.message, self.errors = (
            status,
            i18n_key,
            message,
            errors or [],
        )


PHRASES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class FakeTango:
    """Stateful fake Tango platform: one customer, one account, a catalog, orders; see the module
    doc."""

    def __init__(
        self,
        brands: list[dict[str, Any]] | None = None,
        *,
        platform_name: str = "QuietHarbourPlatform",
        platform_key: str = "tango-platform-key-" + "x" * 12,
        customer_id: str = "harbour-customer",
        account_id: str = "harbour-account",
        balance: Decimal = Decimal("1000.00"),
        currency: str = "USD",
        calls_per_second: int | None = None,
    ) -> None:
        self.brands = brands if brands is not None else sample_catalog()
        self.platform_name, self.platform_key = platform_name, platform_key
        self.customer_id, self.account_id = customer_id, account_id
        self.balance, self.currency = balance, currency
        self.orders: dict[str, FakeTangoOrder] = {}  # by referenceOrderID
        self.calls: list[tuple[str, str]] = []  # (method, path) of every authorised call
        self.order_requests: list[dict[str, Any]] = []  # bodies of POST /orders, answered or not
        self.unauthorized = 0
        self.out_of_stock: set[str] = set()
        self._failures: list[tuple[int, str | None, str | None]] = []
        self._stall: tuple[float, bool] | None = None
        self._per_second = calls_per_second
        self._recent: list[float] = []
        self._numbers = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # --- switches ------------------------------------------------------------------------------

    def fail_next(
        self, count: int, status: int = 503, path: str | None = None, method: str | None = None
    ) -> None:
        """The next `count` calls (to `path` and by `method` only, if given) answer `status`."""
        self._failures += [(status, path, method)] * count

    def stall_next_order(self, seconds: float, *, after_processing: bool = True) -> None:
        """The next POST /orders answers only after `seconds`; placed first (answer lost) or not at
        all."""
        self._stall = (seconds, after_processing)

    @property
    def placed(self) -> list[FakeTangoOrder]:
        return list(self.orders.values())

    def orders_for(self, external_ref: str) -> list[FakeTangoOrder]:
        return [o for o in self.orders.values() if o.external_ref == external_ref]

    # --- server ---------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/raas/v2/catalogs", self._catalogs)
        app.router.add_get("/raas/v2/accounts/{account}", self._account)
        app.router.add_post("/raas/v2/orders", self._place)
        app.router.add_get("/raas/v2/orders", self._list)
        app.router.add_get("/raas/v2/orders/{reference}", self._order)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/raas/v2"
        return self.base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            self._authorize(request)
            self._throttle(request)
            self.calls.append((request.method, request.path))
            return await handler(request)
        except TangoError as exc:
            return _error(request, exc)

    def _authorize(self, request: web.Request) -> None:
        expected = base64.b64encode(f"{self.platform_name}:{self.platform_key}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            self.unauthorized += 1
            raise TangoError(401, "RAAS:AUTH:UNAUTHORIZED", "Full authentication is required")
        if request.headers.get("Accept", "application/json") not in ("application/json", "*/*"):
            raise TangoError(406, "RAAS:ACCEPT:NOT_ACCEPTABLE", "Only application/json is served")

    def _throttle(self, request: web.Request) -> None:
        for index, (status, path, method) in enumerate(self._failures):
            if (path is None or request.path.endswith(path)) and method in (None, request.method):
                del self._failures[index]
                raise TangoError(status, f"RAAS:SYSTEM:{status}", PHRASES.get(status, "Error"))
        if self._per_second is None:
            return
        now = time.monotonic()
        self._recent = [t for t in self._recent if now - t < 1.0]
        if len(self._recent) >= self._per_second:
            raise TangoError(429, "RAAS:RATE_LIMIT:EXCEEDED", "Rate limit exceeded")
        self._recent.append(now)

    # --- handlers -------------------------------------------------------------------------------

    async def _catalogs(self, request: web.Request) -> web.Response:
        return web.json_response({"catalogName": "Quiet Harbour catalog", "brands": self.brands})

    async def _account(self, request: web.Request) -> web.Response:
        if request.match_info["account"] != self.account_id:
            raise TangoError(404, "RAAS:ACCOUNT:NOT_FOUND", "Account not found")
        return web.json_response(
            {
                "accountIdentifier": self.account_id,
                "accountNumber": "A32-119-408",
                "displayName": "Quiet Harbour",
                "currencyCode": self.currency,
                "currentBalance": float(self.balance),
                "createdAt": "2025-04-01T10:00:00Z",
                "status": "ACTIVE",
                "contactEmail": "rewards@harbour.example",
            }
        )

    async def _place(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        self.order_requests.append(body)
        self._check_order(body)
        external = str(body.get("externalRefID") or "")
        existing = self.orders_for(external) if external else []
        if existing:
            return web.json_response(self._verbose(existing[0]), status=200)
        stall = self._stall
        self._stall = None
        if stall is not None and not stall[1]:
            await asyncio.sleep(stall[0])
            raise TangoError(503, "RAAS:SYSTEM:UNAVAILABLE", "Service Unavailable")
        order = self._create(body, external)
        if stall is not None:
            await asyncio.sleep(stall[0])  # placed; the client has probably given up waiting
        return web.json_response(self._verbose(order), status=201)

    async def _list(self, request: web.Request) -> web.Response:
        query = request.query
        unknown = set(query) - {
            "externalRefID",
            "customerIdentifier",
            "accountIdentifier",
            "startDate",
            "endDate",
            "elementsPerBlock",
            "page",
        }
        if unknown:
            raise TangoError(
                400, "RAAS:QUERY:UNKNOWN_PARAMETER", f"Unknown parameter {sorted(unknown)}"
            )
        if query.get("accountIdentifier", self.account_id) != self.account_id:
            raise TangoError(404, "RAAS:ACCOUNT:NOT_FOUND", "Account not found")
        orders = [
            o
            for o in self.orders.values()
            if "externalRefID" not in query or o.external_ref == query["externalRefID"]
        ]
        page = {
            "number": 0,
            "elementsPerBlock": 100,
            "resultCount": len(orders),
            "totalCount": len(orders),
        }
        return web.json_response({"page": page, "orders": [self._summary(o) for o in orders]})

    async def _order(self, request: web.Request) -> web.Response:
        order = self.orders.get(request.match_info["reference"])
        if order is None:
            raise TangoError(404, "RAAS:ORDER:NOT_FOUND", "Order not found")
        return web.json_response(self._verbose(order))

    # --- rules ----------------------------------------------------------------------------------

    def _check_order(self, body: dict[str, Any]) -> None:
        unknown, missing = set(body) - ORDER_FIELDS, REQUIRED - set(body)
        if unknown or missing:
            errors = [
                {
                    "path": name,
                    "message": "unknown field" if name in unknown else "may not be null",
                    "i18nKey": "RAAS:VALIDATION:FIELD",
                    "invalidValue": None,
                    "constraint": "schema",
                }
                for name in sorted(unknown | missing)
            ]
            raise TangoError(400, "RAAS:VALIDATION:FAILED", "Validation failed", errors)
        if (
            body["customerIdentifier"] != self.customer_id
            or body["accountIdentifier"] != self.account_id
        ):
            raise TangoError(
                400, "RAAS:ACCOUNT:NOT_OWNED", "The account does not belong to this customer"
            )
        if not isinstance(body["sendEmail"], bool) or (
            body["sendEmail"] and not body.get("recipient")
        ):
            raise TangoError(
                400, "RAAS:VALIDATION:RECIPIENT", "recipient is required when sendEmail is true"
            )
        external = body.get("externalRefID")
        if external is not None and not (
            isinstance(external, str) and EXTERNAL_REF.match(external)
        ):
            raise TangoError(400, "RAAS:VALIDATION:EXTERNAL_REF_ID", "externalRefID is invalid")
        item = self._item(str(body["utid"]))
        amount = _amount(body["amount"])
        if not _admits(item, amount):
            raise TangoError(
                400, "RAAS:ORDER:INVALID_AMOUNT", f"{amount} is not a valid amount for this item"
            )
        if item["utid"] in self.out_of_stock:
            raise TangoError(400, "RAAS:ITEM:OUT_OF_STOCK", "This item is temporarily unavailable")
        if item["currencyCode"] == self.currency and amount > self.balance:
            raise TangoError(
                400, "RAAS:ORDER:INSUFFICIENT_BALANCE", "Insufficient funds in the account"
            )

    def _item(self, utid: str) -> dict[str, Any]:
        for brand in self.brands:
            for item in brand.get("items", []):
                if item["utid"] == utid:
                    if brand["status"] != "active" or item["status"] != "active":
                        raise TangoError(
                            400, "RAAS:BRAND:UNAVAILABLE", "This brand is not available"
                        )
                    return dict(item, brandName=brand["brandName"])
        raise TangoError(400, "RAAS:ITEM:NOT_FOUND", f"No item with utid {utid}")

    def _create(self, body: dict[str, Any], external: str) -> FakeTangoOrder:
        item = self._item(str(body["utid"]))
        amount = _amount(body["amount"])
        if item["currencyCode"] == self.currency:
            self.balance -= amount
        number = next(self._numbers)
        reference = f"RA{261206:06d}-{number:04d}-{secrets.randbelow(10**4):04d}"
        types = {"".join(c for c in t.lower() if c.isalnum()) for t in item["credentialTypes"]}
        order = FakeTangoOrder(
            reference,
            external or reference,
            item,
            amount,
            datetime.now(UTC).isoformat(),
            code=""
            if "redemptionurl" in types and "cardnumber" not in types
            else f"TC{secrets.token_hex(6).upper()}",
            pin=f"{secrets.randbelow(10**6):06d}" if "pin" in types else "",
            url=f"https://sandbox.rewardlink.io/r/{secrets.token_urlsafe(12)}"
            if "redemptionurl" in types
            else "",
        )
        self.orders[reference] = order
        return order

    def _summary(self, order: FakeTangoOrder) -> dict[str, Any]:
        money = {"value": float(order.amount), "currencyCode": order.item["currencyCode"]}
        return {
            "referenceOrderID": order.reference,
            "customerIdentifier": self.customer_id,
            "accountIdentifier": self.account_id,
            "accountNumber": "A32-119-408",
            "amountCharged": {
                **money,
                "exchangeRate": 1.0,
                "fee": 0.0,
                "total": float(order.amount),
            },
            "denomination": money,
            "utid": order.item["utid"],
            "rewardName": order.item["rewardName"],
            "sendEmail": False,
            "status": "COMPLETE",
            "createdAt": order.created_at,
            "externalRefID": order.external_ref,
        }

    def _verbose(self, order: FakeTangoOrder) -> dict[str, Any]:
        credentials: list[dict[str, str]] = []
        if order.code:
            credentials.append(
                {
                    "label": "Card Number",
                    "value": order.code,
                    "type": "text",
                    "credentialType": "cardNumber",
                }
            )
        if order.pin:
            credentials.append(
                {"label": "PIN", "value": order.pin, "type": "text", "credentialType": "pin"}
            )
        if order.url:
            credentials.append(
                {
                    "label": "Redemption Link",
                    "value": order.url,
                    "type": "url",
                    "credentialType": "redemptionUrl",
                }
            )
        credentials.append(
            {
                "label": "Expiration Date",
                "value": "2027-12-31",
                "type": "date",
                "credentialType": "expirationDate",
            }
        )
        reward = {
            "credentials": {c["label"]: c["value"] for c in credentials},
            "credentialList": credentials,
            "redemptionInstructions": order.item["redemptionInstructions"],
        }
        return {**self._summary(order), "reward": reward}


def _error(request: web.Request, exc: TangoError) -> web.Response:
    body = {
        "timestamp": datetime.now(UTC).isoformat(),
        "requestId": secrets.token_hex(8),
        "path": request.path,
        "httpCode": exc.status,
        "httpPhrase": PHRASES.get(exc.status, "Error"),
        "i18nKey": exc.i18n_key,
        "message": exc.message,
        "errors": exc.errors,
    }
    headers = {"Retry-After": "1"} if exc.status == 429 else None
    return web.json_response(body, status=exc.status, headers=headers)


async def _json_body(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise TangoError(
            415, "RAAS:CONTENT_TYPE:UNSUPPORTED", "Content-Type must be application/json"
        )
    try:
        body = json.loads(await request.read())
    except ValueError:
        raise TangoError(400, "RAAS:VALIDATION:MALFORMED", "Malformed JSON") from None
    if not isinstance(body, dict):
        raise TangoError(400, "RAAS:VALIDATION:MALFORMED", "The body must be an object")
    return body


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TangoError(400, "RAAS:VALIDATION:AMOUNT", "amount must be a number")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise TangoError(400, "RAAS:VALIDATION:AMOUNT", "amount must be a number") from None


def _admits(item: dict[str, Any], amount: Decimal) -> bool:
    if item["valueType"] == "FIXED_VALUE":
        return amount == Decimal(str(item["faceValue"]))
    return Decimal(str(item["minValue"])) <= amount <= Decimal(str(item["maxValue"]))
