"""Async client of the Xoxoday Plum Rewards API: one POST endpoint, bearer tokens, retries where
safe."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import aiohttp

from adapters.providers.xoxoday_api import (
    API_PATH,
    GET_BALANCE,
    GET_ORDER_DETAILS,
    GET_VOUCHERS,
    MAX_QUANTITY,
    PLACE_ORDER,
    TAG,
    TOKEN_PATH,
    PlumApiError,
    PlumBalance,
    PlumOrder,
    error_for,
    malformed,
    operation_of,
    parse_balance,
    parse_json,
    parse_order,
    transport_error,
    unwrap,
    wire_number,
)
from adapters.providers.xoxoday_tokens import MemoryTokenStore, TokenKeeper, TokenStore
from core.ports import Clock, SystemClock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to try again after a timeout or a 5xx."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int) -> float:
        # Full jitter halves the herd when many orders hit the same outage.
        return random.uniform(0.5, 1.0) * min(
            self.max_delay, self.base_delay * float(2 ** (attempt - 1))
        )


class XoxodayClient:
    """The Plum API as typed async methods; every failure surfaces as PlumApiError (a
    ProviderError)."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        session_factory: Callable[[], aiohttp.ClientSession] | None = None,
        timeout: float = 30.0,
        order_timeout: float = 150.0,
        retry: RetryPolicy = RetryPolicy(),
        clock: Clock | None = None,
        token_store: TokenStore | None = None,
        refresh_margin: timedelta = timedelta(minutes=10),
    ) -> None:
        base = base_url.rstrip("/")
        self._api_url = base + API_PATH
        self._session_factory = session_factory
        self._session: aiohttp.ClientSession | None = None
        self._timeout = timeout
        self._order_timeout = order_timeout  # Plum: real-time orders may take up to 120 s
        self._retry = retry
        self.requests: Counter[str] = (
            Counter()
        )  # per operation, retries included (quota accounting)
        self.tokens = TokenKeeper(
            url=base + TOKEN_PATH,
            client_id=client_id,
            client_secret=client_secret,
            seed_refresh_token=refresh_token,
            store=token_store or MemoryTokenStore(),
            clock=clock or SystemClock(),
            margin=refresh_margin,
            timeout=timeout,
            post=self._post_json,
        )

    async def get_vouchers(
        self, page: int, limit: int, filters: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """One catalog page (1-based). Plum allows about 500 of these calls a day and one filter per
        call."""
        if page < 1 or limit < 1:
            raise ValueError("page and limit start at 1")
        if filters and len(filters) > 1:
            raise ValueError("Plum takes at most one filter per getVouchers call")
        data = {
            "limit": limit,
            "page": page,
            "includeProducts": "",
            "excludeProducts": "",
            "exchangeRate": 1,
            "sort": {"field": "name", "order": "ASC"},
            "filters": [{"key": k, "value": v} for k, v in (filters or {}).items()],
        }
        items = await self._call(GET_VOUCHERS, data)
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise malformed("getVouchers", "data is not a list of products")
        return items

    async def get_balance(self) -> PlumBalance:
        return parse_balance(await self._call(GET_BALANCE, {}))

    async def get_order_details(
        self, *, po_number: str = "", order_id: str = ""
    ) -> PlumOrder | None:
        """The order placed with this poNumber (or Plum order id), or None if Plum has none."""
        if not (po_number or order_id):
            raise ValueError("give a poNumber or an order id")
        data: dict[str, Any] = {"sendMailToReceiver": 0}
        if po_number:
            data["poNumber"] = po_number
        if order_id:
            data["orderId"] = int(order_id) if order_id.isdigit() else order_id
        try:
            answer = await self._call(GET_ORDER_DETAILS, data)
        except PlumApiError as exc:
            if exc.not_found:
                return None
            raise
        return parse_order(answer, "getOrderDetails") if answer else None

    async def place_order(
        self,
        po_number: str,
        product_id: int,
        denomination: Decimal,
        quantity: int = 1,
        email: str | None = None,
    ) -> PlumOrder:
        """Buy; safe to repeat because the poNumber is the same, and each retry first looks the PO
        up."""
        if not 1 <= quantity <= MAX_QUANTITY:
            raise ValueError(f"Plum allows 1 to {MAX_QUANTITY} units per order")
        if not po_number:
            raise ValueError("every Plum order needs a poNumber")
        data = {
            "productId": product_id,
            "quantity": quantity,
            "denomination": wire_number(denomination),
            "poNumber": po_number,
            "email": email or "",
            "contact": "",
            "tag": "voucherbot",
            "notifyReceiverEmail": 0,
            "notifyAdminEmail": 0,
        }
        for attempt in range(1, self._retry.attempts + 1):
            try:
                return parse_order(
                    await self._call_once(PLACE_ORDER, data, self._order_timeout), "placeOrder"
                )
            except PlumApiError as exc:
                if not exc.transient or attempt == self._retry.attempts:
                    raise
                log.warning(
                    "Plum placeOrder got no clear answer; checking the PO before trying again",
                    extra={"po_number": po_number, "status": exc.status, "attempt": attempt},
                )
            await asyncio.sleep(self._retry.delay(attempt))
            # Plum's advice after a 5xx: an order may exist already; place again only if it does
            # not.
            existing = await self.get_order_details(po_number=po_number)
            if existing is not None:
                return existing
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- transport ---------------------------------------------------------------------------

    async def _call(self, query: str, data: dict[str, Any]) -> Any:
        """A read-only call, retried after timeouts and 5xx."""
        for attempt in range(1, self._retry.attempts + 1):
            try:
                return await self._call_once(query, data, self._timeout)
            except PlumApiError as exc:
                if not exc.transient or attempt == self._retry.attempts:
                    raise
                log.warning(
                    "Plum call failed; retrying",
                    extra={
                        "operation": operation_of(query),
                        "status": exc.status,
                        "attempt": attempt,
                    },
                )
            await asyncio.sleep(self._retry.delay(attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _call_once(self, query: str, data: dict[str, Any], timeout: float) -> Any:
        operation = operation_of(query)
        body = {"query": query, "tag": TAG, "variables": {"data": data}}
        token = await self.tokens.access_token()
        status, answer = await self._post_api(body, token, timeout, operation)
        if status == 401:
            # Expired early or revoked: refresh once and try again (a 401 means nothing was done).
            token = await self.tokens.renew(rejected=token)
            status, answer = await self._post_api(body, token, timeout, operation)
        if status != 200:
            raise error_for(status, answer, operation)
        return unwrap(answer, operation)

    async def _post_api(
        self, body: dict[str, Any], token: str, timeout: float, operation: str
    ) -> tuple[int, Any]:
        self.requests[operation] += 1
        return await self._post_json(self._api_url, body, timeout, operation, token)

    async def _post_json(
        self, url: str, body: dict[str, Any], timeout: float, operation: str, token: str = ""
    ) -> tuple[int, Any]:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            async with self._get_session().post(
                url, json=body, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
            ) as response:
                return response.status, parse_json(await response.read())
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise transport_error(operation, exc) from exc

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = (
                self._session_factory() if self._session_factory else aiohttp.ClientSession()
            )
        return self._session
