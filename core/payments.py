"""The PaymentGateway port and the payment facts it reports."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from core.money import Money


@dataclass(frozen=True)
class PaymentIntent:
    """A provider-side request for payment of one order."""

    id: str
    client_secret: str
    amount: Money


class PaymentEventKind(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"
    IGNORED = "ignored"


@dataclass(frozen=True)
class PaymentEvent:
    """A verified notification from the payment provider, in our terms."""

    event_id: str
    kind: PaymentEventKind
    intent_id: str = ""
    order_id: str = ""
    amount: Money | None = None
    failure_message: str = ""
    provider_type: str = ""


class PaymentGateway(Protocol):
    """Card payments: create an intent per order, refund, and read signed notifications."""

    async def create_intent(
        self, *, order_id: str, amount: Money, idempotency_key: str
    ) -> PaymentIntent:
        """Create (or, for a repeated key, return) the payment intent for an order."""
        ...

    async def refund(self, *, intent_id: str, idempotency_key: str) -> None:
        """Return the money of a succeeded intent."""
        ...

    def parse_event(self, payload: bytes, signature: str) -> PaymentEvent:
        """Verify a notification's signature and translate it; raise PaymentEventRejected."""
        ...
