"""The dashboard's own acts (the checkout and recognition use cases audit theirs): each is
audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.audit import AuditRecord
from core.errors import InvalidRequest
from core.ports import UnitOfWorkFactory
from core.refusals import Reason
from core.vouchers import mask


@dataclass(frozen=True)
class RevealedVoucher:
    """A voucher's secrets, for the one response that shows them to an admin."""

    order_id: str
    code: str
    pin: str | None
    redeem_url: str | None

    @property
    def masked_code(self) -> str:
        return mask(self.code)


class AdminActs:
    """Revealing a code and noting dashboard events, each in the audit trail."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def reveal(self, order_id: str, actor: str) -> RevealedVoucher:
        """The voucher's code for an admin; the audit entry is committed before it is returned."""
        async with self._uow() as uow:
            voucher = await uow.vouchers.for_order(order_id)
            if voucher is None:
                raise InvalidRequest(Reason("no_voucher_to_reveal", order=order_id))
            uow.audit.record(
                AuditRecord(
                    actor, "voucher.revealed", order_id, None, {"voucher": voucher.masked_code}
                )
            )
            await uow.commit()
        return RevealedVoucher(order_id, voucher.code, voucher.pin, voucher.redeem_url)

    async def note(
        self, actor: str, action: str, subject: str, after: dict[str, Any] | None = None
    ) -> None:
        """Audit a dashboard event that changes no order: a sign-in, a lock-out, an export."""
        async with self._uow() as uow:
            uow.audit.record(AuditRecord(actor, action, subject, None, after))
            await uow.commit()
