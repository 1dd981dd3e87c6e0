"""Pure translation of `/reward`, its form and bulk rows into the core's terms: who, how much,
where.

Slack sends a command's mentions escaped (the manifest sets `should_escape: true`): people as
`<@U123|name>`, user groups as `<!subteam^S123|@team>`, and `<!channel>` / `<!here>`. Literal `&`,
`<` and `>` arrive as `&amp;`, `&lt;` and `&gt;`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from adapters.i18n import ENGLISH, Localizer, words
from adapters.i18n.phrases import Phrase, later
from adapters.slack import action_ids as ids
from adapters.slack.translate import PLATFORM, SlackAddress
from core.amounts import AmountRefused, read_amount_with, take_amount
from core.identity import ConversationRef

USAGE = "Try `/reward @ada @team-x 25 USD Thanks for the launch`, or `/reward` alone for a form."
MENTION = re.compile(r"<(?P<kind>@|!subteam\^|!)(?P<id>[^>|\s]+)(?:\|(?P<label>[^>]*))?>")
ANY_ESCAPE = re.compile(r"<([^<>]+)>")
CHANNEL_WIDE = frozenset({"channel", "here"})

Payload = Mapping[str, Any]


class InvalidReward(ValueError):
    """The /reward text cannot be read; the message says how to write it, in the person's language
    (`phrase`, said by `words.error_text`); an amount refused by the core is its `__cause__`."""

    def __init__(self, phrase: Phrase | str) -> None:
        super().__init__(str(phrase))
        self.phrase = phrase if isinstance(phrase, Phrase) else None


@dataclass(frozen=True)
class RewardText:
    """`/reward <people> <amount> [<currency>] <reason>`, read but not yet resolved."""

    users: tuple[str, ...]
    groups: tuple[str, ...]
    channel_wide: bool
    amount: str
    currency: str | None
    reason: str


@dataclass(frozen=True)
class RewardForm:
    """What the /reward form was submitted with, and where it was opened from."""

    users: tuple[str, ...]
    amount: str
    currency: str
    reason: str
    programme_id: str
    channel: str
    response_url: str


# --- the command ----------------------------------------------------------------------------


def parse_reward(text: str, currencies: Collection[str] = ()) -> RewardText:
    """Read mentions, then the amount and its currency as the core reads them, then the reason."""
    users, groups, wide, rest = _mentions(text.strip())
    if not (users or groups or wide):
        raise InvalidReward(
            later(
                "Start with the people to thank. Try `/reward @ada @team-x 25 USD Thanks for the "
                "launch`, or `/reward` alone for a form."
            )
        )
    try:
        amount, rest = take_amount(rest, currencies)
    except AmountRefused as exc:
        raise InvalidReward(str(exc)) from exc
    if amount is None:
        raise InvalidReward(
            later(
                "Give the amount after the names. Try `/reward @ada @team-x 25 USD Thanks for the "
                "launch`, or `/reward` alone for a form."
            )
        )
    return RewardText(users, groups, wide, amount.number, amount.currency, plain_text(rest))


def _mentions(text: str) -> tuple[tuple[str, ...], tuple[str, ...], bool, str]:
    users: list[str] = []
    groups: list[str] = []
    wide = False
    while (found := MENTION.match(text)) is not None:
        kind, ident = found["kind"], found["id"]
        if kind == "@":
            users.append(ident)
        elif kind == "!subteam^":
            groups.append(ident)
        elif ident in CHANNEL_WIDE:
            wide = True
        else:
            raise InvalidReward(
                later(
                    "`@{name}` is too many people for one reward; use a CSV file instead.",
                    name=ident,
                )
            )
        text = text[found.end() :].lstrip()
    return tuple(dict.fromkeys(users)), tuple(dict.fromkeys(groups)), wide, text


def plain_text(text: str) -> str:
    """Slack's escaped text as people read it: `<@U1|ada>` becomes `@ada`, `&amp;` becomes `&`."""
    readable = ANY_ESCAPE.sub(lambda m: _readable(m.group(1)), text)
    return readable.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def _readable(escaped: str) -> str:
    target, _, label = escaped.partition("|")
    if target.startswith(("@", "#")):
        return target[0] + (label.lstrip("@#") or target[1:])
    if target.startswith("!subteam^"):
        return "@" + (label.lstrip("@") or target.removeprefix("!subteam^"))
    if target.startswith("!"):
        return "@" + (label.lstrip("@") or target[1:])
    return label or target


# --- the form ---------------------------------------------------------------------------------


def modal_metadata(channel: str, response_url: str) -> str:
    """Kept in the form's private_metadata: where to show the confirmation once it is submitted."""
    return json.dumps({"c": channel, "u": response_url}, separators=(",", ":"))


def reward_form(view: Payload) -> RewardForm:
    values = (view.get("state") or {}).get("values") or {}

    def entry(block: str) -> Payload:
        found = (values.get(block) or {}).get(block) or {}
        return found if isinstance(found, Mapping) else {}

    def selected(block: str) -> str:
        return str((entry(block).get("selected_option") or {}).get("value") or "")

    metadata = _json_object(str(view.get("private_metadata") or ""))
    return RewardForm(
        users=tuple(str(u) for u in entry(ids.REWARD_RECIPIENTS).get("selected_users") or ()),
        amount=str(entry(ids.REWARD_AMOUNT).get("value") or "").strip(),
        currency=selected(ids.REWARD_CURRENCY),
        reason=str(entry(ids.REWARD_REASON).get("value") or ""),
        programme_id=selected(ids.REWARD_PROGRAMME),
        channel=str(metadata.get("c") or ""),
        response_url=str(metadata.get("u") or ""),
    )


def form_errors(form: RewardForm, loc: Localizer = ENGLISH) -> dict[str, str]:
    """What Slack can show next to the form's fields before it closes (only what needs no
    lookup)."""
    errors = {}
    if not form.users:
        errors[ids.REWARD_RECIPIENTS] = loc._("Choose at least one colleague.")
    try:
        typed = read_amount_with(form.amount, form.currency)
        typed.money(
            typed.currency or "USD"
        )  # decimals: with no currency picked yet, the common two
    except ValueError as exc:
        errors[ids.REWARD_AMOUNT] = words.error_text(exc, loc)
    return errors


# --- addresses and keys -----------------------------------------------------------------------


def dm_address(team: str, user: str, enterprise: str = "") -> ConversationRef:
    """A person's private conversation with the app; the sender opens it with conversations.open."""
    address = SlackAddress(team=team, user=user, enterprise=enterprise, ephemeral=False)
    return ConversationRef(PLATFORM, address.to_json())


def channel_address(
    team: str, user: str, channel: str, enterprise: str = ""
) -> ConversationRef | None:
    """Where a reward was given (a channel, or the DM it was typed in): a peer programme may thank
    them there."""
    if not channel:
        return None
    address = SlackAddress(
        team=team, user=user, channel=channel, enterprise=enterprise, ephemeral=False
    )
    return ConversationRef(PLATFORM, address.to_json())


def reward_request_key(team: str, user: str, confirmation_id: str) -> str:
    """One send per confirmation: a double click or Slack's retry of the click repeats the key."""
    return f"slack:{team}:{user}:reward:{confirmation_id}"


def row_request_key(team: str, file_id: str, line: int) -> str:
    """One reward per CSV row: processing the same file again (a retried event) sends nothing
    twice."""
    return f"slack:{team}:file:{file_id}:row:{line}"


def _json_object(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
