"""Reward programmes and their budgets: creating them, crediting a budget, peer policies and givers'
default programmes, all audited."""

from __future__ import annotations

from core.audit import AuditRecord
from core.errors import InvalidRequest
from core.money import Money
from core.peer import PeerPolicy
from core.ports import Clock, IdFactory, UnitOfWorkFactory
from core.refusals import Reason
from core.rewards import LedgerEntry, LedgerKind, Programme


class Budgets:
    """What admins do to programmes, and what everyone may read of them."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, ids: IdFactory) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

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

    async def budget(self, programme_id: str) -> Money:
        async with self._uow() as uow:
            programme = await uow.programmes.get(programme_id)
            return programme.money(max((await uow.ledger.budget(programme_id)).available, 0))

    async def credit(self, programme_id: str, amount: Money, actor: str, note: str = "") -> None:
        async with self._uow() as uow:
            programme = await uow.programmes.get(programme_id)
            if amount.currency != programme.currency:
                raise InvalidRequest(
                    Reason("programme_is_in", programme=programme.name, currency=programme.currency)
                )
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
        """`identity`'s rewards come from `programme_id` when they name neither programme nor
        currency."""
        async with self._uow() as uow:
            await uow.programmes.get(programme_id)  # ProgrammeNotFound for a typo
            await uow.giver_defaults.put(identity, programme_id)
            uow.audit.record(
                AuditRecord(
                    actor, "programme.default_set", identity, None, {"programme": programme_id}
                )
            )
            await uow.commit()
