"""Pure translation of reward requests: `reward @a @b 25 USD reason`, the reward form, and card
data."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity

from adapters.i18n.phrases import later
from adapters.teams.unreadable import UnreadableCommand
from core.amounts import AmountRefused, take_amount
from core.refusals import reason_of

REWARD_WORD = "reward"
MAX_PEOPLE = 50  # a confirmation card names every recipient; more than this belongs in a CSV
MAX_KEY = 200
USAGE = later(
    "Type {usage}, for example: {example}.",
    usage="“reward @name [@name …] <amount> [<currency>] <reason>”",
    example="reward @Ada 25 USD Five years of quiet excellence",
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LIST_SEPARATORS = re.compile(r"[,;\s]+")
_JOINERS = frozenset({"and", "&", "+", ",", ";"})


@dataclass(frozen=True)
class Person:
    """Someone named in a request: their Teams id (29:…) and/or Entra object id, and a display
    name."""

    id: str = ""
    aad: str = ""
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.aad or self.id

    def to_data(self) -> dict[str, str]:
        return {"id": self.id, "aad": self.aad, "name": self.name}


@dataclass(frozen=True)
class AskReward:
    """`reward …` typed to the bot: the people it mentions and the words left once mentions are
    removed."""

    people: tuple[Person, ...]
    words: tuple[str, ...]
    not_people: tuple[
        str, ...
    ] = ()  # mentions of tags, channels or teams, which cannot be rewarded


@dataclass(frozen=True)
class RewardTerms:
    amount: str
    currency: str | None
    reason: str


@dataclass(frozen=True)
class RewardForm:
    """The "Send a reward" dialog as submitted: people picked, emails typed, programme, amount,
    reason."""

    people: tuple[str, ...]
    emails: tuple[str, ...]
    programme_id: str
    amount: str
    reason: str


@dataclass(frozen=True)
class ReviewReward:
    form: RewardForm


@dataclass(frozen=True)
class SendReward:
    """Send on a confirmation card: the key of the request waiting in core.confirmations."""

    key: str


@dataclass(frozen=True)
class CancelReward:
    key: str


@dataclass(frozen=True)
class RedeemReward:
    reward_id: str


RewardIntent = AskReward | ReviewReward | SendReward | CancelReward | RedeemReward


# --- typed requests
# ---------------------------------------------------------------------------------


def is_reward_text(text: str) -> bool:
    words = text.split()
    return bool(words) and words[0].lower() == REWARD_WORD


def ask_of_message(activity: Activity, text: str) -> AskReward:
    """`text` is the message without the bot's mention; everyone else mentioned is a recipient."""
    bot_id = activity.recipient.id if activity.recipient else ""
    people: dict[str, Person] = {}
    not_people: list[str] = []
    for mention in _mentions(activity):
        mentioned = mention.get("mentioned") or {}
        member_id = str(mentioned.get("id") or "")
        name = str(mentioned.get("name") or "")
        if not member_id or member_id == bot_id:
            continue
        text = text.replace(str(mention.get("text") or f"<at>{name}</at>"), " ")
        if _is_person(member_id, mentioned):
            people.setdefault(
                member_id, Person(member_id, str(mentioned.get("aadObjectId") or ""), name)
            )
        else:
            not_people.append(name or member_id)
    words = text.replace("&nbsp;", " ").split()
    return AskReward(tuple(people.values()), tuple(words[1:]), tuple(not_people))


def terms_of(words: tuple[str, ...], currencies: Collection[str]) -> RewardTerms:
    """`25 [USD] reason…`, `€25 reason…`, `EUR 25 reason…`: the amount and currency as the core
    reads them."""
    while words and words[0].lower() in _JOINERS:  # "@Ada and @Grace 25", "@Ada, @Grace 25"
        words = words[1:]
    try:
        amount, reason = take_amount(" ".join(words), currencies)
    except AmountRefused as exc:
        raise UnreadableCommand(reason_of(exc)) from None
    if amount is None:
        raise UnreadableCommand(USAGE)
    return RewardTerms(amount.number, amount.currency, reason)


def reward_key(activity: Activity, giver_key: str) -> str:
    """One key per request: a retried activity (same id) and both its confirmation cards send
    once."""
    scope = f"{activity.conversation.id}|{activity.id or ''}|{giver_key}"
    return "teams-reward:" + hashlib.sha256(scope.encode()).hexdigest()[:40]


def _mentions(activity: Activity) -> list[dict[str, Any]]:
    found = []
    for entity in activity.entities or []:
        if str(getattr(entity, "type", "")).lower() == "mention":
            found.append(dict(getattr(entity, "additional_properties", None) or {}))
    return found


def _is_person(member_id: str, mentioned: Mapping[str, Any]) -> bool:
    # People are 29:… (or 8:orgid:…) in Teams; tags, channels and teams are mentioned with other
    # ids.
    kind = str(mentioned.get("type") or "person").lower()
    return kind == "person" and (
        member_id.startswith(("29:", "8:orgid:")) or bool(mentioned.get("aadObjectId"))
    )


# --- card and dialog data
# ---------------------------------------------------------------------------


def form_of_data(data: Mapping[str, Any]) -> RewardForm:
    return RewardForm(
        people=tuple(p for p in _LIST_SEPARATORS.split(str(data.get("people") or "")) if p),
        emails=tuple(e for e in _LIST_SEPARATORS.split(str(data.get("emails") or "")) if e),
        programme_id=str(data.get("programme") or ""),
        amount=str(data.get("amount") or "").strip(),
        reason=str(data.get("reason") or "").strip(),
    )


def is_email(text: str) -> bool:
    return bool(_EMAIL.match(text))


def _text_or_unreadable(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise UnreadableCommand(
            later(
                "That card is missing something I need; type {command} to see your rewards.",
                command="“vouchers mine”",
            )
        )
    return value.strip()


def _key(data: Mapping[str, Any]) -> str:
    value = data.get("key")
    if not isinstance(value, str) or not 0 < len(value) <= MAX_KEY:
        raise UnreadableCommand(
            later("That confirmation is damaged; type {command} again.", command="“reward”")
        )
    return value


REWARD_ACTIONS: dict[str, Callable[[Mapping[str, Any]], RewardIntent]] = {
    "reward-review": lambda d: ReviewReward(form_of_data(d)),
    "reward-send": lambda d: SendReward(_key(d)),
    "reward-cancel": lambda d: CancelReward(_key(d)),
    "redeem": lambda d: RedeemReward(_text_or_unreadable(d, "reward")),
}
