"""Gift requests in Teams terms: `gift @Ada <product id> <amount> [on <date> [<time>]]
[message]`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity

from adapters.i18n.phrases import later
from adapters.teams.reward_translate import Person, ask_of_message
from adapters.teams.unreadable import UnreadableCommand

GIFT_WORD = "gift"
USAGE = later(
    "To send a gift: {usage} (or a work email instead of @person, for a colleague in Slack)",
    usage="“gift @person <product id> <amount> [on 2026-12-24 09:00] [a message]”",
)
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{1,2}:\d{2}$")


@dataclass(frozen=True)
class SendGift:
    person: Person | None  # None when named by `email` (someone this roster may not know)
    product_id: str
    amount: str
    when: str  # "" to deliver as soon as it is paid
    message: str
    email: str = ""


@dataclass(frozen=True)
class CancelGift:
    gift_id: str


@dataclass(frozen=True)
class OpenGiftForm:
    """ "Send as a gift" on a product card, with the amount chosen there."""

    product_id: str
    amount: str


@dataclass(frozen=True)
class Author:
    """Who wrote the message the extension was opened on: the gift's likely recipient."""

    aad: str
    name: str


def author_of(activity: Activity) -> Author | None:
    """The person (not a bot, not the sender) whose message the "Send a gift" action was opened on.

    Teams puts that message in value.messagePayload; its `from.user.id` is the Entra object id."""
    value: Any = activity.value if isinstance(activity.value, Mapping) else {}
    payload = value.get("messagePayload")
    sender = payload.get("from") if isinstance(payload, Mapping) else None
    user = sender.get("user") if isinstance(sender, Mapping) else None
    if not isinstance(user, Mapping) or user.get("userIdentityType", "aadUser") != "aadUser":
        return None
    aad, name = str(user.get("id") or ""), str(user.get("displayName") or "")
    if not aad or aad == getattr(activity.from_property, "aad_object_id", None):
        return None
    return Author(aad, name or aad)


def author_in(data: Mapping[str, Any]) -> Author | None:
    """The author the dialog was opened for, carried in its button (to show their name again)."""
    aad = _text(data, "author")
    return Author(aad, _text(data, "author_name") or aad) if aad else None


def is_gift_text(text: str) -> bool:
    words = text.split()
    return bool(words) and words[0].lower() == GIFT_WORD


def gift_of_message(activity: Activity, text: str) -> SendGift:
    """The one person mentioned (not the bot) receives it; the words after the mention say what and
    when."""
    ask = ask_of_message(activity, text)  # the same mention reading as `reward @Ada …`
    words, email = list(ask.words), ""
    if not ask.people and words and _EMAIL.match(words[0]):
        email, words = words[0].lower(), words[1:]
    if len(ask.people) + bool(email) != 1 or len(words) < 2:
        raise UnreadableCommand(USAGE)
    product_id, amount, *rest = words
    when: list[str] = []
    if len(rest) >= 2 and rest[0].lower() == "on" and _DATE.match(rest[1]):
        when, rest = [rest[1]], rest[2:]
        if rest and _TIME.match(rest[0]):
            when, rest = [*when, rest[0]], rest[1:]
    person = ask.people[0] if ask.people else None
    return SendGift(person, product_id, amount, " ".join(when), " ".join(rest), email)


def _gift_id(data: Mapping[str, Any]) -> str:
    value = data.get("gift")
    if not isinstance(value, str) or not value:
        raise UnreadableCommand(
            later(
                "That card is missing the gift; type {command} to see your gifts.",
                command="“vouchers mine”",
            )
        )
    return value


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _from_form(data: Mapping[str, Any]) -> SendGift:
    """A gift form submitted: the people picker gives the colleague's Entra object id; the message
    extension's form may name them by work email instead (someone in Slack)."""
    to, product, amount = _text(data, "to"), _text(data, "product"), _text(data, "amount")
    email = "" if to else _text(data, "email").lower()
    if not ((to or email) and product and amount):
        raise UnreadableCommand(
            later("Choose a colleague and an amount, then press Continue to payment.")
        )
    if email and not _EMAIL.match(email):
        raise UnreadableCommand(later("{email} is not a work email address.", email=email))
    when = f"{_text(data, 'date')} {_text(data, 'time')}".strip() if _text(data, "date") else ""
    person = Person(aad=to) if to else None
    return SendGift(person, product, amount, when, _text(data, "note"), email)


GIFT_ACTIONS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "gift_cancel": lambda d: CancelGift(_gift_id(d)),
    "gift_form": lambda d: OpenGiftForm(_text(d, "product"), _text(d, "amount")),
    "gift_send": _from_form,
}
