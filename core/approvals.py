"""Approvals: sends a programme holds for an approver's yes, with their budget reserved while they wait.

A programme's `ApprovalPolicy` says when a send needs approval (above an amount per recipient, above
a total per send, above a number of people) and who approves. Such a send becomes an `Approval`: the
budget is reserved at once (a RESERVE ledger entry noted `approval:<id>`), each approver is sent a
card, and the first decision wins. Approving releases that reservation and grants the rewards in the
same transaction (core.recognition.Recognition.send_approved); rejecting or expiring releases it.
A bulk file whose programme holds sends to more than `people_above` people is ONE approval: `rows`
keeps each row's own send, the reservation is the file's total, and approving sends every row.
Chat channels only render `ApprovalRequest` / `ApprovalDecided` and pass clicks to `Approvals`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from core.approval_records import (
    DEFAULT_TTL as DEFAULT_TTL,
)
from core.approval_records import (
    MAX_NOTE as MAX_NOTE,
)
from core.approval_records import (
    Approval as Approval,
)
from core.approval_records import (
    ApprovalPolicy as ApprovalPolicy,
)
from core.approval_records import (
    ApprovalRefused as ApprovalRefused,
)
from core.approval_records import (
    ApprovalStatus as ApprovalStatus,
)
from core.audit import AuditRecord
from core.errors import ConcurrentUpdate, InvalidRequest
from core.identity import ConversationRef
from core.outbox import MessageKind, OutboxMessage
from core.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from core.recognition import Recognition
from core.rewards import LedgerEntry, LedgerKind, Programme
from core.sends import SendRewards, identity_of
from core.views import ApprovalDecided, ApprovalRequest, ApprovalView, SendReport

log = logging.getLogger(__name__)
RETRIES = 200

# Where the bot reaches an approver (`slack:U…`, `teams:<aad id>`), near the giver's own conversation
# (same workspace or tenant); None when that platform cannot address them from there.
ApproverAddress = Callable[[str, ConversationRef | None], Awaitable[ConversationRef | None]]


def view_of(approval: Approval, programme: Programme, budget_available: int) -> ApprovalView:
    command = approval.command
    return ApprovalView(
        approval_id=approval.id,
        giver_name=command.giver.name or identity_of(command.giver),
        recipients=tuple(r.user.name or r.user.user_id for r in command.recipients),
        amount=command.amount,
        total=programme.money(approval.total),
        reason=command.reason,
        programme_name=programme.name,
        budget_after=programme.money(max(budget_available, 0)),
        status=str(approval.status),
        expires_at=approval.expires_at.isoformat(),
        decided_by=approval.decided_by,
        note=approval.note,
        rows=len(approval.rows),
    )


class ApprovalGate:
    """Recognition's hook: holds a send its programme's policy says needs approval (see module docstring)."""

    def __init__(self, clock: Clock, ids: IdFactory, address: ApproverAddress) -> None:
        self._clock = clock
        self._ids = ids
        self._address = address

    async def hold(
        self, uow: UnitOfWork, programme: Programme, command: SendRewards
    ) -> ApprovalView | None:
        """Within the send's unit of work: the pending approval, or None when the send may go ahead."""
        policy = await uow.approval_policies.get(programme.id)
        if policy is None or not policy.requires(command.amount.minor, len(command.recipients)):
            return None
        return await self._open(uow, programme, policy, command, ())

    async def hold_file(
        self,
        uow: UnitOfWork,
        programme: Programme,
        summary: SendRewards,
        rows: tuple[SendRewards, ...],
    ) -> ApprovalView | None:
        """A bulk file's rows held as one approval when its people outnumber the policy's `people_above`."""
        policy = await uow.approval_policies.get(programme.id)
        people = len(
            {r.user.key for r in summary.recipients}
        )  # two rows to one person are one person
        if policy is None or not policy.requires_for_file(people):
            return None
        return await self._open(uow, programme, policy, summary, rows)

    async def _open(
        self,
        uow: UnitOfWork,
        programme: Programme,
        policy: ApprovalPolicy,
        command: SendRewards,
        rows: tuple[SendRewards, ...],
    ) -> ApprovalView:
        existing = await uow.approvals.find_by_request_key(command.request_key)
        if (
            existing is not None
        ):  # the same request again (a retried click): one approval, reserved once
            return view_of(existing, programme, (await uow.ledger.budget(programme.id)).available)
        now = self._clock.now()
        approval = Approval(
            self._ids.new_id("apr"),
            programme.id,
            command,
            now,
            now + policy.ttl,
            policy.approvers,
            rows=rows,
        )
        # Addresses first: finding one may read other stores, before this transaction starts writing.
        addresses = {
            a: await self._reach(a, command) for a in policy.approvers if a != approval.giver
        }
        await uow.approvals.add(approval)
        await uow.ledger.add(self._movement(LedgerKind.RESERVE, approval, approval.giver))
        for approver, address in addresses.items():
            if address is not None:
                await uow.outbox.add(
                    message(
                        self._ids, approval, MessageKind.APPROVAL_REQUEST, address, now, approver
                    )
                )
        # None when neither a conversation of the send nor an employee record places any approver.
        if not any(addresses.values()):
            log.warning(
                "no approver can be sent a card",
                extra={"approval": approval.id, "programme": programme.id},
            )
        uow.audit.record(
            AuditRecord(
                approval.giver,
                "approval.requested",
                approval.id,
                None,
                {
                    "programme": programme.id,
                    "minor": approval.total,
                    "rows": len(rows),
                    "to": [r.user.key for r in command.recipients],
                    "notified": sorted(
                        a for a, address in addresses.items() if address is not None
                    ),
                },
            )
        )
        return view_of(approval, programme, (await uow.ledger.budget(programme.id)).available)

    async def _reach(self, approver: str, command: SendRewards) -> ConversationRef | None:
        """An approver's private chat: near the giver's conversation, else near a recipient's (an HR-system
        send has no giver conversation; a giver may be on another platform than the approver), else
        wherever the address port alone can find them (`near` None: e.g. their employee record)."""
        nears = [command.reply_to, *(r.conversation for r in command.recipients)]
        for near in dict.fromkeys(n for n in nears if n is not None):
            found = await self._address(approver, near)
            if found is not None:
                return found
        return await self._address(approver, None)

    def _movement(self, kind: LedgerKind, approval: Approval, actor: str) -> LedgerEntry:
        return LedgerEntry(
            self._ids.new_id("led"),
            approval.programme_id,
            kind,
            approval.total,
            self._clock.now(),
            actor,
            note=f"approval:{approval.id}",
        )


def message(
    ids: IdFactory,
    approval: Approval,
    kind: MessageKind,
    to: ConversationRef,
    now: datetime,
    whom: str = "giver",
) -> OutboxMessage:
    return OutboxMessage(
        id=ids.new_id("msg"),
        key=f"{approval.id}:{kind}:{whom}",
        kind=kind,
        order_id="",
        reward_id=approval.id,
        conversation=to,
        created_at=now,
        next_attempt_at=now,
    )


class Approvals:
    """Approve, reject, expire and list held sends; every decision is audited and told to the giver."""

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
        """Approve and send, once: of many simultaneous approvals, one sends and the others are refused."""
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
            return await self._recognition.send_approved_rows(approval.rows, decide)
        return await self._recognition.send_approved(approval.command, decide)

    async def reject(self, approval_id: str, approver: str, note: str) -> ApprovalView:
        return await self._retrying(
            approval_id, lambda a: a.reject(approver, note, self._clock.now())
        )

    async def expire_due(self) -> int:
        """Expire pending approvals past their time; each releases its reservation and tells its giver."""
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


async def notice_view(
    uow: UnitOfWork, approval_id: str, approval: Approval | None = None
) -> ApprovalView:
    approval = approval or await uow.approvals.get(approval_id)
    programme = await uow.programmes.get(approval.programme_id)
    view = view_of(approval, programme, (await uow.ledger.budget(programme.id)).available)
    if approval.rows and approval.status is ApprovalStatus.APPROVED:
        view = replace(
            view, row_outcomes=tuple([await _row_outcome(uow, row) for row in approval.rows])
        )
    return view


async def _row_outcome(uow: UnitOfWork, row: SendRewards) -> str:
    """One approved file row as its giver reads it: whom, how much, and whether it went."""
    recipient = row.recipients[0]
    sent = (
        await uow.rewards.find_by_request_key(f"{row.request_key}:{recipient.user.key}") is not None
    )
    name = recipient.user.name or recipient.user.user_id
    return f"{name}: {row.amount} " + (
        "sent" if sent else "not sent (a limit was reached before approval)"
    )


async def approval_notice(
    uow: UnitOfWork, kind: MessageKind, approval_id: str
) -> ApprovalRequest | ApprovalDecided:
    """What the outbox relay hands a chat sender for an approval message."""
    view = await notice_view(uow, approval_id)
    return ApprovalRequest(view) if kind is MessageKind.APPROVAL_REQUEST else ApprovalDecided(view)


def parse_approvers(text: str) -> tuple[str, ...]:
    """`slack:U…,teams:<aad id>` as typed in the CLI or dashboard; refused unless each names a platform."""
    approvers = tuple(dict.fromkeys(a.strip() for a in text.split(",") if a.strip()))
    bad = [
        a
        for a in approvers
        if a.partition(":")[0] not in ("slack", "teams") or not a.partition(":")[2]
    ]
    if not approvers or bad:
        raise InvalidRequest("Name approvers as slack:U…,teams:<Entra object id>.")
    return approvers
