"""Pure functions from Teams activities to what the person asked for: a table of small
translators."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from adapters.i18n.phrases import later
from adapters.teams.address import PLATFORM, tenant_of
from adapters.teams.approval_translate import APPROVAL_ACTIONS, ApproveRequest, RejectRequest
from adapters.teams.collection_translate import (
    COLLECT_ACTIONS,
    ChipIn,
    CloseCollection,
    OpenChipIn,
    StartCollect,
    ToggleAmount,
    collect_of_message,
    is_collect_text,
)
from adapters.teams.gift_translate import (
    GIFT_ACTIONS,
    CancelGift,
    OpenGiftForm,
    SendGift,
    gift_of_message,
    is_gift_text,
)
from adapters.teams.reward_translate import (
    REWARD_ACTIONS,
    AskReward,
    CancelReward,
    RedeemReward,
    ReviewReward,
    SendReward,
    ask_of_message,
    is_reward_text,
)
from adapters.teams.unreadable import UnreadableCommand
from core.catalog import CatalogQuery
from core.identity import ChatUser
from core.money import Money, check_currency

COMMAND = "cmd"  # the key our cards put in every Action.Submit / Action.Execute data object
NO_CURRENCY = (
    "XXX"  # ISO 4217 "no currency": two decimals, for a price filter given without a currency
)
VOUCHER_WORDS = ("vouchers", "voucher")


@dataclass(frozen=True)
class Browse:
    query: CatalogQuery = field(default_factory=CatalogQuery)
    reward_id: str = ""  # browsing to spend this reward: it follows every step to the order


@dataclass(frozen=True)
class ChooseProduct:
    product_id: str
    back: CatalogQuery = field(default_factory=CatalogQuery)
    reward_id: str = ""


@dataclass(frozen=True)
class Buy:
    product_id: str
    amount: str
    back: CatalogQuery = field(default_factory=CatalogQuery)
    reward_id: str = ""


@dataclass(frozen=True)
class RetryPayment:
    order_id: str


@dataclass(frozen=True)
class OpenCheckout:
    order_id: str


@dataclass(frozen=True)
class ShowWallet:
    pass


@dataclass(frozen=True)
class ShowHelp:
    note: str = ""


@dataclass(frozen=True)
class SetCountry:
    """`vouchers country DE`: where the user redeems rewards."""

    text: str


Intent = (
    Browse
    | ChooseProduct
    | Buy
    | RetryPayment
    | OpenCheckout
    | ShowWallet
    | ShowHelp
    | SetCountry
    | AskReward
    | ReviewReward
    | SendReward
    | CancelReward
    | RedeemReward
    | SendGift
    | CancelGift
    | OpenGiftForm
    | ApproveRequest
    | RejectRequest
    | StartCollect
    | OpenChipIn
    | ChipIn
    | CloseCollection
    | ToggleAmount
)


# --- who and where
# ----------------------------------------------------------------------------------


def user_of(activity: Activity) -> ChatUser:
    """The person acting: their Entra object id when Teams sends it (stable across chats), else
    their id."""
    sender = activity.from_property
    user_id = getattr(sender, "aad_object_id", None) or sender.id
    return ChatUser(PLATFORM, tenant_of(activity), user_id, getattr(sender, "name", None) or "")


def request_key(activity: Activity) -> str:
    """One order per card and person: a double tap or a channel retry of the same activity maps to
    one key."""
    card_or_message = activity.reply_to_id or activity.id or ""
    scope = f"{activity.conversation.id}|{card_or_message}|{user_of(activity).key}"
    return "teams:" + hashlib.sha256(scope.encode()).hexdigest()[:40]


# --- text commands
# ----------------------------------------------------------------------------------


def command_text(activity: Activity) -> str:
    """The message text with the bot's @mention removed (in channels Teams only delivers
    mentions)."""
    if not activity.text:
        return ""
    return (
        (TurnContext.remove_recipient_mention(copy.copy(activity)) or "")
        .replace("&nbsp;", " ")
        .strip()
    )


def intent_of_text(text: str) -> Intent:
    words = text.split()
    if not words or words[0].lower() not in VOUCHER_WORDS:
        first = words[0].lower() if words else ""
        return ShowHelp(
            "" if first in ("", "help", "hi", "hello") else f"I don't know “{text[:60]}”."
        )
    rest = words[1:]
    if [w.lower() for w in rest] == ["mine"]:
        return ShowWallet()
    if len(rest) == 2 and rest[0].lower() == "country":
        return SetCountry(rest[1])
    return Browse(query_of_words(rest))


def query_of_words(words: list[str]) -> CatalogQuery:
    """`coffee currency:EUR country:DE max:50 page:2` → a catalog query (prices in major units)."""
    filters = dict(w.split(":", 1) for w in words if ":" in w)
    unknown = set(filters) - set(_FILTERS)
    if unknown:
        raise UnreadableCommand(
            later(
                "Unknown filter {typed}. Try {example}.",
                typed=f"“{min(unknown)}:”",
                example="“currency:EUR country:DE category:coffee max:50 page:2”",
            )
        )
    currency = _currency(filters["currency"]) if "currency" in filters else None
    return CatalogQuery(
        text=" ".join(w for w in words if ":" not in w),
        currency=currency,
        country=_country(filters["country"]) if "country" in filters else None,
        category=filters["category"].lower() if filters.get("category") else None,
        max_price=_price(filters["max"], currency) if "max" in filters else None,
        min_price=_price(filters["min"], currency) if "min" in filters else None,
        page=_page(filters["page"]) if "page" in filters else 1,
    )


def _currency(value: str) -> str:
    try:
        return check_currency(value)
    except ValueError:
        raise UnreadableCommand(
            later(
                "{typed} is not a currency code; try {example}.",
                typed=f"“{value}”",
                example="“currency:EUR”",
            )
        ) from None


def _country(value: str) -> str:
    if len(value) != 2 or not value.isalpha():
        raise UnreadableCommand(
            later(
                "{typed} is not a two-letter country code; try {example}.",
                typed=f"“{value}”",
                example="“country:DE”",
            )
        )
    return value.upper()


def _price(value: str, currency: str | None) -> int:
    try:
        return Money.parse(value, currency or NO_CURRENCY).minor
    except ValueError:
        raise UnreadableCommand(
            later("{typed} is not a price; try {example}.", typed=f"“{value}”", example="“max:50”")
        ) from None


def _page(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise UnreadableCommand(
            later(
                "{typed} is not a page number; try {example}.",
                typed=f"“{value}”",
                example="“page:2”",
            )
        )
    return int(value)


_FILTERS = ("currency", "country", "category", "max", "min", "page")


# --- card actions
# -----------------------------------------------------------------------------------


def query_data(query: CatalogQuery) -> dict[str, Any]:
    """A catalog query as card data, so paging and "back" keep the search."""
    data = {
        "q": query.text,
        "currency": query.currency,
        "country": query.country,
        "max": query.max_price,
        "min": query.min_price,
        "page": query.page,
        "covers": query.covers,
        "programme": query.programme,
        "category": query.category,
    }
    return {k: v for k, v in data.items() if v not in (None, "")}


def query_of_data(data: Mapping[str, Any]) -> CatalogQuery:
    def number(key: str) -> int | None:
        value = data.get(key)
        return int(value) if isinstance(value, int | str) and str(value).isdigit() else None

    return CatalogQuery(
        text=str(data.get("q") or ""),
        currency=str(data["currency"]) if data.get("currency") else None,
        country=str(data["country"]) if data.get("country") else None,
        max_price=number("max"),
        min_price=number("min"),
        page=max(1, number("page") or 1),
        covers=number("covers"),
        programme=str(data["programme"])[:100] if data.get("programme") else None,
        category=str(data["category"])[:100] if data.get("category") else None,
    )


def _required(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str | int | float) or str(value).strip() == "":
        raise UnreadableCommand(
            later(
                "That card is missing something I need; type {command} to start again.",
                command="“vouchers”",
            )
        )
    return str(value).strip()


def _typed(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _reward_of(data: Mapping[str, Any]) -> str:
    value = data.get("reward")
    return value if isinstance(value, str) else ""


_ACTIONS: dict[str, Callable[[Mapping[str, Any]], Intent]] = {
    "browse": lambda d: Browse(query_of_data(d), _reward_of(d)),
    "choose": lambda d: ChooseProduct(_required(d, "product"), query_of_data(d), _reward_of(d)),
    # An empty amount is the person's to fix, not a broken card: the product card says what is
    # allowed.
    "buy": lambda d: Buy(
        _required(d, "product"), _typed(d, "amount"), query_of_data(d), _reward_of(d)
    ),
    "retry": lambda d: RetryPayment(_required(d, "order")),
    "pay": lambda d: OpenCheckout(_required(d, "order")),
    "mine": lambda d: ShowWallet(),
    "help": lambda d: ShowHelp(),
    **REWARD_ACTIONS,
    **GIFT_ACTIONS,
    **APPROVAL_ACTIONS,
    **COLLECT_ACTIONS,
}


def intent_of_data(data: Any) -> Intent:
    """What a card button asked for (Action.Submit value, Action.Execute data or task/fetch
    data)."""
    if not isinstance(data, Mapping) or data.get(COMMAND) not in _ACTIONS:
        raise UnreadableCommand(
            later(
                "I don't recognise that card any more; type {command} to start again.",
                command="“vouchers”",
            )
        )
    return _ACTIONS[data[COMMAND]](data)


# --- activities
# -------------------------------------------------------------------------------------


def intent_of_message(activity: Activity) -> Intent:
    """A message is either typed text or an Action.Submit from one of our cards (its data in
    `value`)."""
    if activity.value is not None and not activity.text:
        return intent_of_data(activity.value)
    text = command_text(activity)
    if is_reward_text(text):
        return ask_of_message(activity, text)
    if is_gift_text(text):
        return gift_of_message(activity, text)
    if is_collect_text(text):
        return collect_of_message(activity, text)
    return intent_of_text(text)


def execute_data(activity: Activity) -> Any:
    """Action.Execute arrives as invoke `adaptiveCard/action` with the data in value.action.data."""
    value = activity.value if isinstance(activity.value, Mapping) else {}
    action = value.get("action")
    return action.get("data") if isinstance(action, Mapping) else None


def task_data(activity: Activity) -> Any:
    """task/fetch and task/submit carry the button's data (plus Teams' own keys) in value.data."""
    value = activity.value if isinstance(activity.value, Mapping) else {}
    return value.get("data")


def from_card(activity: Activity) -> bool:
    """True when the activity is a button press on a message we sent (so that message can be
    replaced)."""
    return activity.value is not None and bool(activity.reply_to_id)
