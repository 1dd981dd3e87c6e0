"""The money one payment intent took for an order, and whether it was given back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.money import Money


class PaymentState(StrEnum):
    CAPTURED = "captured"
    REFUNDED = "refunded"


@dataclass
class CardPayment:
    """Money one payment intent took for an order. A duplicate is money taken for an order that
    another intent had already paid (say, a declined attempt that later succeeded as well): it is
    refunded."""

    intent_id: str
    amount: Money
    at: datetime
    duplicate: bool = False
    state: PaymentState = PaymentState.CAPTURED

    @property
    def refund_due(self) -> bool:
        return self.duplicate and self.state is PaymentState.CAPTURED
