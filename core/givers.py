"""Who may send rewards: reward admins (from the settings or granted), and everyone while a peer
programme exists (core.peer); a refused attempt is audited."""

from __future__ import annotations

from collections.abc import Collection
from typing import NoReturn

from core.audit import AuditRecord
from core.identity import ChatUser, identity_of
from core.ports import UnitOfWorkFactory
from core.rewards import NotRewardAdmin

# Givers with no chat identity, trusted only through RewardSender.send_trusted: HR systems and jobs.
TRUSTED_PLATFORMS = frozenset({"api", "system"})


class Givers:
    """Reward admins and the checks every channel's giver passes."""

    def __init__(self, *, uow: UnitOfWorkFactory, configured_admins: Collection[str] = ()) -> None:
        self._uow = uow
        self._configured_admins = frozenset(configured_admins)

    async def is_admin(self, user: ChatUser) -> bool:
        identity = identity_of(user)
        if identity in self._configured_admins:
            return True
        async with self._uow() as uow:
            return await uow.reward_admins.contains(identity)

    async def authorize(self, giver: ChatUser) -> None:
        """Refuse, and audit the refused attempt, unless `giver` may send rewards (every channel
        asks here): reward admins may, and, while a peer programme exists (core.peer), everyone
        may give from it."""
        if not await self.is_admin(giver) and not await self.peer_programme_ids():
            await self.refuse(giver, "")

    async def may_send_from(self, giver: ChatUser, programme_id: str) -> None:
        """Refuse, audited, unless `giver` is a reward admin or `programme_id` is a peer
        programme."""
        peer = programme_id in await self.peer_programme_ids()
        if not peer and not await self.is_admin(giver):
            await self.refuse(giver, programme_id)

    async def trusted(self, giver: ChatUser, programme_id: str) -> None:
        """Refuse, audited, a giver who is not an HR system or a job (see TRUSTED_PLATFORMS)."""
        if giver.platform not in TRUSTED_PLATFORMS:
            await self.refuse(giver, programme_id)

    async def peer_programme_ids(self) -> set[str]:
        async with self._uow() as uow:
            return {p.programme_id for p in await uow.peer_policies.list()}

    async def refuse(self, giver: ChatUser, programme_id: str) -> NoReturn:
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
