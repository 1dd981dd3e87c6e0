"""A loopback fake of the Xoxoday Plum Rewards API, built from its documented request and answer
shapes.

Routes (base URL `http://127.0.0.1:<port>/chef`, like `https://accounts.xoxoday.com/chef`):
    POST /chef/v1/oauth/token/user   refresh-token grant; every refresh rotates the refresh token
    POST /chef/v1/oauth/api          {"query": ..., "tag": "plumProAPI", "variables": {"data":
    {...}}}

Switches: short token lifetimes and revocation, a burst of 5xx answers, a stalled placeOrder (answer
lost after the order was processed, or delayed before it), delayed products that complete after N
getOrderDetails polls, a wallet balance, a daily getVouchers quota. placeOrder is idempotent on
poNumber.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import ssl
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, Self

from aiohttp import web

TAG = "plumProAPI"
QUERIES = {
    "plumProAPI.mutation.getVouchers": "getVouchers",
    "plumProAPI.mutation.placeOrder": "placeOrder",
    "plumProAPI.mutation.getOrderDetails": "getOrderDetails",
    "plumProAPI.query.getBalance": "getBalance",
}
MAX_QUANTITY = 10


class _Clock(Protocol):
    def now(self) -> datetime: ...


class _WallClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def plum_product(
    product_id: int,
    name: str,
    currency: str = "USD",
    *,
    denominations: str = "",
    min_value: float = 0,
    max_value: float = 0,
    country: str = "US",
    delivery: str = "realtime",
    voucher_type: str = "code",
    **extra: Any,
) -> dict[str, Any]:
    """A getVouchers entry as Plum documents it; fixed when `denominations` is given, else open
    value."""
    item: dict[str, Any] = {
        "productId": product_id,
        "name": name,
        "description": f"<p>{name} e-gift card.</p>",
        "orderQuantityLimit": 10,
        "termsAndConditionsInstructions": "<ul><li>Not exchangeable for cash.</li></ul>",
        "expiryAndValidity": "Valid for 12 months from the date of issue",
        "redemptionInstructions": "Enter the code at checkout.",
        "categories": "eCommerce",
        "lastUpdateDate": "2026-01-06 10:23:24",
        "imageUrl": f"https://img.plum.example/{product_id}.png",
        "currencyCode": currency,
        "currencyName": currency,
        "countryName": country,
        "countryCode": country,
        "countries": [{"code": country, "name": country}],
        "valueType": "fixed_denomination" if denominations else "open_value",
        "maxValue": max_value,
        "minValue": min_value,
        "valueDenominations": denominations,
        "tatInDays": 5 if delivery == "delayed" else 0,
        "usageType": "",
        "deliveryType": delivery,
        "isCommon": "",
        "fee": 0,
        "discount": 2.5,
        "exchangeRate": "1",
        "isPhoneNumberMandatory": False,
        "isRecommended": 1,
        "filterGroupCode": "voucher_category",
        "type": voucher_type,
    }
    item.update(extra)
    return item


@dataclass
class FakeOrder:
    order_id: int
    po_number: str
    product: dict[str, Any]
    denomination: Decimal
    quantity: int
    status: str = "complete"
    polls_left: int = 0
    vouchers: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Failure:
    status: int
    operation: str | None


class PlumError(Exception):
    """An error answer in one of Plum's two documented shapes."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status = status
        self.body = body


def _app_error(status: int, error_id: str, info: str, detail: str) -> PlumError:
    return PlumError(
        status, {"code": status, "errorId": error_id, "errorInfo": info, "error": detail}
    )


def _oauth_error(status: int, error: str, description: str) -> PlumError:
    return PlumError(status, {"error": error, "error_description": description})


class FakePlum:
    """Stateful fake Plum account: catalog, wallet, orders, OAuth tokens; see the module doc for
    switches."""

    def __init__(
        self,
        products: Iterable[dict[str, Any]] = (),
        *,
        client_id: str = "plum-client-id",
        client_secret: str = "plum-client-secret",
        refresh_token: str = "plum-refresh-1",
        token_lifetime: int = 1_296_000,
        balance: Decimal | str = "1000",
        currency: str = "USD",
        delayed_polls: int = 2,
        voucher_call_quota: int = 500,
        clock: _Clock | None = None,
    ) -> None:
        self.products = list(products)
        self.client_id, self.client_secret = client_id, client_secret
        self.refresh_token = refresh_token
        self.token_lifetime = token_lifetime
        self.balance = Decimal(balance)
        self.currency = currency
        self.delayed_polls = delayed_polls
        self.voucher_call_quota = voucher_call_quota
        self.clock: _Clock = clock or _WallClock()
        self.orders: dict[str, FakeOrder] = {}
        self.calls: Counter[str] = Counter()
        self.place_order_requests: list[dict[str, Any]] = []
        self.refreshes = 0
        self._access: dict[str, datetime] = {}
        self._failures: list[_Failure] = []
        self._stall: tuple[float, bool] | None = None
        self._ids = itertools.count(6_474_256)
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.server_ssl: ssl.SSLContext | None = None  # set before start() to serve HTTPS

    # --- switches ------------------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 502, operation: str | None = None) -> None:
        """The next `count` API calls (of `operation`, e.g. "placeOrder", or any) answer
        `status`."""
        self._failures.extend(_Failure(status, operation) for _ in range(count))

    def stall_next_order(self, seconds: float, *, after_processing: bool = True) -> None:
        """The next placeOrder answers only after `seconds`, having processed the order already or
        not yet."""
        self._stall = (seconds, after_processing)

    def expire_access_tokens(self) -> None:
        self._access.clear()

    @property
    def access_tokens(self) -> tuple[str, ...]:
        return tuple(self._access)

    @property
    def vouchers_issued(self) -> int:
        return sum(len(o.vouchers) for o in self.orders.values())

    # --- server --------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/chef/v1/oauth/token/user", self._token)
        app.router.add_post("/chef/v1/oauth/api", self._api)
        self._runner = web.AppRunner(app, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.server_ssl)
        await site.start()
        port = self._runner.addresses[0][1]
        scheme = "https" if self.server_ssl is not None else "http"
        self.base_url = f"{scheme}://127.0.0.1:{port}/chef"
        return self.base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- OAuth ---------------------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        try:
            return web.json_response(self._refresh(await _json_body(request)))
        except PlumError as exc:
            return web.json_response(exc.body, status=exc.status)

    def _refresh(self, body: dict[str, Any]) -> dict[str, Any]:
        missing = [
            k
            for k in ("grant_type", "refresh_token", "client_id", "client_secret")
            if not isinstance(body.get(k), str) or not body[k]
        ]
        if missing:
            raise _oauth_error(400, "invalid_request", f"missing parameters: {', '.join(missing)}")
        if body["grant_type"] != "refresh_token":
            raise _oauth_error(400, "unsupported_grant_type", "grant_type must be refresh_token")
        if (body["client_id"], body["client_secret"]) != (self.client_id, self.client_secret):
            raise _oauth_error(401, "invalid_client", "invalid client credentials")
        if body["refresh_token"] != self.refresh_token:
            raise _oauth_error(400, "invalid_token", "invalid/expired token")
        self.refreshes += 1
        self.refresh_token = f"plum-refresh-{self.refreshes + 1}-{secrets.token_hex(4)}"
        access = secrets.token_urlsafe(24)
        now = self.clock.now()
        self._access[access] = now + timedelta(seconds=self.token_lifetime)
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": self.token_lifetime,
            "refresh_token": self.refresh_token,
            "access_token_expiry": str(int((now.timestamp() + self.token_lifetime) * 1000)),
            "refresh_token_expiry": str(int((now.timestamp() + 30 * 86400) * 1000)),
        }

    def _authorize(self, request: web.Request) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _oauth_error(
                401, "invalid_request", "missing/invalid parameters authorization header"
            )
        expires = self._access.get(token)
        if expires is None or self.clock.now() >= expires:
            raise _oauth_error(401, "invalid_token", "invalid/expired token")

    # --- the API -------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        try:
            self._authorize(request)
            operation, data = _envelope(await _json_body(request))
            self.calls[operation] += 1
            self._maybe_fail(operation)
            result = await getattr(self, f"_{operation}")(data)
        except PlumError as exc:
            return web.json_response(exc.body, status=exc.status)
        return web.json_response({"data": {operation: {"status": 1, "data": result}}})

    def _maybe_fail(self, operation: str) -> None:
        for i, failure in enumerate(self._failures):
            if failure.operation in (None, operation):
                del self._failures[i]
                raise PlumError(
                    failure.status, {"code": failure.status, "error": "Internal server error"}
                )

    async def _getVouchers(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        limit, page = _positive_int(data, "limit"), _positive_int(data, "page")
        filters = data.get("filters") or []
        if not isinstance(filters, list) or len(filters) > 1:
            raise _app_error(
                400, "PLE10001", "Validation error", "only one filter is supported per call"
            )
        if self.calls["getVouchers"] > self.voucher_call_quota:
            raise _app_error(
                429, "PLE10029", "Too many requests", "getVouchers allows 500 calls a day"
            )
        matching = sorted(
            (p for p in self.products if _matches(p, filters)), key=lambda p: p["name"].lower()
        )
        chunk = matching[(page - 1) * limit : page * limit]
        if not chunk:
            raise _app_error(404, "PLE10030", "Failed to find vouchers.", "No Vouchers Found")
        return chunk

    async def _placeOrder(self, data: dict[str, Any]) -> dict[str, Any]:
        self.place_order_requests.append(dict(data))
        request = _order_request(data)
        stall, self._stall = self._stall, None
        if stall and not stall[1]:
            await asyncio.sleep(stall[0])
        order = self._place(*request)
        if stall and stall[1]:
            await asyncio.sleep(stall[0])  # processed, but the answer comes too late
        return self._order_view(order)

    def _place(
        self, po_number: str, product_id: int, denomination: Decimal, quantity: int
    ) -> FakeOrder:
        existing = self.orders.get(po_number)
        if existing is not None:
            if (existing.product["productId"], existing.denomination, existing.quantity) != (
                product_id,
                denomination,
                quantity,
            ):
                raise _app_error(
                    409, "PLE10043", "Duplicate poNumber", "poNumber already used for another order"
                )
            return existing
        product = self._product_for(product_id, denomination)
        cost = denomination * quantity
        if self.balance < cost:
            raise _app_error(
                422, "PLE10012", "Failed to process order", "Insufficient balance in the wallet"
            )
        self.balance -= cost
        order = FakeOrder(next(self._ids), po_number, product, denomination, quantity)
        if product.get("deliveryType") == "delayed":
            order.status, order.polls_left = "pending", self.delayed_polls
        else:
            self._fulfil(order)
        self.orders[po_number] = order
        return order

    def _product_for(self, product_id: int, denomination: Decimal) -> dict[str, Any]:
        product = next((p for p in self.products if p["productId"] == product_id), None)
        if product is None or not _admits(product, denomination):
            raise _app_error(
                404,
                "PLE10018",
                "Invalid denomination for the product",
                "ProductId and Denomination Combination Not Found",
            )
        return product

    def _fulfil(self, order: FakeOrder) -> None:
        kind = order.product.get("type", "code")
        validity = (self.clock.now().date() + timedelta(days=365)).isoformat()
        for _ in range(order.quantity):
            code = f"PLUM-{order.order_id}-{secrets.token_hex(4).upper()}"
            order.vouchers.append(
                {
                    "productId": order.product["productId"],
                    "orderId": order.order_id,
                    "voucherCode": f"https://redeem.plum.example/v/{code}"
                    if kind.startswith("url")
                    else code,
                    "pin": f"{secrets.randbelow(10**6):06d}" if kind.endswith("Pin") else "",
                    "validity": validity,
                    "amount": str(order.denomination),
                    "currency": order.product["currencyCode"],
                    "country": order.product["countryCode"],
                    "type": kind,
                    "currencyValue": 1,
                }
            )
        order.status = "complete"

    async def _getOrderDetails(self, data: dict[str, Any]) -> dict[str, Any]:
        po_number, order_id = data.get("poNumber"), data.get("orderId")
        if not po_number and not order_id:
            raise _app_error(400, "PLE10001", "Validation error", "poNumber or orderId is required")
        order = (
            self.orders.get(po_number)
            if po_number
            else next((o for o in self.orders.values() if str(o.order_id) == str(order_id)), None)
        )
        if order is None:
            raise _app_error(
                404, "PLE10018", "Order details not found", "Not found, Order Details Not Found"
            )
        if order.status == "pending":
            order.polls_left -= 1
            if order.polls_left <= 0:
                self._fulfil(order)
        return self._order_view(order)

    async def _getBalance(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"value": float(self.balance), "currency": self.currency}

    def _order_view(self, order: FakeOrder) -> dict[str, Any]:
        total = order.denomination * order.quantity
        return {
            "orderId": order.order_id,
            "orderTotal": float(total),
            "orderDiscount": "",
            "discountPercent": "",
            "currencyCode": order.product["currencyCode"],
            "currencyValue": 1,
            "amountCharged": float(total),
            "orderStatus": order.status,
            "deliveryStatus": "delivered" if order.vouchers else "pending",
            "tag": "",
            "quantity": order.quantity,
            "vouchers": list(order.vouchers),
            "voucherDetails": [
                {
                    "orderId": order.order_id,
                    "productId": order.product["productId"],
                    "productName": order.product["name"],
                    "currencyCode": order.product["currencyCode"],
                    "productStatus": "delivered" if order.vouchers else "pending",
                    "denomination": float(order.denomination),
                }
            ],
        }


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read())
    except ValueError:
        raise _app_error(400, "PLE10001", "Validation error", "the body is not JSON") from None
    if not isinstance(body, dict):
        raise _app_error(400, "PLE10001", "Validation error", "the body is not a JSON object")
    return body


def _envelope(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    operation = QUERIES.get(body.get("query"))  # type: ignore[arg-type]
    if operation is None:
        raise _app_error(
            400, "PLE10001", "Validation error", f"unknown query {body.get('query')!r}"
        )
    if body.get("tag") != TAG:
        raise _app_error(400, "PLE10001", "Validation error", "tag must be plumProAPI")
    variables = body.get("variables")
    if not isinstance(variables, dict) or not isinstance(variables.get("data"), dict):
        raise _app_error(400, "PLE10001", "Validation error", "variables.data must be an object")
    return operation, variables["data"]


def _positive_int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _app_error(400, "PLE10001", "Validation error", f"{key} must be a positive integer")
    return value


def _order_request(data: dict[str, Any]) -> tuple[str, int, Decimal, int]:
    po_number, product_id = data.get("poNumber"), data.get("productId")
    quantity, denomination = data.get("quantity"), data.get("denomination")
    if not isinstance(po_number, str) or not po_number or not str(product_id or "").isdigit():
        raise _app_error(
            400,
            "PLE10001",
            "Validation error in place order",
            "poNumber and productId are required",
        )
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise _app_error(
            400,
            "PLE10001",
            "Validation error in place order",
            "quantity must be a positive integer",
        )
    if quantity > MAX_QUANTITY:
        raise _app_error(
            409, "PLE10041", "Clients are not allowed to place more than 10 Qty", "Order Failed"
        )
    if isinstance(denomination, bool) or not isinstance(denomination, (int, float)):
        raise _app_error(
            400, "PLE10001", "Validation error in place order", "denomination must be a number"
        )
    return po_number, int(str(product_id)), Decimal(str(denomination)), quantity


def _admits(product: dict[str, Any], denomination: Decimal) -> bool:
    if product["valueType"] == "fixed_denomination":
        try:
            return denomination in {
                Decimal(d.strip()) for d in product["valueDenominations"].split(",")
            }
        except InvalidOperation:
            return False
    return Decimal(str(product["minValue"])) <= denomination <= Decimal(str(product["maxValue"]))


def _matches(product: dict[str, Any], filters: list[Any]) -> bool:
    for f in filters:
        key, value = (
            (f.get("key"), str(f.get("value", "")).lower()) if isinstance(f, dict) else (None, "")
        )
        fields = {
            "country": (product["countryCode"], product["countryName"]),
            "currencyCode": (product["currencyCode"],),
            "deliveryType": (product["deliveryType"],),
            "productName": (product["name"],),
        }
        if key in fields and not any(value in str(v).lower() for v in fields[key]):
            return False
    return True


def sample_products() -> list[dict[str, Any]]:
    """A small catalog covering each shape: fixed, open value, PIN, link, delayed, and two we cannot
    sell."""
    return [
        plum_product(1001, "Quiet Harbour Books", denominations="10,25,50"),
        plum_product(
            1002,
            "Lantern Tea House",
            "EUR",
            min_value=5,
            max_value=200,
            country="DE",
            voucher_type="codePin",
        ),
        plum_product(1003, "Northwind Cinema", denominations="15,30", voucher_type="url"),
        plum_product(1004, "Slow Parcel Atelier", denominations="20,40", delivery="delayed"),
        plum_product(
            1005, "Mariner Mobile Top-up", denominations="10", isPhoneNumberMandatory=True
        ),
        plum_product(1006, "Gilded Abacus", "DOLLARS", denominations="10"),
        plum_product(1007, "Orchard Market", "GBP", denominations="5,10", country="GB"),
    ]
