"""Approvals: sends a programme holds for an approver's yes, with their budget reserved while they
wait.

A programme's `ApprovalPolicy` says when a send needs approval (above an amount per recipient, above
a total per send, above a number of people) and who approves. Such a send becomes an `Approval`: the
budget is reserved at once (a RESERVE ledger entry noted `approval:<id>`), each approver is sent a
card, and the first decision wins. Approving releases that reservation and grants the rewards in the
same transaction (core.reward_sender.RewardSender.send_approved); rejecting or expiring releases it.
A bulk file whose programme holds sends to more than `people_above` people is ONE approval: `rows`
keeps each row's own send, the reservation is the file's total, and approving sends every row.
Chat channels only render `ApprovalRequest` / `ApprovalDecided` and pass clicks to `Approvals`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable

from core.approval_notices import message, notice_view
from core.approval_requests import (
    Approval,
    ApprovalPolicy,
    view_of,
)
from core.audit import AuditRecord
from core.errors import ConcurrentUpdate
from core.outbox import MessageKind
from core.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from core.recognition import Recognition
from core.rewards import LedgerEntry, LedgerKind
from core.views import ApprovalView, SendReport

log = logging.getLogger(__name__)
RETRIES = 200


class Approvals:
    """Approve, reject, expire and list held sends; every decision is audited and told to the
    giver."""

    def __init__(
        self, *, uow: UnitOfWorkFactory, clock: Clock, ids: IdFactory, recognition: Recognition
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._recognition = recognition

    async def set_policy(self, policy: ApprovalPolicy, actor: str) -> None:
        async with self._uow() as uow:
            await uow.programmes.get(policy.programme_id)  # ProgrammeNotFound for a typo
            await uow.approval_policies.put(policy)
            uow.audit.record(
                AuditRecord(
                    actor,
                    "approval_policy.set",
                    policy.programme_id,
                    None,
                    {
                        "above": policy.above,
                        "above_total": policy.above_total,
                        "people_above": policy.people_above,
                        "approvers": list(policy.approvers),
                    },
                )
            )
            await uow.commit()

    async def policy(self, programme_id: str) -> ApprovalPolicy | None:
        async with self._uow() as uow:
            return await uow.approval_policies.get(programme_id)

    async def approve(self, approval_id: str, approver: str) -> SendReport:
        """Approve and send, once: of many simultaneous approvals, one sends and the others are
        refused."""
        for attempt in range(RETRIES):
            try:
                return await self._approve_once(approval_id, approver)
            except ConcurrentUpdate:
                await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
        raise ConcurrentUpdate(approval_id)

    async def _approve_once(self, approval_id: str, approver: str) -> SendReport:
        async with self._uow() as uow:
            approval = await uow.approvals.get(approval_id)
            approval.approve(approver, self._clock.now())  # refused here before any work is done

        async def decide(uow: UnitOfWork) -> None:
            current = await uow.approvals.get(approval_id)
            current.approve(approver, self._clock.now())
            await self._close(uow, current)

        if approval.rows:
            return await self._recognition.files.send_approved_rows(approval.rows, decide)
        return await self._recognition.sender.send_approved(approval.command, decide)

    async def reject(self, approval_id: str, approver: str, note: str) -> ApprovalView:
        return await self._retrying(
            approval_id, lambda a: a.reject(approver, note, self._clock.now())
        )

    async def expire_due(self) -> int:
        """Expire pending approvals past their time; each releases its reservation and tells its
        giver."""
        async with self._uow() as uow:
            due = await uow.approvals.list_pending(before=self._clock.now())
        for approval in due:
            await self._retrying(approval.id, lambda a: a.expire(self._clock.now()))
        return len(due)

    async def list(self, status: str | None = None, limit: int = 200) -> list[ApprovalView]:
        async with self._uow() as uow:
            found = await uow.approvals.list(status, limit)
            views = []
            for approval in found:
                programme = await uow.programmes.get(approval.programme_id)
                views.append(
                    view_of(approval, programme, (await uow.ledger.budget(programme.id)).available)
                )
        return views

    async def view(self, approval_id: str) -> ApprovalView:
        async with self._uow() as uow:
            return await notice_view(uow, approval_id)

    async def _retrying(self, approval_id: str, change: Callable[[Approval], None]) -> ApprovalView:
        for attempt in range(RETRIES):
            try:
                async with self._uow() as uow:
                    approval = await uow.approvals.get(approval_id)
                    before = approval.status
                    change(approval)
                    if approval.status is not before:
                        await self._close(uow, approval)
                        await uow.programmes.save(await uow.programmes.get(approval.programme_id))
                    view = await notice_view(uow, approval_id, approval)
                    await uow.commit()
                    return view
            except ConcurrentUpdate:
                await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
        raise ConcurrentUpdate(approval_id)

    async def _close(self, uow: UnitOfWork, approval: Approval) -> None:
        """A decision: release the reservation, save, audit, and tell the giver."""
        now = self._clock.now()
        await uow.approvals.save(approval)
        await uow.ledger.add(
            LedgerEntry(
                self._ids.new_id("led"),
                approval.programme_id,
                LedgerKind.RELEASE,
                approval.total,
                now,
                approval.decided_by,
                note=f"approval:{approval.id}",
            )
        )
        uow.audit.record(
            AuditRecord(
                approval.decided_by,
                f"approval.{approval.status}",
                approval.id,
                {"status": "pending"},
                {"status": str(approval.status), "note": approval.note},
            )
        )
        if approval.command.reply_to is not None:
            await uow.outbox.add(
                message(
                    self._ids,
                    approval,
                    MessageKind.APPROVAL_DECIDED,
                    approval.command.reply_to,
                    now,
                )
            )
