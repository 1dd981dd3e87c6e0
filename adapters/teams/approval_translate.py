"""What an approver's card press asked for: Approve, or Reject with the reason typed on the card."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from adapters.i18n.phrases import later
from adapters.teams.unreadable import UnreadableCommand

NOTE = "note"  # the id of the card's reason input: Action.Submit merges it into the data
MAX_ID = 100


@dataclass(frozen=True)
class ApproveRequest:
    approval_id: str


@dataclass(frozen=True)
class RejectRequest:
    approval_id: str
    note: str


ApprovalIntent = ApproveRequest | RejectRequest


def _approval_id(data: Mapping[str, Any]) -> str:
    value = data.get("approval")
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID:
        raise UnreadableCommand(
            later("That approval card is damaged; ask the giver to send the rewards again.")
        )
    return value


def _note(data: Mapping[str, Any]) -> str:
    value = data.get(NOTE)
    return value if isinstance(value, str) else ""


APPROVAL_ACTIONS: dict[str, Callable[[Mapping[str, Any]], ApprovalIntent]] = {
    "approval-approve": lambda d: ApproveRequest(_approval_id(d)),
    "approval-reject": lambda d: RejectRequest(_approval_id(d), _note(d)),
}
