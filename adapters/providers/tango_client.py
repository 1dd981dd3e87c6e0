"""Async client of the Tango Card RaaS API v2: Basic auth, catalog, account balance, retry-safe
orders."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import aiohttp

from adapters.providers.tango_api import (
    TangoAccount,
    TangoApiError,
    TangoOrder,
    error_for,
    malformed,
    parse_account,
    parse_json,
    parse_order,
    transport_error,
    wire_amount,
)
from adapters.providers.xoxoday_client import RetryPolicy

log = logging.getLogger(__name__)
DEFAULT_RETRY = RetryPolicy()


class TangoClient:
    """Tango's endpoints as typed async methods; every failure surfaces as TangoApiError (a
    ProviderError)."""

    def __init__(
        self,
        base_url: str,
        platform_name: str,
        platform_key: str,
        *,
        customer_id: str,
        account_id: str,
        session_factory: Callable[[], aiohttp.ClientSession] | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._authorization = aiohttp.BasicAuth(
            platform_name, platform_key
        ).encode()  # never logged
        self.customer_id = customer_id
        self.account_id = account_id
        self._session_factory = session_factory
        self._session: aiohttp.ClientSession | None = None
        self._timeout = timeout
        self._retry = retry
        self.requests: Counter[str] = Counter()  # per operation, retries included

    async def get_catalog(self) -> dict[str, Any]:
        answer = await self._call("getCatalog", "GET", "/catalogs", params={"verbose": "true"})
        if not isinstance(answer, dict) or not isinstance(answer.get("brands"), list):
            raise malformed("getCatalog", "no brands list")
        return answer

    async def get_account(self) -> TangoAccount:
        return parse_account(
            await self._call("getAccount", "GET", f"/accounts/{quote(self.account_id, safe='')}")
        )

    async def find_order(self, external_ref_id: str) -> TangoOrder | None:
        """The order placed under this externalRefID, with its reward, or None when Tango holds
        none."""
        params = {
            "externalRefID": external_ref_id,
            "customerIdentifier": self.customer_id,
            "accountIdentifier": self.account_id,
        }
        listing = await self._call("listOrders", "GET", "/orders", params=params)
        orders = listing.get("orders") if isinstance(listing, dict) else None
        if not isinstance(orders, list):
            raise malformed("listOrders", "no orders list")
        found = [
            o for o in orders if isinstance(o, dict) and o.get("externalRefID") == external_ref_id
        ]
        if not found:
            return None
        reference = str(found[0].get("referenceOrderID") or "")
        if not reference:
            raise malformed("listOrders", "an order without referenceOrderID")
        return parse_order(
            await self._call("getOrder", "GET", f"/orders/{quote(reference, safe='')}"), "getOrder"
        )

    async def place_order(self, external_ref_id: str, utid: str, amount: Decimal) -> TangoOrder:
        """Buy one reward; safe to repeat: Tango keeps one order per externalRefID, and a retry
        looks first."""
        if not external_ref_id or not utid:
            raise ValueError("every Tango order needs an externalRefID and a utid")
        body = {
            "accountIdentifier": self.account_id,
            "customerIdentifier": self.customer_id,
            "amount": wire_amount(amount),
            "utid": utid,
            "externalRefID": external_ref_id,
            "sendEmail": False,  # the bot delivers the reward in the chat; Tango must not email it
        }
        for attempt in range(1, self._retry.attempts + 1):
            try:
                return parse_order(
                    await self._once("placeOrder", "POST", "/orders", json=body), "placeOrder"
                )
            except TangoApiError as exc:
                if not exc.transient or attempt == self._retry.attempts:
                    raise
                log.warning(
                    "Tango placeOrder got no clear answer; looking the order up before retrying",
                    extra={
                        "external_ref_id": external_ref_id,
                        "status": exc.status,
                        "attempt": attempt,
                    },
                )
                await asyncio.sleep(self._delay(exc, attempt))
                lost = not exc.nothing_placed
            try:
                existing = await self.find_order(external_ref_id)
            except TangoApiError as lookup:
                # After an attempt whose answer was lost, a failed look-up leaves the order's fate
                # unknown.
                lookup.nothing_placed = lookup.nothing_placed and not lost
                raise
            if existing is not None:
                return existing
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- transport ---------------------------------------------------------------------------

    async def _call(
        self, operation: str, method: str, path: str, *, params: Mapping[str, str] | None = None
    ) -> Any:
        """A read, retried after no answer, a 5xx or a 429."""
        for attempt in range(1, self._retry.attempts + 1):
            try:
                return await self._once(operation, method, path, params=params)
            except TangoApiError as exc:
                if not exc.transient or attempt == self._retry.attempts:
                    raise
                log.warning(
                    "Tango call failed; retrying",
                    extra={"operation": operation, "status": exc.status, "attempt": attempt},
                )
                await asyncio.sleep(self._delay(exc, attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _once(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> Any:
        self.requests[operation] += 1
        headers = {"Accept": "application/json", "Authorization": self._authorization}
        try:
            async with self._get_session().request(
                method,
                self._base + path,
                params=params,
                json=json,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            ) as response:
                answer = parse_json(await response.read())
                if response.status not in (
                    200,
                    201,
                ):  # 201: a new order; 200: the one under this externalRefID
                    raise error_for(
                        response.status, answer, operation, response.headers.get("Retry-After")
                    )
                return answer
        except (
            aiohttp.ClientConnectorError
        ) as exc:  # refused or unresolvable: the request never left
            raise transport_error(operation, exc, nothing_sent=True) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise transport_error(operation, exc) from exc

    def _delay(self, exc: TangoApiError, attempt: int) -> float:
        # Tango allows about one call a second; honour Retry-After when it says more.
        return max(exc.retry_after or 0.0, self._retry.delay(attempt))

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = (
                self._session_factory() if self._session_factory else aiohttp.ClientSession()
            )
        return self._session
