"""The Tango Card voucher provider: one reward per paid order, the order id as Tango's
externalRefID."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Protocol

from adapters.providers.tango_api import TangoAccount, TangoApiError, TangoOrder
from adapters.providers.tango_catalog import TangoCatalogSync
from adapters.providers.tango_client import TangoClient
from core.catalog import Product
from core.errors import ProviderError
from core.money import Money
from core.vouchers import IssuedVoucher

__all__ = ["TangoApiError", "TangoCatalogSync", "TangoClient", "TangoProvider"]

log = logging.getLogger(__name__)
ON_ITS_WAY = "the voucher is on its way: Tango is still preparing it"


class TangoOrders(Protocol):
    async def get_account(self) -> TangoAccount: ...

    async def find_order(self, external_ref_id: str) -> TangoOrder | None: ...

    async def place_order(self, external_ref_id: str, utid: str, amount: Decimal) -> TangoOrder: ...


class TangoProvider:
    """VoucherProvider over Tango RaaS; calling it again for the same order never buys a second
    reward."""

    def __init__(self, client: TangoOrders, *, name: str = "tango") -> None:
        self.name = name
        self._client = client

    async def issue(
        self, *, order_id: str, product: Product, amount: Money, today: date
    ) -> IssuedVoucher:
        utid = product.sku_for(amount.minor)
        if not utid:
            raise ProviderError(
                f"{product.id} has no Tango item for {amount.label()}", retryable=False
            )
        # Look before buying: an earlier attempt may have placed the order and lost the answer.
        order = await self._client.find_order(order_id)
        if order is None:
            order = await self._client.place_order(order_id, utid, Decimal(amount.major()))
        return self._settle(order, order_id, product, today)

    async def find(
        self, *, order_id: str, product: Product, amount: Money, today: date
    ) -> IssuedVoucher | None:
        order = await self._client.find_order(order_id)
        return None if order is None else self._settle(order, order_id, product, today)

    async def balances(self) -> list[Money]:
        account = await self._client.get_account()
        return [Money.of_major(account.balance, account.currency)]

    def _settle(
        self, order: TangoOrder, order_id: str, product: Product, today: date
    ) -> IssuedVoucher:
        if order.failed:
            raise ProviderError(
                f"Tango could not fulfil the order ({order.status})", retryable=False
            )
        reward = order.reward
        if reward is None:
            # Retryable: the core asks again later, first by externalRefID, which is safe.
            log.info(
                "Tango order pending",
                extra={"order_id": order_id, "tango_order": order.reference_order_id},
            )
            raise ProviderError(ON_ITS_WAY, retryable=True)
        log.info(
            "Tango reward received",
            extra={"order_id": order_id, "tango_order": order.reference_order_id},
        )
        return IssuedVoucher(
            code=reward.code,
            expires_on=reward.expires_on or product.expiry.expires_on(today),
            pin=reward.pin or None,
            redeem_url=reward.url or None,
            provider_reference=f"tango-{order.reference_order_id}",
        )
