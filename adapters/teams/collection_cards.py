"""Adaptive Cards for group gifts: the card in the chat (goal, progress, who chipped in) and the
chip-in dialog."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.i18n import ENGLISH, Localizer
from adapters.teams.answer import Card
from adapters.teams.cards import VERSION
from adapters.teams.translate import COMMAND
from core.collections import CollectionCard

MAX_NAMES = 40  # one TextBlock; far below Teams' 28 KB per message
BAR = 20


def collection_card(card: CollectionCard, loc: Localizer = ENGLISH) -> Card:
    """Amounts appear only for contributors who chose to show theirs; the total always does."""
    title = loc._("Group gift for {name}: {title}", name=card.recipient_name, title=card.title)
    body: list[Card] = [
        _text(f"🎁 {title}", size="Medium", weight="Bolder"),
        _text(_progress(card, loc)),
        _text(_people(card, loc)),
        _text(_dates(card, loc), isSubtle=True, size="Small"),
    ]
    actions: list[Card] = []
    if card.open:
        actions = [
            {
                "type": "Action.Submit",
                "title": loc._("Chip in"),
                # Teams turns an Action.Submit whose data says task/fetch into a dialog request.
                "data": {
                    COMMAND: "col_chip",
                    "collection": card.collection_id,
                    "msteams": {"type": "task/fetch"},
                },
            },
            {
                "type": "Action.Submit",
                "title": loc._("Close and send"),
                "data": {COMMAND: "col_close", "collection": card.collection_id},
            },
            {
                "type": "Action.Submit",
                "title": loc._("Show or hide my amount"),
                "data": {COMMAND: "col_mine", "collection": card.collection_id},
            },
        ]
    return _card(body, actions)


def chip_in_card(
    card: CollectionCard,
    loc: Localizer = ENGLISH,
    error: str = "",
    typed: Mapping[str, str] | None = None,
) -> Card:
    """The dialog Chip in opens: the amount, and whether the card may show it."""
    typed = typed or {}
    body: list[Card] = [
        _text(
            loc._("Group gift for {name}: {title}", name=card.recipient_name, title=card.title),
            weight="Bolder",
        )
    ]
    if error:
        body.append(_text(error, color="Attention", weight="Bolder"))
    body += [
        _text(loc._("Your amount ({currency})", currency=card.total.currency), weight="Bolder"),
        {"type": "Input.Text", "id": "amount", "value": typed.get("amount", "")},
        {
            "type": "Input.Toggle",
            "id": "show",
            "title": loc._("Show my amount on the card"),
            "value": typed.get("show", "false"),
            "valueOn": "true",
            "valueOff": "false",
        },
    ]
    submit = {
        "type": "Action.Submit",
        "title": loc._("Continue to payment"),
        "data": {COMMAND: "col_chip_send", "collection": card.collection_id},
    }
    return _card(body, [submit])


def _progress(card: CollectionCard, loc: Localizer) -> str:
    total = loc.money(card.total)
    if card.goal is None:
        return loc._("{total} collected", total=f"**{total}**")
    filled = card.percent * BAR // 100
    bar = "█" * filled + "░" * (BAR - filled)
    collected = loc._(
        "{total} of {goal} collected", total=f"**{total}**", goal=loc.money(card.goal)
    )
    return f"{collected}\n\n{bar} {card.percent}%"


def _people(card: CollectionCard, loc: Localizer) -> str:
    if not card.contributors:
        return loc._("Nobody has chipped in yet.")
    names = [
        c.name + (f" ({loc.money(c.amount)})" if c.amount is not None else "")
        for c in card.contributors[:MAX_NAMES]
    ]
    more = len(card.contributors) - len(names)
    listed = ", ".join(names) + (f" +{more}" if more > 0 else "")
    return loc._("Chipped in: {names}", names=listed)


def _dates(card: CollectionCard, loc: Localizer) -> str:
    organiser = loc._("Started by {name}.", name=card.organiser_name)
    if card.status == "closed":
        return f"{organiser} " + loc._("Closed: the gift is on its way.")
    if card.status == "expired":
        return f"{organiser} " + loc._("Never closed: every contribution was refunded.")
    if card.closes_on:
        return f"{organiser} " + loc._("Closes on {date}.", date=loc.date(card.closes_on))
    return f"{organiser} " + loc._(
        "Refunded on {date} unless it is closed before.", date=loc.date(card.deadline_on)
    )


def _card(body: list[Card], actions: list[Card]) -> Card:
    card: Card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": VERSION,
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return card


def _text(text: str, **style: object) -> Card:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}
