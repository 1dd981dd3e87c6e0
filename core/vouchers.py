"""Vouchers: what a provider issues for a paid order, and the VoucherProvider port."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from core.catalog import Product
from core.identity import ChatUser
from core.money import Money


class VoucherStatus(StrEnum):
    ACTIVE = "active"
    VOID = "void"


@dataclass(frozen=True)
class IssuedVoucher:
    """What a provider hands back: code, PIN and URL as its product's format requires."""

    code: str
    expires_on: date
    pin: str | None = None
    redeem_url: str | None = None
    provider_reference: str = ""


@dataclass
class Voucher:
    """A voucher belonging to an order; one order has at most one (a unique key in storage)."""

    id: str
    order_id: str
    product_id: str
    amount: Money
    owner: ChatUser
    code: str
    expires_on: date
    issued_at: datetime
    pin: str | None = None
    redeem_url: str | None = None
    provider: str = "builtin"
    provider_reference: str = ""
    status: VoucherStatus = VoucherStatus.ACTIVE

    @property
    def masked_code(self) -> str:
        """The code as logs and dashboards may show it: the last 4 characters at most."""
        return mask(self.code)

    def void(self) -> None:
        self.status = VoucherStatus.VOID


def mask(secret: str) -> str:
    tail = secret[-4:] if len(secret) > 8 else ""
    return f"••••{tail}"


class VoucherProvider(Protocol):
    """Issues vouchers for paid orders. Must be safe to call again for the same order id."""

    name: str

    async def issue(
        self, *, order_id: str, product: Product, amount: Money, today: date
    ) -> IssuedVoucher:
        """Issue one voucher; raise ProviderError when it cannot."""
        ...

    async def find(
        self, *, order_id: str, product: Product, amount: Money, today: date
    ) -> IssuedVoucher | None:
        """The voucher of an order placed earlier under this order id, or None if the provider holds
        none.

        Asked after an uncertain answer (a timeout) before the order may go to another provider;
        raise a retryable ProviderError while the provider cannot tell.
        """
        ...
