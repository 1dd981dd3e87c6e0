"""Pure translation of Slack payloads into the core's terms: users, queries, addresses and request
keys."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from adapters.i18n.phrases import Phrase, later
from adapters.slack import action_ids as ids
from core.catalog import CatalogQuery
from core.identity import ChatUser, ConversationRef
from core.money import Money, check_currency

PLATFORM = "slack"
MAX_SEARCH_TEXT = 200  # keeps an encoded query well under a button value's 2000 characters
MAX_CATEGORY = 40
FILTERS = ("country", "currency", "category", "max", "min", "page")

Payload = Mapping[str, Any]


class InvalidQuery(ValueError):
    """A slash command filter the catalog cannot read (e.g. `currency:EURO`), said in the person's
    language."""

    def __init__(self, phrase: Phrase | str) -> None:
        super().__init__(str(phrase))
        self.phrase = phrase if isinstance(phrase, Phrase) else None


@dataclass(frozen=True)
class ShowHelp:
    """`/vouchers help`."""


@dataclass(frozen=True)
class ShowWallet:
    """`/vouchers mine`: the user's vouchers and open orders."""


@dataclass(frozen=True)
class Browse:
    """`/vouchers [words] [filters]`: a catalog page."""

    query: CatalogQuery


@dataclass(frozen=True)
class Buy:
    """`/vouchers buy <product id> <amount>`: an order straight from the command line."""

    product_id: str
    amount_text: str


@dataclass(frozen=True)
class SetCountry:
    """`/vouchers country DE`: where the user redeems rewards (their catalog's country and
    currency)."""

    text: str


@dataclass(frozen=True)
class SendGift:
    """`/vouchers gift @person <product id> <amount> [on <date> [<time>]] [message]`."""

    recipient_id: str  # "" when the recipient is named by email (possibly someone in Teams)
    product_id: str
    amount_text: str
    when: str  # "" to deliver as soon as it is paid
    message: str
    recipient_email: str = ""


@dataclass(frozen=True)
class Collect:
    """`/vouchers collect @person "Farewell" [goal] [by <date>]`: a group gift
    (core.group_gifts)."""

    recipient_id: str
    text: str  # what follows the person, read by core.group_gifts.parse_collect


SlashCommand = ShowHelp | ShowWallet | Browse | Buy | SendGift | SetCountry | Collect
_COLLECT = re.compile(
    r"^collect\s+<@([UW][A-Z0-9]+)(?:\|[^>]*)?>\s*(.*)$", re.DOTALL | re.IGNORECASE
)
GIFT_USAGE = later(
    "To send a gift: {usage} (or a work email instead of @person, for a colleague in Teams)",
    usage="`/vouchers gift @person <product id> <amount> [on 2026-12-24 09:00] [a message]`",
)
# With should_escape, Slack writes a mention as <@U123|name> (or <@U123> for newer apps).
_GIFT = re.compile(
    # An email arrives as <mailto:ada@example.com|ada@example.com>, or as typed.
    r"^gift\s+(?:<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|<mailto:([^|>\s]+@[^|>\s]+)(?:\|[^>]*)?>|([^<>\s]+@[^<>\s]+))"
    r"\s+(\S+)\s+(\S+)"
    r"(?:\s+on\s+(\d{4}-\d{2}-\d{2}(?:\s+\d{1,2}:\d{2})?))?\s*(.*)$",
    re.DOTALL | re.IGNORECASE,
)


@dataclass(frozen=True)
class SlackAddress:
    """Where an order lives in Slack; stored as a ConversationRef's JSON address."""

    team: str
    user: str
    channel: str = ""
    enterprise: str = ""
    response_url: str = ""  # lets us replace the (often ephemeral) order message for 30 minutes
    ts: str = (
        ""  # the order message's ts when the app posted it itself, so chat.update works for good
    )
    ephemeral: bool = True

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> SlackAddress:
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


# --- slash command text -----------------------------------------------------------------


def parse_command(text: str) -> SlashCommand:
    """Read `/vouchers` text: `help`, `mine`, `buy <id> <amount>`, or a search with filters."""
    words = text.split()
    head = words[0].lower() if words else ""
    if head in ("help", "?"):
        return ShowHelp()
    if head in ("mine", "wallet"):
        return ShowWallet()
    if head == "buy":
        return Buy(words[1], words[2]) if len(words) == 3 else ShowHelp()
    if head == "gift":
        return parse_gift(text.strip())
    if head == "collect":
        found = _COLLECT.match(text.strip())
        if found is None:
            raise InvalidQuery(
                'To start a group gift: `/vouchers collect @person "Farewell" [150] [by '
                "2026-07-01]`"
            )
        return Collect(found.group(1), found.group(2))
    if head == "country":
        return SetCountry(words[1]) if len(words) == 2 else ShowHelp()
    return Browse(query_from_text(text))


def parse_gift(text: str) -> SendGift:
    match = _GIFT.match(text)
    if match is None:
        raise InvalidQuery(GIFT_USAGE)
    recipient, mailto, email, product_id, amount, when, message = match.groups()
    return SendGift(
        recipient or "", product_id, amount, when or "", message.strip(), mailto or email or ""
    )


def query_from_text(text: str, per_page: int = 5) -> CatalogQuery:
    """`coffee currency:EUR country:DE max:50 page:2` → CatalogQuery (prices in minor units)."""
    words: list[str] = []
    filters: dict[str, str] = {}
    for token in text.split():
        key, colon, value = token.partition(":")
        if colon and value and key.lower() in FILTERS:
            filters[key.lower()] = value
        else:
            words.append(token)
    currency = _currency(filters.get("currency"))
    return CatalogQuery(
        text=" ".join(words)[:MAX_SEARCH_TEXT],
        country=_country(filters.get("country")),
        currency=currency,
        category=filters["category"].lower()[:MAX_CATEGORY] if "category" in filters else None,
        max_price=_price(filters.get("max"), currency),
        min_price=_price(filters.get("min"), currency),
        page=_page(filters.get("page")),
        per_page=per_page,
    )


def _currency(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_currency(value)
    except ValueError:
        raise InvalidQuery(
            later(
                "{typed} is not a currency code; try {example}.",
                typed=f"`currency:{value}`",
                example="`currency:EUR`",
            )
        ) from None


def _country(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) != 2 or not value.isalpha():
        raise InvalidQuery(
            later(
                "{typed} is not a two-letter country code; try {example}.",
                typed=f"`country:{value}`",
                example="`country:DE`",
            )
        )
    return value.upper()


def _price(value: str | None, currency: str | None) -> int | None:
    if value is None:
        return None
    try:
        # Without a currency filter, read prices with two decimals, the most common exponent.
        return Money.parse(value, currency or "USD").minor
    except ValueError:
        raise InvalidQuery(
            later("{typed} is not a price; try {example}.", typed=f"`{value}`", example="`max:50`")
        ) from None


def _page(value: str | None) -> int:
    if value is None:
        return 1
    if not value.isdigit() or int(value) < 1:
        raise InvalidQuery(
            later(
                "{typed} is not a page number; try {example}.",
                typed=f"`page:{value}`",
                example="`page:2`",
            )
        )
    return int(value)


# --- queries and choices carried in element values -----------------------------------------


def encode_query(query: CatalogQuery, reward_id: str = "") -> str:
    """A compact, deterministic text form of a query for a button value (and the reward being
    spent)."""
    return _compact({**_query_fields(query), **_reward_field(reward_id)})


def decode_query(value: str, per_page: int = 5) -> CatalogQuery:
    return _query_from(_json_object(value), per_page)


def encode_choice(product_id: str, query: CatalogQuery, reward_id: str = "") -> str:
    """A Choose button's value: the product, the page to come back to, and the reward being
    spent."""
    return _compact({"id": product_id, "q": _query_fields(query), **_reward_field(reward_id)})


def chosen_product(action: Payload) -> tuple[str, CatalogQuery]:
    """The product a Choose button or the product picker selected, and the query to go back to."""
    if action.get("type") == "external_select":
        currency = picker_currency(str(action.get("block_id", "")))
        return str(action["selected_option"]["value"]), CatalogQuery(currency=currency)
    data = _json_object(str(action.get("value", "")))
    query = data.get("q")
    return str(data.get("id", "")), _query_from(query if isinstance(query, dict) else {})


def _query_fields(query: CatalogQuery) -> dict[str, Any]:
    data = {
        "t": query.text,
        "c": query.country,
        "u": query.currency,
        "x": query.max_price,
        "n": query.min_price,
        "p": query.page,
        "v": query.covers,
        "g": query.programme,
        "k": query.category,
    }
    return {k: v for k, v in data.items() if v not in (None, "")}


def _query_from(data: Mapping[str, Any], per_page: int = 5) -> CatalogQuery:
    return CatalogQuery(
        text=str(data.get("t", ""))[:MAX_SEARCH_TEXT],
        country=_str_or_none(data.get("c")),
        currency=_str_or_none(data.get("u")),
        max_price=_int_or_none(data.get("x")),
        min_price=_int_or_none(data.get("n")),
        page=max(1, _int_or_none(data.get("p")) or 1),
        per_page=per_page,
        covers=_int_or_none(data.get("v")),
        programme=_str_or_none(data.get("g")),
        category=_str_or_none(data.get("k")),
    )


def encode_denomination(product_id: str, minor: int, reward_id: str = "") -> str:
    # The plain form starts with digits; the form with a reward is JSON, so the two never mix up.
    if reward_id:
        return _compact({"m": minor, "p": product_id, **_reward_field(reward_id)})
    return f"{minor}|{product_id}"


def chosen_denomination(action: Payload) -> tuple[str, int]:
    """(product id, minor units) from a denomination button or select."""
    value = str(
        action["selected_option"]["value"] if "selected_option" in action else action["value"]
    )
    if value.startswith("{"):
        data = _json_object(value)
        return str(data.get("p", "")), _int_or_none(data.get("m")) or 0
    minor, _, product_id = value.partition("|")
    return product_id, int(minor)


def product_ref(product_id: str, reward_id: str = "") -> str:
    """The product an amount input belongs to: its id, or JSON with the reward being spent."""
    return _compact({"p": product_id, **_reward_field(reward_id)}) if reward_id else product_id


def amount_block_id(product_id: str, reward_id: str = "") -> str:
    return f"{ids.AMOUNT_BLOCK}:{product_ref(product_id, reward_id)}"


def typed_amount(body: Payload, action: Payload) -> tuple[str, str]:
    """(product id, text typed) from the amount input (Enter) or the Buy button next to it."""
    if action.get("type") == "plain_text_input":
        block_id = str(action["block_id"])
        return _product_of(block_id.partition(":")[2]), str(action.get("value") or "")
    ref = str(action.get("value", ""))
    values = (body.get("state") or {}).get("values") or {}
    entered = values.get(f"{ids.AMOUNT_BLOCK}:{ref}", {}).get(ids.AMOUNT_INPUT, {})
    return _product_of(ref), str(entered.get("value") or "")


def _product_of(ref: str) -> str:
    return str(_json_object(ref).get("p", "")) if ref.startswith("{") else ref


def picker_block_id(reward_id: str = "", currency: str = "") -> str:
    """The product picker's block id; spending a reward, it carries the reward and its currency."""
    if not reward_id:
        return ids.PICKER_BLOCK
    return f"{ids.PICKER_BLOCK}:{_compact({**_reward_field(reward_id), 'u': currency})}"


def picker_currency(block_id: str) -> str | None:
    """The currency a reward's product picker searches in (None for the plain picker)."""
    return _str_or_none(_context_data(block_id).get("u"))


def reward_of(action: Payload) -> str:
    """The reward an element was rendered for ('' for a plain purchase): in its value or block
    id."""
    typed = action.get("type") == "plain_text_input"  # its value is what the person typed, not ours
    selected = (action.get("selected_option") or {}).get("value")
    candidates = ([] if typed else [action.get("value"), selected]) + [action.get("block_id")]
    for text in candidates:
        reward = _context_data(str(text or "")).get("r")
        if isinstance(reward, str) and reward:
            return reward
    return ""


def _context_data(text: str) -> dict[str, Any]:
    """The JSON our element values and block ids carry, alone or after a `prefix:`."""
    candidate = text if text.startswith("{") else text.partition(":")[2]
    return _json_object(candidate) if candidate.startswith("{") else {}


def _reward_field(reward_id: str) -> dict[str, str]:
    return {"r": reward_id} if reward_id else {}


def _compact(data: Mapping[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"))


# --- who, where, and which request -----------------------------------------------------------


def user_of(body: Payload) -> ChatUser:
    """The person behind a slash command or an interaction."""
    if "user_id" in body:  # slash commands arrive as flat form fields
        return ChatUser(
            PLATFORM, str(body["team_id"]), str(body["user_id"]), str(body.get("user_name", ""))
        )
    user = body["user"]
    team = (body.get("team") or {}).get("id") or user.get("team_id") or body.get("team_id")
    return ChatUser(
        PLATFORM, str(team), str(user["id"]), str(user.get("name") or user.get("username") or "")
    )


def user_of_event(body: Payload) -> ChatUser:
    """The person an Events API callback is about (app_home_opened)."""
    event = body["event"]
    team = body.get("team_id") or (event.get("view") or {}).get("team_id") or ""
    return ChatUser(PLATFORM, str(team), str(event["user"]))


def conversation_of(body: Payload) -> ConversationRef:
    """The address later order updates and the voucher go to."""
    user = user_of(body)
    container = body.get("container") or {}
    channel = (
        (body.get("channel") or {}).get("id")
        or container.get("channel_id")
        or body.get("channel_id", "")
    )
    ephemeral = bool(container.get("is_ephemeral", "command" in body))
    ts = "" if ephemeral else str(container.get("message_ts", ""))
    address = SlackAddress(
        team=user.tenant,
        user=user.user_id,
        channel=str(channel),
        enterprise=enterprise_of(body),
        response_url=str(body.get("response_url", "")),
        ts=ts,
        ephemeral=ephemeral,
    )
    return ConversationRef(PLATFORM, address.to_json())


def dm_of(team: str, user_id: str, enterprise: str = "") -> ConversationRef:
    """A person's DM with the app (where a gift is delivered), named by team and user."""
    address = SlackAddress(team=team, user=user_id, enterprise=enterprise, ephemeral=False)
    return ConversationRef(PLATFORM, address.to_json())


def command_request_key(body: Payload) -> str:
    """A slash command's trigger_id is unique per invocation and identical on Slack's retries."""
    return f"slack:{body['team_id']}:{body['user_id']}:command:{body['trigger_id']}"


def action_request_key(body: Payload, product_id: str) -> str:
    """One order per product per message: retries and double clicks on the same message share it."""
    user = user_of(body)
    container = body.get("container") or {}
    action = (body.get("actions") or [{}])[0]
    where = container.get("message_ts") or container.get("view_id") or action.get("action_ts", "")
    return f"slack:{user.tenant}:{user.user_id}:{where}:{product_id}"


def enterprise_of(body: Payload) -> str:
    """The Enterprise Grid org a payload comes from ('' for a standalone workspace)."""
    enterprise = body.get("enterprise") or {}
    team = body.get("team") or {}
    return str(enterprise.get("id") or team.get("enterprise_id") or body.get("enterprise_id") or "")


def _json_object(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
