"""Gift requests in Teams terms: `gift @Ada <product id> <amount> [on <date> [<time>]] [message]`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity

from adapters.teams.reward_translate import Person, ask_of_message
from adapters.teams.unreadable import UnreadableCommand

GIFT_WORD = "gift"
USAGE = "To send a gift: `gift @person <product id> <amount> [on 2026-12-24 09:00] [a message]`"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{1,2}:\d{2}$")


@dataclass(frozen=True)
class SendGift:
    person: Person
    product_id: str
    amount: str
    when: str  # "" to deliver as soon as it is paid
    message: str


@dataclass(frozen=True)
class CancelGift:
    gift_id: str


def is_gift_text(text: str) -> bool:
    words = text.split()
    return bool(words) and words[0].lower() == GIFT_WORD


def gift_of_message(activity: Activity, text: str) -> SendGift:
    """The one person mentioned (not the bot) receives it; the words after the mention say what and when."""
    ask = ask_of_message(activity, text)  # the same mention reading as `reward @Ada …`
    if len(ask.people) != 1 or len(ask.words) < 2:
        raise UnreadableCommand(USAGE)
    product_id, amount, *rest = ask.words
    when: list[str] = []
    if len(rest) >= 2 and rest[0].lower() == "on" and _DATE.match(rest[1]):
        when, rest = [rest[1]], rest[2:]
        if rest and _TIME.match(rest[0]):
            when, rest = [*when, rest[0]], rest[1:]
    return SendGift(ask.people[0], product_id, amount, " ".join(when), " ".join(rest))


def _gift_id(data: Mapping[str, Any]) -> str:
    value = data.get("gift")
    if not isinstance(value, str) or not value:
        raise UnreadableCommand("That card is missing the gift; type `vouchers mine` to see your gifts.")
    return value


GIFT_ACTIONS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "gift_cancel": lambda d: CancelGift(_gift_id(d)),
}
