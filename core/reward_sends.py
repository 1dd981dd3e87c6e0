"""What a send of rewards is: the command, the approval hook it passes, and what became of a file's
rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.rewards import Programme, Recipient
from core.views import ApprovalView

if TYPE_CHECKING:  # core.ports imports the approval records, which hold a SendRewards
    from core.ports import UnitOfWork

MAX_REASON = 500  # characters of a reward's reason (a milestone's message is cut to it)


@dataclass(frozen=True)
class SendRewards:
    """A giver thanks one or more recipients with `amount` each, from a programme's budget."""

    giver: ChatUser
    recipients: tuple[Recipient, ...]
    amount: Money
    reason: str
    programme_id: str
    request_key: str
    reply_to: ConversationRef | None = None
    shout_to: ConversationRef | None = (
        None  # where it was given: a peer programme may thank them there
    )


class HoldGate(Protocol):
    """Holds a send for approval inside its unit of work (core.approval_gate.ApprovalGate); None
    lets it go."""

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
    """What became of a bulk file's rows in one programme: no `approval_id` lets them go one by one;
    else they wait for that approval, but for `refused` rows (request key -> why), or all when
    `closed` says why."""

    approval_id: str = ""
    refused: Mapping[str, str] = field(default_factory=dict)
    closed: str = ""


# Runs first inside an approved send's unit of work: marks the approval decided and releases its
# hold.
Approving = Callable[["UnitOfWork"], Awaitable[None]]
