"""Group-gift requests in Teams terms: `collect @Ada "Farewell" [goal] [by <date>]` and the card's
buttons."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity

from adapters.i18n.phrases import later
from adapters.teams.reward_translate import Person, ask_of_message
from adapters.teams.unreadable import UnreadableCommand

COLLECT_WORD = "collect"
USAGE = later(
    "To start a group gift: {usage} (or their work email instead of @person)",
    usage='“collect @person "Farewell" [goal, e.g. 150 EUR] [by 2026-07-01]”',
)
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass(frozen=True)
class StartCollect:
    person: Person | None  # None when named by `email`
    text: str  # what follows the person: title, goal, `by <date>` (core.group_gifts.parse_collect)
    email: str = ""


@dataclass(frozen=True)
class OpenChipIn:
    """Chip in on the card: the dialog asking for the amount (a task/fetch)."""

    collection_id: str


@dataclass(frozen=True)
class ChipIn:
    """The chip-in dialog submitted (a task/submit)."""

    collection_id: str
    amount: str
    show_amount: bool


@dataclass(frozen=True)
class CloseCollection:
    collection_id: str


@dataclass(frozen=True)
class ToggleAmount:
    """Show or hide my amount: the presser's own line on the card."""

    collection_id: str


def is_collect_text(text: str) -> bool:
    words = text.split()
    return bool(words) and words[0].lower() == COLLECT_WORD


def collect_of_message(activity: Activity, text: str) -> StartCollect:
    """The one person mentioned (not the bot), or a work email, then the title and the rest."""
    ask = ask_of_message(activity, text)  # the same mention reading as `reward @Ada …`
    words, email = list(ask.words), ""
    if not ask.people and words and _EMAIL.match(words[0]):
        email, words = words[0].lower(), words[1:]
    if len(ask.people) + bool(email) != 1 or not words:
        raise UnreadableCommand(USAGE)
    person = ask.people[0] if ask.people else None
    return StartCollect(person, " ".join(words), email)


def _collection(data: Mapping[str, Any]) -> str:
    value = data.get("collection")
    if not isinstance(value, str) or not value:
        raise UnreadableCommand(later("That card is missing its group gift; start it again."))
    return value


def _chip_in(data: Mapping[str, Any]) -> ChipIn:
    amount = data.get("amount")
    show = str(data.get("show") or "").lower() == "true"
    return ChipIn(_collection(data), str(amount).strip() if amount is not None else "", show)


COLLECT_ACTIONS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "col_chip": lambda d: OpenChipIn(_collection(d)),
    "col_chip_send": _chip_in,
    "col_close": lambda d: CloseCollection(_collection(d)),
    "col_mine": lambda d: ToggleAmount(_collection(d)),
}
