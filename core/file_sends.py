"""A bulk file's rows in one programme held as ONE approval when its policy holds that many people,
and every row of an approved file sent in the transaction that decides it (see core.bulk,
core.approvals)."""

from __future__ import annotations

from dataclasses import replace

from core.errors import ConcurrentUpdate, DuplicateRequest
from core.grants import Granting, commit_held, retrying
from core.ports import Clock, IdFactory, UnitOfWorkFactory
from core.refusals import Reason, joined
from core.reward_rules import problems_of
from core.reward_sends import Approving, FileHold, HoldGate, SendRewards
from core.rewards import BudgetExceeded
from core.views import RewardSummary, SendReport


class FileSends:
    """Holds a file's rows for approval, and sends them once approved."""

    def __init__(
        self, *, uow: UnitOfWorkFactory, clock: Clock, ids: IdFactory, gate: HoldGate | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._gate = gate
        self._granting = Granting(clock, ids)

    async def hold_file(self, summary: SendRewards, rows: tuple[SendRewards, ...]) -> FileHold:
        """A bulk file's rows in one programme, held as ONE approval when its policy holds that many
        people.

        `summary` names the giver, every row's recipient, and the file's own request key. Rows that
        could never be sent are refused at once; the rest are reserved together (core.approvals)."""
        gate = self._gate
        if gate is None or not rows:
            return FileHold()
        return await retrying(lambda: self._hold_once(gate, summary, rows), summary.request_key)

    async def _hold_once(
        self, gate: HoldGate, summary: SendRewards, rows: tuple[SendRewards, ...]
    ) -> FileHold:
        async with self._uow() as uow:
            existing = await uow.approvals.find_by_request_key(summary.request_key)
            if (
                existing is not None
            ):  # the same file again: its approval decides, nothing held twice
                return _file_seen(existing.id, str(existing.status))
            programme = await uow.programmes.get(summary.programme_id)
            refused = {}
            for row in rows:
                problems = await problems_of(uow, programme, row, self._clock.now())
                if problems:
                    refused[row.request_key] = joined(problems)
            kept = tuple(row for row in rows if row.request_key not in refused)
            people = tuple(r for row in kept for r in row.recipients)
            total = sum(row.amount.minor * len(row.recipients) for row in kept)
            available = (await uow.ledger.budget(programme.id)).available
            if kept and total > available:
                left = programme.money(max(available, 0))
                raise BudgetExceeded(
                    programme.id, Reason("file_budget", needed=programme.money(total), left=left)
                )
            held = await gate.hold_file(uow, programme, replace(summary, recipients=people), kept)
            if held is None:
                return FileHold()
            await commit_held(uow, programme, held)
        return FileHold(held.approval_id, refused)

    async def send_approved_rows(
        self, rows: tuple[SendRewards, ...], approving: Approving
    ) -> SendReport:
        """Send every row of an approved file in the transaction that decides it; a row that can no
        longer be sent (a limit reached meanwhile) is refused alone, and the rest go."""
        return await retrying(lambda: self._send_rows_once(rows, approving), rows[0].request_key)

    async def _send_rows_once(
        self, rows: tuple[SendRewards, ...], approving: Approving
    ) -> SendReport:
        async with self._uow() as uow:
            programme = await uow.programmes.get(rows[0].programme_id)
            await approving(uow)
            sent, refused = [], []
            for row in rows:
                problems = await problems_of(uow, programme, row, self._clock.now())
                if problems:
                    refused += [
                        (r.user.name or r.user.user_id, joined(problems)) for r in row.recipients
                    ]
                    continue
                for recipient in row.recipients:
                    reward = await self._granting.grant(uow, programme, row, recipient)
                    if reward is not None:
                        sent.append(RewardSummary.of(reward, programme.name))
            await uow.programmes.save(programme)
            budget = await uow.ledger.budget(programme.id)
            try:
                await uow.commit()
            except DuplicateRequest:
                raise ConcurrentUpdate(rows[0].request_key) from None
        return SendReport(tuple(sent), tuple(refused), programme.money(max(budget.available, 0)))


def _file_seen(approval_id: str, status: str) -> FileHold:
    """A file whose approval exists: pending, it waits still; approved, its rows are sent already
    (one by one they repeat nothing); rejected or expired, its rows are refused, never sent
    around it."""
    if status == "approved":
        return FileHold()
    closed = "" if status == "pending" else Reason("approval_closed", status=status)
    return FileHold(approval_id, {}, closed)
