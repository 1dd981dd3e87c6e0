"""The approval gate: holds a send its programme's policy says needs approval, reserving its
budget."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from core.approval_notices import message
from core.approval_requests import (
    Approval,
    ApprovalPolicy,
    view_of,
)
from core.audit import AuditRecord
from core.identity import ConversationRef
from core.outbox import MessageKind
from core.ports import Clock, IdFactory, UnitOfWork
from core.reward_sends import SendRewards
from core.rewards import LedgerEntry, LedgerKind, Programme
from core.views import ApprovalView

log = logging.getLogger(__name__)

# Where the bot reaches an approver (`slack:U…`, `teams:<aad id>`), near the giver's own
# conversation (same workspace or tenant); None when that platform cannot address them from there.
ApproverAddress = Callable[[str, ConversationRef | None], Awaitable[ConversationRef | None]]


class ApprovalGate:
    """Recognition's hook: holds a send its programme's policy says needs approval (see module
    docstring)."""

    def __init__(self, clock: Clock, ids: IdFactory, address: ApproverAddress) -> None:
        self._clock = clock
        self._ids = ids
        self._address = address

    async def hold(
        self, uow: UnitOfWork, programme: Programme, command: SendRewards
    ) -> ApprovalView | None:
        """Within the send's unit of work: the pending approval, or None when the send may go
        ahead."""
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
        """A bulk file's rows held as one approval when its people outnumber the policy's
        `people_above`."""
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
        # Addresses first: finding one may read other stores, before this transaction starts
        # writing.
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
        """An approver's private chat: near the giver's conversation, else near a recipient's (an
        HR-system send has no giver conversation; a giver may be on another platform than the
        approver), else wherever the address port alone can find them (`near` None: e.g. their
        employee record)."""
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
