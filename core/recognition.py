"""Recognition use cases: who may send rewards, sending them against a budget, expiry and reminders."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Protocol

from core.amounts import TypedAmount
from core.audit import AuditRecord
from core.errors import ConcurrentUpdate, DuplicateRequest, InvalidRequest
from core.identity import ChatUser
from core.money import Money
from core.outbox import MessageKind, OutboxMessage
from core.peer import PeerPolicy, shout_outs
from core.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from core.programmes import choose_programme
from core.reward_rules import problems_of
from core.rewards import (
    BudgetExceeded,
    CurrencyMismatch,
    LedgerEntry,
    LedgerKind,
    NotRewardAdmin,
    NotRewardRecipient,
    Programme,
    Recipient,
    Reward,
    RewardStatus,
)
from core.sends import SendRewards as SendRewards
from core.sends import identity_of as identity_of
from core.views import ApprovalView, RewardPreview, RewardSummary, SendReport

log = logging.getLogger(__name__)
CONTENTION_RETRIES = 200
# Givers with no chat identity, allowed only through Recognition.send_trusted: HR systems and scheduled jobs.
TRUSTED_PLATFORMS = frozenset({"api", "system"})


class HoldGate(Protocol):
    """Holds a send for approval inside its unit of work (core.approval_gate.ApprovalGate); None lets it go."""

    async def hold(
        self, uow: UnitOfWork, programme: Programme, command: SendRewards
    ) -> ApprovalView | None: ...

    async def hold_file(
        self,
        uow: UnitOfWork,
        programme: Programme,
        summary: SendRewards,
        rows: tuple[SendRewards, ...],
    ) -> ApprovalView | None: ...


@dataclass(frozen=True)
class FileHold:
    """What became of a bulk file's rows in one programme: no `approval_id` lets them go one by one; else
    they wait for that approval, but for `refused` rows (request key -> why), or all when `closed` says why."""

    approval_id: str = ""
    refused: Mapping[str, str] = field(default_factory=dict)
    closed: str = ""


# Runs first inside an approved send's unit of work: marks the approval decided and releases its hold.
Approving = Callable[[UnitOfWork], Awaitable[None]]


class Recognition:
    """Rewards from HR to employees, spent in the checkout (see core.funding)."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdFactory,
        configured_admins: Collection[str] = (),
        remind_before: timedelta = timedelta(days=7),
        gate: HoldGate | None = None,
    ) -> None:
        self.gate = gate
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._configured_admins = frozenset(configured_admins)
        self._remind_before = remind_before

    # --- who may send ------------------------------------------------------------------

    async def is_admin(self, user: ChatUser) -> bool:
        identity = identity_of(user)
        if identity in self._configured_admins:
            return True
        async with self._uow() as uow:
            return await uow.reward_admins.contains(identity)

    async def authorize(self, giver: ChatUser) -> None:
        """Refuse, and audit the refused attempt, unless `giver` may send rewards (every channel asks here):
        reward admins may, and, while a peer programme exists (core.peer), everyone may give from it."""
        if not await self.is_admin(giver) and not await self._peer_programme_ids():
            await self._audit_refusal(giver, "")
            raise NotRewardAdmin(identity_of(giver))

    async def grant_admin(self, identity: str, actor: str) -> None:
        async with self._uow() as uow:
            await uow.reward_admins.add(identity)
            uow.audit.record(AuditRecord(actor, "reward_admin.granted", identity))
            await uow.commit()

    async def admins(self) -> dict[str, str]:
        """Every reward admin, and where the permission comes from: `settings` or `granted`."""
        async with self._uow() as uow:
            granted = dict.fromkeys(await uow.reward_admins.list(), "granted")
        return dict(
            sorted({**granted, **dict.fromkeys(self._configured_admins, "settings")}.items())
        )

    async def revoke_admin(self, identity: str, actor: str) -> None:
        async with self._uow() as uow:
            await uow.reward_admins.remove(identity)
            uow.audit.record(AuditRecord(actor, "reward_admin.revoked", identity))
            await uow.commit()

    # --- programmes and budgets ----------------------------------------------------------

    async def create_programme(self, programme: Programme, actor: str) -> None:
        async with self._uow() as uow:
            await uow.programmes.add(programme)
            uow.audit.record(
                AuditRecord(
                    actor, "programme.created", programme.id, None, {"currency": programme.currency}
                )
            )
            await uow.commit()

    async def programmes(self) -> list[Programme]:
        async with self._uow() as uow:
            return sorted(await uow.programmes.list(), key=lambda p: p.id)

    async def programme_for(
        self,
        currency: str | None = None,
        programme_id: str | None = None,
        giver: ChatUser | None = None,
    ) -> Programme:
        """The programme a reward comes from (see core.programmes.choose_programme)."""
        default = await self.default_programme(identity_of(giver)) if giver is not None else None
        programmes = await self.programmes()
        if giver is not None and not await self.is_admin(
            giver
        ):  # everyone else gives from peer programmes only
            peer = await self._peer_programme_ids()
            programmes = [p for p in programmes if p.id in peer]
        return choose_programme(
            programmes, programme_id=programme_id, currency=currency, default=default
        )

    async def _peer_programme_ids(self) -> set[str]:
        async with self._uow() as uow:
            return {p.programme_id for p in await uow.peer_policies.list()}

    async def set_peer_policy(self, policy: PeerPolicy, actor: str) -> None:
        """Make a programme a peer programme (or change its allowance)."""
        async with self._uow() as uow:
            await uow.programmes.get(policy.programme_id)  # ProgrammeNotFound for a typo
            await uow.peer_policies.put(policy)
            uow.audit.record(
                AuditRecord(
                    actor,
                    "peer_policy.set",
                    policy.programme_id,
                    None,
                    {
                        "monthly_allowance": policy.monthly_allowance,
                        "per_recipient_monthly": policy.per_recipient_monthly,
                        "shout_out": policy.shout_out,
                    },
                )
            )
            await uow.commit()

    async def default_programme(self, identity: str) -> str | None:
        async with self._uow() as uow:
            return await uow.giver_defaults.get(identity)

    async def set_default_programme(self, identity: str, programme_id: str, actor: str) -> None:
        """`identity`'s rewards come from `programme_id` when they name neither programme nor currency."""
        async with self._uow() as uow:
            await uow.programmes.get(programme_id)  # ProgrammeNotFound for a typo
            await uow.giver_defaults.put(identity, programme_id)
            uow.audit.record(
                AuditRecord(
                    actor, "programme.default_set", identity, None, {"programme": programme_id}
                )
            )
            await uow.commit()

    async def priced(
        self, typed: TypedAmount, programme_id: str | None = None, giver: ChatUser | None = None
    ) -> tuple[Programme, Money]:
        """The programme that pays for an amount as typed (by `giver`: their default counts), and the amount."""
        programme = await self.programme_for(typed.currency, programme_id, giver)
        return programme, typed.money(programme.currency)

    async def budget(self, programme_id: str) -> Money:
        async with self._uow() as uow:
            programme = await uow.programmes.get(programme_id)
            return programme.money(max((await uow.ledger.budget(programme_id)).available, 0))

    async def credit(self, programme_id: str, amount: Money, actor: str, note: str = "") -> None:
        async with self._uow() as uow:
            programme = await uow.programmes.get(programme_id)
            _check_currency(programme, amount)
            entry = LedgerEntry(
                self._ids.new_id("led"),
                programme.id,
                LedgerKind.CREDIT,
                amount.minor,
                self._clock.now(),
                actor,
                note=note,
            )
            await uow.ledger.add(entry)
            await uow.programmes.save(programme)
            uow.audit.record(
                AuditRecord(actor, "budget.credit", programme.id, None, {"minor": amount.minor})
            )
            await uow.commit()

    # --- sending ---------------------------------------------------------------------------

    async def preview(self, command: SendRewards) -> RewardPreview:
        """What the sender confirms: who, how much, total, and the budget before and after."""
        async with self._uow() as uow:
            programme = await uow.programmes.get(command.programme_id)
            budget = await uow.ledger.budget(programme.id)
            problems = await problems_of(uow, programme, command, self._clock.now())
        total = command.amount.minor * len(command.recipients)
        return RewardPreview(
            recipients=tuple(r.user.name or r.user.user_id for r in command.recipients),
            amount=command.amount,
            total=programme.money(total),
            budget_available=programme.money(max(budget.available, 0)),
            budget_after=programme.money(max(budget.available - total, 0)),
            programme_name=programme.name,
            problems=tuple(problems),
        )

    async def send(self, command: SendRewards) -> SendReport:
        """Reserve the budget and grant each reward, atomically; a repeated request key sends nothing twice."""
        peer = command.programme_id in await self._peer_programme_ids()
        if not peer and not await self.is_admin(command.giver):
            await self._audit_refusal(command.giver, command.programme_id)
            raise NotRewardAdmin(identity_of(command.giver))
        return await self._send_retrying(command)

    async def send_trusted(self, command: SendRewards) -> SendReport:
        """A send no chat user made: an HR system with an operator-created API key (`api:<name>`) or the
        milestone job (`system:milestones`). The adapter or job vouches for it; the audit names it as giver."""
        if command.giver.platform not in TRUSTED_PLATFORMS:
            await self._audit_refusal(command.giver, command.programme_id)
            raise NotRewardAdmin(identity_of(command.giver))
        return await self._send_retrying(command)

    async def send_approved(self, command: SendRewards, approving: Approving) -> SendReport:
        """Send what an approver approved: `approving` decides the approval in the same transaction."""
        return await self._send_retrying(command, approving)

    async def hold_file(self, summary: SendRewards, rows: tuple[SendRewards, ...]) -> FileHold:
        """A bulk file's rows in one programme, held as ONE approval when its policy holds that many people.

        `summary` names the giver, every row's recipient, and the file's own request key. Rows that could
        never be sent are refused at once; the rest are reserved together (core.approvals)."""
        if self.gate is None or not rows:
            return FileHold()
        for attempt in range(CONTENTION_RETRIES):
            try:
                return await self._hold_file_once(summary, rows)
            except ConcurrentUpdate:
                await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
        raise ConcurrentUpdate(summary.request_key)

    async def _hold_file_once(
        self, summary: SendRewards, rows: tuple[SendRewards, ...]
    ) -> FileHold:
        assert self.gate is not None
        async with self._uow() as uow:
            existing = await uow.approvals.find_by_request_key(summary.request_key)
            if (
                existing is not None
            ):  # the same file again: its approval decides, nothing is held twice
                return self._file_seen(existing.id, str(existing.status))
            programme = await uow.programmes.get(summary.programme_id)
            refused = {}
            for row in rows:
                problems = await problems_of(uow, programme, row, self._clock.now())
                if problems:
                    refused[row.request_key] = " ".join(problems)
            kept = tuple(row for row in rows if row.request_key not in refused)
            people = tuple(r for row in kept for r in row.recipients)
            total = sum(row.amount.minor * len(row.recipients) for row in kept)
            available = (await uow.ledger.budget(programme.id)).available
            if kept and total > available:
                left = programme.money(max(available, 0))
                raise BudgetExceeded(
                    programme.id, f"This file needs {programme.money(total)}; {left} is left."
                )
            held = await self.gate.hold_file(
                uow, programme, replace(summary, recipients=people), kept
            )
            if held is None:
                return FileHold()
            await self._held(uow, programme, held)
        return FileHold(held.approval_id, refused)

    @staticmethod
    def _file_seen(approval_id: str, status: str) -> FileHold:
        """A file whose approval exists: pending, it waits still; approved, its rows are sent already
        (one by one they repeat nothing); rejected or expired, its rows are refused, never sent around it."""
        if status == "approved":
            return FileHold()
        return FileHold(
            approval_id, {}, "" if status == "pending" else f"Its approval request was {status}."
        )

    async def send_approved_rows(
        self, rows: tuple[SendRewards, ...], approving: Approving
    ) -> SendReport:
        """Send every row of an approved file in the transaction that decides it; a row that can no longer
        be sent (a limit reached meanwhile) is refused alone, and the rest go."""
        for attempt in range(CONTENTION_RETRIES):
            try:
                return await self._send_rows_once(rows, approving)
            except ConcurrentUpdate:
                await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
        raise ConcurrentUpdate(rows[0].request_key)

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
                        (r.user.name or r.user.user_id, " ".join(problems)) for r in row.recipients
                    ]
                    continue
                for recipient in row.recipients:
                    reward = await self._grant(uow, programme, row, recipient)
                    if reward is not None:
                        sent.append(RewardSummary.of(reward, programme.name))
            await uow.programmes.save(programme)
            budget = await uow.ledger.budget(programme.id)
            try:
                await uow.commit()
            except DuplicateRequest:
                raise ConcurrentUpdate(rows[0].request_key) from None
        return SendReport(tuple(sent), tuple(refused), programme.money(max(budget.available, 0)))

    async def _send_retrying(
        self, command: SendRewards, approving: Approving | None = None
    ) -> SendReport:
        for attempt in range(CONTENTION_RETRIES):
            try:
                return await self._send_once(command, approving)
            except ConcurrentUpdate:
                # Another sender spent from this budget meanwhile: read it again.
                await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
        raise ConcurrentUpdate(command.programme_id)

    async def _send_once(
        self, command: SendRewards, approving: Approving | None = None
    ) -> SendReport:
        async with self._uow() as uow:
            programme = await uow.programmes.get(command.programme_id)
            if command.amount.currency != programme.currency:
                raise CurrencyMismatch(
                    programme.id, programme.name, programme.currency, command.amount.currency
                )
            if approving is not None:
                await approving(uow)
            problems = await problems_of(uow, programme, command, self._clock.now())
            if problems:
                raise BudgetExceeded(programme.id, " ".join(problems))
            if approving is None and self.gate is not None:
                held = await self.gate.hold(uow, programme, command)
                if held is not None:
                    return await self._held(uow, programme, held)
            sent, granted = [], []
            for recipient in command.recipients:
                reward = await self._grant(uow, programme, command, recipient)
                if reward is not None:
                    sent.append(RewardSummary.of(reward, programme.name))
                    granted.append(reward)
            await shout_outs(uow, self._ids, programme, granted, command.shout_to)
            await uow.programmes.save(programme)
            budget = await uow.ledger.budget(programme.id)
            try:
                await uow.commit()
            except DuplicateRequest:
                raise ConcurrentUpdate(command.request_key) from None
        return SendReport(tuple(sent), (), programme.money(max(budget.available, 0)))

    async def _held(self, uow: UnitOfWork, programme: Programme, held: ApprovalView) -> SendReport:
        await uow.programmes.save(programme)
        try:
            await uow.commit()
        except DuplicateRequest:
            raise ConcurrentUpdate(held.approval_id) from None
        return SendReport((), (), held.budget_after, held)

    async def _grant(
        self, uow: UnitOfWork, programme: Programme, command: SendRewards, recipient: Recipient
    ) -> Reward | None:
        key = f"{command.request_key}:{recipient.user.key}"
        if await uow.rewards.find_by_request_key(key) is not None:
            return None
        now = self._clock.now()
        reward = Reward(
            id=self._ids.new_id("rwd"),
            programme_id=programme.id,
            giver=command.giver,
            recipient=recipient.user,
            conversation=recipient.conversation,
            amount=command.amount,
            reason=command.reason.strip(),
            created_at=now,
            expires_at=now + timedelta(days=programme.expiry_days),
            request_key=key,
            giver_conversation=command.reply_to,
        )
        await uow.rewards.add(reward)
        await uow.ledger.add(
            LedgerEntry(
                self._ids.new_id("led"),
                programme.id,
                LedgerKind.RESERVE,
                command.amount.minor,
                now,
                identity_of(command.giver),
                reward.id,
            )
        )
        await uow.outbox.add(self._message(reward, MessageKind.REWARD_NOTICE))
        uow.audit.record(
            AuditRecord(
                identity_of(command.giver),
                "reward.sent",
                reward.id,
                None,
                {
                    "to": recipient.user.key,
                    "minor": command.amount.minor,
                    "programme": programme.id,
                },
            )
        )
        return reward

    async def _audit_refusal(self, giver: ChatUser, programme_id: str) -> None:
        async with self._uow() as uow:
            uow.audit.record(
                AuditRecord(
                    identity_of(giver),
                    "reward.refused",
                    programme_id,
                    None,
                    {"reason": "not a reward admin"},
                )
            )
            await uow.commit()

    # --- life of a reward --------------------------------------------------------------------

    async def rewards_for(self, user: ChatUser) -> tuple[RewardSummary, ...]:
        async with self._uow() as uow:
            return tuple(
                RewardSummary.of(r) for r in await uow.rewards.list_for_recipient(user.key)
            )

    async def reward(self, reward_id: str) -> RewardSummary:
        async with self._uow() as uow:
            return RewardSummary.of(await uow.rewards.get(reward_id))

    async def recipient_reward(self, reward_id: str, user: ChatUser) -> RewardSummary:
        """The reward as its recipient sees it; NotRewardRecipient for anyone else (a chat button is forgeable)."""
        async with self._uow() as uow:
            reward = await uow.rewards.get(reward_id)
        if not reward.recipient.same_person(user):
            raise NotRewardRecipient(reward_id)
        return RewardSummary.of(reward)

    async def cancel(self, reward_id: str, actor: str) -> RewardSummary:
        return await self._close(reward_id, RewardStatus.CANCELLED, actor)

    async def expire_due(self) -> int:
        """Expire rewards past their date and release what they left unspent."""
        async with self._uow() as uow:
            due = await uow.rewards.list_expiring(self._clock.now())
        for reward in due:
            if reward.held == 0:  # an order is still paying with it: wait for it to settle
                await self._close(reward.id, RewardStatus.EXPIRED, "system")
        return len(due)

    async def remind_due(self) -> int:
        """Queue one reminder for each spendable reward that expires soon."""
        async with self._uow() as uow:
            soon = await uow.rewards.list_expiring(self._clock.now() + self._remind_before)
            queued = 0
            for reward in soon:
                if reward.available > 0:
                    queued += await uow.outbox.add(
                        self._message(reward, MessageKind.REWARD_REMINDER)
                    )
            await uow.commit()
        return queued

    async def _close(self, reward_id: str, status: RewardStatus, actor: str) -> RewardSummary:
        async with self._uow() as uow:
            reward = await uow.rewards.get(reward_id)
            if reward.held:
                raise InvalidRequest(
                    "An order is being paid with this reward; try again in a few minutes."
                )
            unspent = reward.close(status)
            await uow.rewards.save(reward)
            programme = await uow.programmes.get(reward.programme_id)
            if unspent:
                await uow.ledger.add(
                    LedgerEntry(
                        self._ids.new_id("led"),
                        programme.id,
                        LedgerKind.RELEASE,
                        unspent,
                        self._clock.now(),
                        actor,
                        reward.id,
                    )
                )
            await uow.programmes.save(programme)
            uow.audit.record(
                AuditRecord(actor, f"reward.{status}", reward.id, None, {"released": unspent})
            )
            await uow.commit()
        return RewardSummary.of(reward)

    def _message(self, reward: Reward, kind: MessageKind) -> OutboxMessage:
        now = self._clock.now()
        return OutboxMessage(
            id=self._ids.new_id("msg"),
            key=f"{reward.id}:{kind}",
            kind=kind,
            order_id="",
            reward_id=reward.id,
            conversation=reward.conversation,
            created_at=now,
            next_attempt_at=now,
        )


def _check_currency(programme: Programme, amount: Money) -> None:
    if amount.currency != programme.currency:
        raise InvalidRequest(f"The {programme.name} programme is in {programme.currency}.")
