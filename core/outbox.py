"""The transactional outbox: messages written with the state they announce, sent later with
retries."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from core.identity import ConversationRef


class MessageKind(StrEnum):
    ORDER_UPDATE = "order_update"
    VOUCHER_DELIVERY = "voucher_delivery"
    REWARD_NOTICE = "reward_notice"
    REWARD_REMINDER = "reward_reminder"
    REWARD_UNDELIVERABLE = "reward_undeliverable"  # to the giver: a recipient could not be reached
    GIFT_DELIVERY = "gift_delivery"  # to a gift's recipient: who sent it, their note, the voucher
    GIFT_RECEIPT = "gift_receipt"  # to a gift's buyer: what, to whom, when; never the code
    GIFT_UNDELIVERABLE = (
        "gift_undeliverable"  # to a gift's buyer: the recipient could not be reached
    )
    APPROVAL_REQUEST = "approval_request"  # to an approver; reward_id holds the approval's id
    APPROVAL_DECIDED = "approval_decided"  # to the giver; reward_id holds the approval's id
    PEER_SHOUT_OUT = "peer_shout_out"  # to the channel a peer reward was given in: who, whom, why
    COLLECTION_CARD = "collection_card"  # a group gift's channel card, redrawn; reward_id: its id


class MessageStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


@dataclass
class OutboxMessage:
    """A message owed to a conversation. It names what to say (kind + order or reward), never the
    rendering."""

    id: str
    key: str
    kind: MessageKind
    order_id: str
    conversation: ConversationRef
    created_at: datetime
    next_attempt_at: datetime
    status: MessageStatus = MessageStatus.PENDING
    attempts: int = 0
    last_error: str = ""
    sent_at: datetime | None = None
    history: list[str] = field(default_factory=list)
    # Set (and order_id empty) for reward messages, or the approval id for approval ones; a
    # their-choice gift's reward notice has both (the gift's order and its reward).
    reward_id: str = ""
    # An order update shows the status it was written for (paid, then voucher ready), even when the
    # order has moved on by the time it is sent; "" (rows from before this field) shows the current
    # status.
    announces: str = ""

    @property
    def delivers_gift(self) -> bool:
        """It brings a gift to its recipient: the voucher, or a their-choice gift's reward
        notice."""
        kind = self.kind
        return kind is MessageKind.GIFT_DELIVERY or (
            kind is MessageKind.REWARD_NOTICE and bool(self.order_id)
        )

    def sent(self, at: datetime) -> None:
        self.status = MessageStatus.SENT
        self.sent_at = at
        self.attempts += 1
        self.history.append(f"{at.isoformat()} sent")

    def retry_later(self, error: str, at: datetime, delay: timedelta) -> None:
        self.attempts += 1
        self.last_error = error[:500]
        self.next_attempt_at = at + delay
        self.history.append(
            f"{at.isoformat()} retry in {delay.total_seconds():.1f}s: {self.last_error}"
        )

    def give_up(self, error: str, at: datetime) -> None:
        self.attempts += 1
        self.status = MessageStatus.DEAD
        self.last_error = error[:500]
        self.history.append(f"{at.isoformat()} gave up: {self.last_error}")


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter, never sooner than the platform's Retry-After."""

    base_seconds: float = 1.0
    cap_seconds: float = 300.0
    max_attempts: int = 15
    max_age: timedelta = timedelta(days=1)

    def delay(self, attempts: int, retry_after: float | None = None) -> timedelta:
        if retry_after is not None:
            # The platform said when: waiting longer only delays the message, sooner is refused
            # again.
            return timedelta(seconds=min(self.cap_seconds, retry_after))
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** min(attempts, 20))
        return timedelta(seconds=random.uniform(ceiling / 2, ceiling))

    def exhausted(self, attempts: int, age: timedelta, throttled: bool) -> bool:
        """Give up after `max_attempts` failures; throttling is the platform pacing us, not a
        failure."""
        return age >= self.max_age or (not throttled and attempts + 1 >= self.max_attempts)
