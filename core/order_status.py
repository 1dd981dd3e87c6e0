"""An order's statuses, which may follow which, the named groups of them, and why an order
failed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class OrderStatus(StrEnum):
    CREATED = "created"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    ISSUING = "issuing"
    ISSUED = "issued"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    EXPIRED = "expired"


S = OrderStatus
ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    # A voucher paid in full by a reward needs no card payment.
    S.CREATED: frozenset({S.AWAITING_PAYMENT, S.PAID, S.CANCELLED, S.FAILED}),
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.FAILED, S.CANCELLED, S.EXPIRED}),
    # A card payment that failed may be retried on the same order.
    S.FAILED: frozenset(
        {S.AWAITING_PAYMENT, S.PAID, S.ISSUING, S.REFUNDED, S.EXPIRED, S.CANCELLED}
    ),
    # A late `succeeded` webhook wins over an expiry or cancellation: the money has moved.
    S.EXPIRED: frozenset({S.PAID}),
    S.CANCELLED: frozenset({S.PAID}),
    S.PAID: frozenset({S.ISSUING, S.REFUNDED}),
    S.ISSUING: frozenset({S.ISSUED, S.FAILED, S.ISSUING}),
    S.ISSUED: frozenset({S.DELIVERED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.REFUNDED: frozenset(),
}
PAYABLE = frozenset({S.AWAITING_PAYMENT, S.FAILED})
# Moving on to one of these leaves any earlier failure behind (a declined card later paid, a retry).
PROGRESS = frozenset({S.AWAITING_PAYMENT, S.PAID, S.ISSUING, S.ISSUED, S.DELIVERED})
# The order's price has been paid (by card or by a reward), whatever happened to the money since:
# a second `succeeded` for it is a duplicate payment.
PAID_FOR = frozenset({S.PAID, S.ISSUING, S.ISSUED, S.DELIVERED, S.REFUNDED})
# The money taken is still held (paid for and not refunded): what the order is worth in takings.
MONEY_HELD = PAID_FOR - {S.REFUNDED}
# Paid for, with no voucher yet: the issuing worker (or recovery) asks a provider.
ISSUABLE = frozenset({S.PAID, S.ISSUING})
# Holding money an admin (or a failed issuance) may give back.
REFUNDABLE = frozenset({S.PAID, S.ISSUED, S.DELIVERED, S.FAILED})
# Still going somewhere: shown to the buyer as pending in their wallet.
OPEN = frozenset({S.CREATED, S.AWAITING_PAYMENT, S.PAID, S.ISSUING, S.FAILED})
TERMINAL = frozenset({S.DELIVERED, S.REFUNDED, S.CANCELLED, S.EXPIRED})


class FailureKind(StrEnum):
    """Why a FAILED order failed, which decides who may act on it next."""

    NONE = "none"
    PAYMENT = "payment"  # the card or the payment service said no: the buyer may pay again
    ISSUANCE = "issuance"  # paid in full, then the provider failed: asking again is safe
    AMOUNT_DIFFERS = "amount_differs"  # paid another amount than the price: refunded, never issued

    @property
    def after_payment(self) -> bool:
        """The money was taken: the buyer may not pay again; it is refunded or issued."""
        return self in (FailureKind.ISSUANCE, FailureKind.AMOUNT_DIFFERS)

    @classmethod
    def of(cls, reason: str) -> FailureKind:
        """The kind a stored reason says. Rows keep one text column, `failure_reason`: a failure
        after payment is written `issuance...` (as it always was), so rows written before this
        enum read the same."""
        if not reason:
            return cls.NONE
        if reason == PAID_AMOUNT_DIFFERS:
            return cls.AMOUNT_DIFFERS
        return cls.ISSUANCE if reason.startswith(_ISSUANCE) else cls.PAYMENT


_ISSUANCE = "issuance"
PAID_AMOUNT_DIFFERS = "issuance: the amount paid differs from the order; an admin will refund it"
_CODE = re.compile(r"issuance \(([a-z_]+)\):")


def issuance_reason(detail: str, code: str = "") -> str:
    """The stored reason of an issuance failure; `code` is what the buyer may learn
    (out_of_stock)."""
    return f"{_ISSUANCE}{f' ({code})' if code else ''}: {detail}"


def issuance_code(reason: str) -> str:
    """The buyer-facing code of an issuance failure's reason ("" if it has none)."""
    match = _CODE.match(reason)
    return match[1] if match else ""


def issuance_can_be_retried(status: OrderStatus, failure_reason: str) -> bool:
    """Paid in full, then the provider failed: asking it again is safe. Underpaid or overpaid is
    not."""
    return status is S.FAILED and FailureKind.of(failure_reason) is FailureKind.ISSUANCE


@dataclass(frozen=True)
class StatusChange:
    """One step of an order's timeline."""

    at: datetime
    source: str
    before: OrderStatus | None
    after: OrderStatus
    note: str = ""
