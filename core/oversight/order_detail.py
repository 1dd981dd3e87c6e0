"""Everything the dashboard knows about one order, and which of its acts apply to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.audit import AuditEntry
from core.order_status import FailureKind
from core.orders import OrderStatus, StatusChange, issuance_can_be_retried
from core.oversight.lines import DeliveryAttempts, OrderLine, PaymentLine, VoucherView
from core.oversight.timeline import TimelineStep, order_timeline
from core.vouchers import VoucherStatus

_UNPAID = (OrderStatus.CREATED, OrderStatus.AWAITING_PAYMENT)
_REFUNDABLE = (OrderStatus.PAID, OrderStatus.ISSUED, OrderStatus.DELIVERED, OrderStatus.FAILED)


@dataclass(frozen=True)
class OrderDetail:
    """One order with its history, voucher, messages, audit entries and card payments."""

    line: OrderLine
    history: tuple[StatusChange, ...]
    payment_attempts: int
    checkout_expires_at: datetime | None
    voucher: VoucherView | None
    deliveries: tuple[DeliveryAttempts, ...]
    audit: tuple[AuditEntry, ...]
    payments: tuple[PaymentLine, ...] = ()

    @property
    def timeline(self) -> tuple[TimelineStep, ...]:
        """Status changes, messages sent or given up on, and administrative acts, oldest first."""
        return order_timeline(
            self.history, self.deliveries, self.audit, self.line.payment_intent_id
        )

    @property
    def _issuance_failed(self) -> bool:
        """Failed after the money was taken (not a declined card)."""
        line = self.line
        return (
            line.status is OrderStatus.FAILED and FailureKind.of(line.failure_reason).after_payment
        )

    @property
    def can_cancel(self) -> bool:
        """Unpaid: never paid, or its card was declined (an issuance failure means money was
        taken)."""
        declined = self.line.status is OrderStatus.FAILED and not self._issuance_failed
        return self.line.status in _UNPAID or declined

    @property
    def can_refund(self) -> bool:
        paid_failure = self.line.status is not OrderStatus.FAILED or self._issuance_failed
        return self.line.status in _REFUNDABLE and paid_failure

    @property
    def can_resend(self) -> bool:
        active = self.voucher is not None and self.voucher.status is VoucherStatus.ACTIVE
        return active and self.line.status in (OrderStatus.ISSUED, OrderStatus.DELIVERED)

    @property
    def can_retry_issuance(self) -> bool:
        return issuance_can_be_retried(self.line.status, self.line.failure_reason)

    @property
    def can_reveal(self) -> bool:
        return self.voucher is not None
