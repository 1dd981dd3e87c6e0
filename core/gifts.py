"""The Gift aggregate: a voucher bought by one person for a colleague, delivered now or at a set
time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import InvalidRequest, NotFound
from core.identity import ChatUser, ConversationRef
from core.orders import Order
from core.outbox import MessageKind, OutboxMessage

MAX_MESSAGE = 500  # a card's text block stays readable; longer notes are cut, not refused
MAX_AHEAD = timedelta(days=366)
_WHEN = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}))?$")


class GiftStatus(StrEnum):
    PENDING = "pending"  # paid or not yet, the recipient has not been told
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class GiftNotFound(NotFound):
    """No gift has this id."""

    def __init__(self, gift_id: str) -> None:
        super().__init__(f"There is no gift '{gift_id}'.")
        self.gift_id = gift_id


class NotGiftBuyer(InvalidRequest):
    """Someone other than the person who sent the gift tried to change it."""

    def __init__(self, gift_id: str) -> None:
        super().__init__("Only the person who sent this gift can do that.")
        self.gift_id = gift_id


class GiftNotCancellable(InvalidRequest):
    """The gift was delivered (or cancelled) already, or was never scheduled; `status` says
    which."""

    def __init__(self, gift_id: str, status: str) -> None:
        super().__init__(f"This gift is {status} and can no longer be cancelled.")
        self.gift_id = gift_id
        self.status = status


# Why a described gift cannot be sent. Each channel words the rule in the person's language (and
# names its own commands); the English below is for logs and for a caller that has no wording of its
# own.
GIFT_RULES = {
    "to_self": "A gift is for someone else, not for the person sending it.",
    "not_a_date": "'{typed}' is not a date. Write it as 2026-12-24 or 2026-12-24 09:00.",
    "not_a_real_date": "'{typed}' is not a real date and time.",
    "unknown_zone": "'{typed}' is not a time zone.",
    "past": "That time has passed: choose a time in the future, or send the gift now.",
    "too_far_ahead": "A gift can be scheduled up to a year ahead.",
    "unknown_email": "No colleague with the email {typed} was found in Slack or Teams.",
}


class InvalidGift(InvalidRequest):
    """A gift the buyer described cannot be sent: `rule` (a GIFT_RULES key) says why, and `typed` is
    what it is about (the date written, the time zone, the email), '' when nothing was."""

    def __init__(self, rule: str, typed: str = "") -> None:
        super().__init__(GIFT_RULES[rule].format(typed=typed))
        self.rule = rule
        self.typed = typed


@dataclass(frozen=True)
class GiftRequest:
    """What a buyer asks for besides the voucher: who receives it, the note, and when."""

    recipient: ChatUser
    recipient_conversation: ConversationRef
    message: str = ""
    deliver_at: datetime | None = None


@dataclass
class Gift:
    """A voucher order whose voucher belongs to, and is delivered to, someone other than its
    buyer."""

    id: str
    order_id: str
    buyer: ChatUser
    recipient: ChatUser
    recipient_conversation: ConversationRef
    message: str
    deliver_at: datetime | None
    created_at: datetime
    status: GiftStatus = GiftStatus.PENDING
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None
    version: int = 0  # a cancel racing the delivery: one of them wins, the other reads again

    @classmethod
    def for_order(cls, gift_id: str, order: Order, request: GiftRequest, at: datetime) -> Gift:
        if request.recipient.same_person(order.buyer):
            raise InvalidGift("to_self")
        return cls(
            id=gift_id,
            order_id=order.id,
            buyer=order.buyer,
            recipient=request.recipient,
            recipient_conversation=request.recipient_conversation,
            message=request.message.strip()[:MAX_MESSAGE],
            deliver_at=request.deliver_at,
            created_at=at,
        )

    @property
    def scheduled(self) -> bool:
        return self.deliver_at is not None

    def delivered(self, at: datetime) -> None:
        if self.status is GiftStatus.PENDING:
            self.status = GiftStatus.DELIVERED
            self.delivered_at = at

    def cancel(self, at: datetime) -> None:
        """Only a scheduled gift not yet delivered can be called back."""
        if self.status is not GiftStatus.PENDING or not self.scheduled:
            raise GiftNotCancellable(
                self.id, "delivered" if self.status is GiftStatus.PENDING else self.status
            )
        self.status = GiftStatus.CANCELLED
        self.cancelled_at = at


def gift_messages(
    gift: Gift, order: Order, message_id: str, receipt_id: str, now: datetime
) -> list[OutboxMessage]:
    """The voucher goes to the recipient (held until `deliver_at`); the buyer gets a receipt without
    it.

    A scheduled delivery is just an outbox message not due before its time: the outbox already
    survives restarts and is claimed by one replica at a time."""
    due = max(gift.deliver_at or now, now)
    return [
        OutboxMessage(
            id=message_id,
            key=f"{order.id}:{MessageKind.GIFT_DELIVERY}",
            kind=MessageKind.GIFT_DELIVERY,
            order_id=order.id,
            conversation=gift.recipient_conversation,
            created_at=due,  # its age (for giving up on retries) counts from when it may be sent
            next_attempt_at=due,
        ),
        OutboxMessage(
            id=receipt_id,
            key=f"{order.id}:{MessageKind.GIFT_RECEIPT}",
            kind=MessageKind.GIFT_RECEIPT,
            order_id=order.id,
            conversation=order.conversation,
            created_at=now,
            next_attempt_at=now,
        ),
    ]


def delivery_time(text: str, zone: str, now: datetime) -> datetime:
    """`2026-12-24` or `2026-12-24 09:00` in the recipient's time zone `zone` (09:00 when no
    time)."""
    match = _WHEN.match(text.strip())
    if match is None:
        raise InvalidGift("not_a_date", text.strip())
    try:
        tz = ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidGift("unknown_zone", zone) from None
    try:
        local = datetime.fromisoformat(f"{match[1]}T{(match[2] or '09:00').zfill(5)}")
    except ValueError:
        raise InvalidGift("not_a_real_date", text.strip()) from None
    at = local.replace(tzinfo=tz)
    if at <= now:
        raise InvalidGift("past", text.strip())
    if at - now > MAX_AHEAD:
        raise InvalidGift("too_far_ahead", text.strip())
    return at
