"""A send of rewards, as a command that can be held for approval and stored: who thanks whom, with
what, from which programme; and how a person is named in admin lists and approvals."""

from __future__ import annotations

from dataclasses import dataclass

from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.rewards import Recipient

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


def identity_of(user: ChatUser) -> str:
    """How admins are named in REWARD_ADMINS: `slack:U123`, `teams:<aad object id>`."""
    return f"{user.platform}:{user.user_id}"
