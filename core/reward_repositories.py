"""Where rewards are kept: programmes, their ledger, rewards, admins, approvals and policies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from core.approval_requests import Approval, ApprovalPolicy
from core.peer_policy import PeerPolicy
from core.rewards import Budget, LedgerEntry, Programme, Reward


class ProgrammeRepository(Protocol):
    async def add(self, programme: Programme) -> None:
        """DuplicateRequest if the id exists."""

    async def get(self, programme_id: str) -> Programme:
        """The programme, or ProgrammeNotFound."""

    async def save(self, programme: Programme) -> None:
        """Store changes, bumping the version; ConcurrentUpdate if someone saved it since it was
        read.

        Sending rewards saves the programme even when only the ledger changed: that version check is
        what serialises concurrent spending of one budget."""

    async def list(self) -> Sequence[Programme]: ...


class LedgerRepository(Protocol):
    async def add(self, entry: LedgerEntry) -> None: ...

    async def budget(self, programme_id: str) -> Budget: ...

    async def entries(self, programme_id: str, limit: int = 1000) -> Sequence[LedgerEntry]:
        """Oldest first."""


class RewardRepository(Protocol):
    async def add(self, reward: Reward) -> None:
        """DuplicateRequest (at the latest on commit) if its request key exists."""

    async def get(self, reward_id: str) -> Reward:
        """The reward, or RewardNotFound."""

    async def save(self, reward: Reward) -> None:
        """ConcurrentUpdate if someone saved it since it was read."""

    async def find_by_request_key(self, request_key: str) -> Reward | None: ...

    async def list_for_recipient(self, user_key: str, limit: int = 50) -> Sequence[Reward]:
        """Newest first."""

    async def given_to_since(
        self, programme_id: str, giver_key: str, recipient_key: str, since: datetime
    ) -> int:
        """What `giver_key` gave `recipient_key` from the programme since `since`, cancelled rewards
        left out."""

    async def given_since(self, programme_id: str, giver_key: str, since: datetime) -> int:
        """Minor units given by one giver in a programme since `since` (cancelled rewards
        excluded)."""

    async def list_expiring(self, before: datetime, limit: int = 100) -> Sequence[Reward]:
        """Spendable rewards whose expiry is before `before`, soonest first."""


class RewardAdmins(Protocol):
    async def contains(self, identity: str) -> bool:
        """`identity` is `slack:<user id>` or `teams:<aad object id>`."""

    async def add(self, identity: str) -> None: ...

    async def remove(self, identity: str) -> None: ...

    async def list(self) -> Sequence[str]: ...


class ApprovalRepository(Protocol):
    """Held sends (core.approvals), versioned: of two decisions saved at once, one wins."""

    async def add(self, approval: Approval) -> None: ...

    async def get(self, approval_id: str) -> Approval: ...

    async def save(self, approval: Approval) -> None: ...

    async def find_by_request_key(self, request_key: str) -> Approval | None: ...

    async def list_pending(self, before: datetime, limit: int = 100) -> Sequence[Approval]:
        """Pending approvals that expire before `before`."""

    async def list(self, status: str | None = None, limit: int = 200) -> Sequence[Approval]:
        """Newest first."""


class ApprovalPolicies(Protocol):
    """Each programme's approval policy, if it has one; written at once."""

    async def get(self, programme_id: str) -> ApprovalPolicy | None: ...

    async def put(self, policy: ApprovalPolicy) -> None: ...


class PeerPolicies(Protocol):
    """Peer programmes' allowances (core.peer); written at once."""

    async def get(self, programme_id: str) -> PeerPolicy | None: ...

    async def put(self, policy: PeerPolicy) -> None: ...

    async def list(self) -> Sequence[PeerPolicy]: ...


class GiverDefaults(Protocol):
    """The programme each giver chose as their default (`slack:U…` → programme id); written at
    once."""

    async def get(self, giver: str) -> str | None: ...

    async def put(self, giver: str, programme_id: str) -> None: ...
