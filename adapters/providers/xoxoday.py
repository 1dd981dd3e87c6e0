"""The Xoxoday Plum voucher provider: buys one voucher per paid order, the order id as Plum's
poNumber."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from typing import NoReturn, Protocol

from adapters.providers.xoxoday_api import PlumApiError, PlumBalance, PlumOrder, PlumVoucher
from adapters.providers.xoxoday_catalog import (
    SyncReport,
    XoxodayCatalogSync,
    plum_id_of,
    product_id_for,
)
from adapters.providers.xoxoday_client import RetryPolicy, XoxodayClient
from adapters.providers.xoxoday_tokens import (
    MemoryTokenStore,
    PlumTokens,
    SerializedTokenStore,
    TokenStore,
)
from core.catalog import Product
from core.errors import ProviderError
from core.money import Money
from core.vouchers import IssuedVoucher

__all__ = [
    "MemoryTokenStore",
    "PlumApiError",
    "PlumTokens",
    "RetryPolicy",
    "SerializedTokenStore",
    "SyncReport",
    "TokenStore",
    "XoxodayCatalogSync",
    "XoxodayClient",
    "XoxodayProvider",
    "product_id_for",
]

log = logging.getLogger(__name__)

Alert = Callable[[str], Awaitable[None]]
INSUFFICIENT_BALANCE = "insufficient Plum wallet balance"
ON_ITS_WAY = "the voucher is on its way: Plum is still preparing it"
URL_TYPES = frozenset({"url", "urlpin"})


class PlumOrders(Protocol):
    async def get_balance(self) -> PlumBalance: ...

    async def get_order_details(
        self, *, po_number: str = "", order_id: str = ""
    ) -> PlumOrder | None: ...

    async def place_order(
        self,
        po_number: str,
        product_id: int,
        denomination: Decimal,
        quantity: int = 1,
        email: str | None = None,
    ) -> PlumOrder: ...


class XoxodayProvider:
    """VoucherProvider over Plum; calling it again for the same order never buys a second
    voucher."""

    def __init__(
        self,
        client: PlumOrders,
        *,
        name: str = "xoxoday",
        poll_interval: float = 5.0,
        max_wait: float = 60.0,
        recheck_interval: float = 300.0,
        alert: Alert | None = None,
    ) -> None:
        self.name = name
        self._client = client
        self._poll_interval = poll_interval
        self._max_wait = max_wait
        self._recheck_interval = recheck_interval
        self._alert = alert
        self._recheck_at: dict[str, float] = {}

    async def issue(
        self, *, order_id: str, product: Product, amount: Money, today: date
    ) -> IssuedVoucher:
        plum_id = plum_id_of(product)
        if time.monotonic() < self._recheck_at.get(order_id, 0.0):
            raise ProviderError(
                ON_ITS_WAY, retryable=True
            )  # spare Plum: recovery calls us every few seconds
        # Look before buying: an earlier attempt may have placed the order and lost the answer.
        existing = await self._client.get_order_details(po_number=order_id)
        if existing is not None:
            log.info(
                "Plum order found for this PO",
                extra={"order_id": order_id, "plum_order": existing.order_id},
            )
            return await self._settle(existing, order_id, product, today, wait=0.0)
        await self._check_balance(order_id, amount)
        placed = await self._place(order_id, plum_id, amount)
        return await self._settle(placed, order_id, product, today, wait=self._max_wait)

    async def find(
        self, *, order_id: str, product: Product, amount: Money, today: date
    ) -> IssuedVoucher | None:
        """The voucher of the Plum order placed with this poNumber; None when Plum holds no such
        order."""
        if time.monotonic() < self._recheck_at.get(order_id, 0.0):
            raise ProviderError(
                ON_ITS_WAY, retryable=True
            )  # a pending order: ask Plum again only later
        existing = await self._client.get_order_details(po_number=order_id)
        if existing is None:
            return None
        return await self._settle(existing, order_id, product, today, wait=0.0)

    async def balances(self) -> list[Money]:
        """The Plum wallet, for the dashboard and the router (Plum holds one wallet currency)."""
        balance = await self._client.get_balance()
        return [Money.of_major(balance.value, balance.currency)]

    async def _place(self, order_id: str, plum_id: int, amount: Money) -> PlumOrder:
        try:
            return await self._client.place_order(order_id, plum_id, Decimal(amount.major()))
        except PlumApiError as exc:
            if exc.retryable:
                raise
            if await self._short_of(order_id, amount):
                raise ProviderError(INSUFFICIENT_BALANCE, retryable=False) from exc
            # A refusal for good refunds the buyer; admins should learn why (wallet, KYC, catalog
            # drift).
            await self._notify(
                f"Plum refused order {order_id} ({amount.label()}): {exc}. The order was refunded."
            )
            raise

    async def _check_balance(self, order_id: str, amount: Money) -> None:
        if await self._short_of(order_id, amount):
            raise ProviderError(INSUFFICIENT_BALANCE, retryable=False)

    async def _short_of(self, order_id: str, amount: Money) -> bool:
        """True (and admins alerted) when the Plum wallet cannot pay `amount`."""
        balance = await self._client.get_balance()
        if balance.currency != amount.currency:
            # Plum converts at its own daily rate; without it we cannot compare, so Plum decides.
            log.info(
                "Plum wallet currency differs; balance not pre-checked",
                extra={"order_id": order_id, "wallet": balance.currency, "order": amount.currency},
            )
            return False
        if balance.value >= Decimal(amount.major()):
            return False
        log.warning(
            "Plum wallet balance too low", extra={"order_id": order_id, "needed": amount.label()}
        )
        await self._notify(
            f"The Plum wallet holds {balance.value} {balance.currency}, not enough for order "
            f"{order_id} ({amount.label()}). Top up the wallet; the order was refunded."
        )
        return True

    async def _settle(
        self, order: PlumOrder, order_id: str, product: Product, today: date, wait: float
    ) -> IssuedVoucher:
        deadline = time.monotonic() + wait
        while True:
            if order.failed:
                self._recheck_at.pop(order_id, None)
                raise ProviderError(
                    f"Plum could not fulfil the order ({order.status})", retryable=False
                )
            voucher = order.voucher
            if voucher is not None:
                self._recheck_at.pop(order_id, None)
                log.info(
                    "Plum voucher received",
                    extra={"order_id": order_id, "plum_order": order.order_id},
                )
                return issued_voucher(order, voucher, product, today)
            if time.monotonic() + self._poll_interval > deadline:
                self._still_pending(order, order_id)
            await asyncio.sleep(self._poll_interval)
            order = await self._client.get_order_details(po_number=order_id) or order

    def _still_pending(self, order: PlumOrder, order_id: str) -> NoReturn:
        # Retryable: the core's recovery asks again later with the same poNumber, which is safe.
        self._recheck_at[order_id] = time.monotonic() + self._recheck_interval
        log.info(
            "Plum order pending",
            extra={
                "order_id": order_id,
                "plum_order": order.order_id,
                "status": order.status,
                "delivery": order.delivery_status,
            },
        )
        raise ProviderError(ON_ITS_WAY, retryable=True)

    async def _notify(self, message: str) -> None:
        if self._alert is None:
            return
        try:
            await self._alert(message)
        except Exception:
            log.exception("admin alert failed")  # the order's outcome must not depend on the alert


def issued_voucher(
    order: PlumOrder, voucher: PlumVoucher, product: Product, today: date
) -> IssuedVoucher:
    """Plum's voucher as ours: url types carry the link in voucherCode; validity is the expiry
    date."""
    is_url = voucher.type.lower() in URL_TYPES
    return IssuedVoucher(
        code=voucher.code,
        expires_on=_validity(voucher.validity) or product.expiry.expires_on(today),
        pin=voucher.pin or None,
        redeem_url=voucher.code if is_url else None,
        provider_reference=f"plum-order-{order.order_id}",
    )


def _validity(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip()[:10], fmt).date()
        except ValueError:
            continue
    return None
