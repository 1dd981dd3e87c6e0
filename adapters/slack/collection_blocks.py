"""Block Kit for group gifts: the channel card (goal, progress, who chipped in) and the chip-in
form."""

from __future__ import annotations

from typing import Any

from adapters.i18n import ENGLISH, Localizer
from adapters.slack import action_ids as ids
from adapters.slack.kit import Block, Message, actions, button, context, escape, plain, section
from core.collections import CollectionCard

MAX_NAMES = 40  # a long list stays one section (Slack's 3,000 characters)
BAR = 20


def card_message(card: CollectionCard, loc: Localizer = ENGLISH) -> Message:
    """Amounts appear only for contributors who chose to show theirs; the total always does."""
    title = loc._("Group gift for {name}: {title}", name=card.recipient_name, title=card.title)
    blocks: list[Block] = [
        section(f":gift: *{escape(title)}*"),
        section(_progress(card, loc)),
        section(_people(card, loc)),
        context(_dates(card, loc)),
    ]
    if card.open:
        blocks.append(
            actions(
                "vb_col_actions",
                [
                    button(
                        loc._("Chip in"),
                        ids.COLLECT_CHIP_IN,
                        value=card.collection_id,
                        style="primary",
                    ),
                    button(loc._("Close and send"), ids.COLLECT_CLOSE, value=card.collection_id),
                    button(
                        loc._("Show or hide my amount"), ids.COLLECT_MINE, value=card.collection_id
                    ),
                ],
            )
        )
    return Message(title, blocks)


def _progress(card: CollectionCard, loc: Localizer) -> str:
    total = loc.money(card.total)
    if card.goal is None:
        return loc._("{total} collected", total=f"*{total}*")
    filled = card.percent * BAR // 100
    bar = "█" * filled + "░" * (BAR - filled)
    collected = loc._("{total} of {goal} collected", total=f"*{total}*", goal=loc.money(card.goal))
    return f"{collected}\n`{bar}` {card.percent}%"


def _people(card: CollectionCard, loc: Localizer) -> str:
    if not card.contributors:
        return loc._("Nobody has chipped in yet.")
    names = [
        escape(c.name) + (f" ({loc.money(c.amount)})" if c.amount is not None else "")
        for c in card.contributors[:MAX_NAMES]
    ]
    more = len(card.contributors) - len(names)
    listed = ", ".join(names) + (f" +{more}" if more > 0 else "")
    return loc._("Chipped in: {names}", names=listed)


def _dates(card: CollectionCard, loc: Localizer) -> str:
    organiser = loc._("Started by {name}.", name=escape(card.organiser_name))
    if card.status == "closed":
        return f"{organiser} " + loc._("Closed: the gift is on its way.")
    if card.status == "expired":
        return f"{organiser} " + loc._("Never closed: every contribution was refunded.")
    if card.closes_on:
        return f"{organiser} " + loc._("Closes on {date}.", date=loc.date(card.closes_on))
    return f"{organiser} " + loc._(
        "Refunded on {date} unless it is closed before.", date=loc.date(card.deadline_on)
    )


def chip_in_modal(card: CollectionCard, loc: Localizer = ENGLISH) -> Block:
    show = loc._("Show my amount on the card")
    return {
        "type": "modal",
        "callback_id": ids.COLLECT_MODAL,
        "title": plain(loc._("Chip in")[:24]),
        "submit": plain(loc._("Continue to payment")[:24]),
        "close": plain(loc._("Cancel")),
        "private_metadata": card.collection_id,
        "blocks": [
            section(
                escape(
                    loc._(
                        "Group gift for {name}: {title}", name=card.recipient_name, title=card.title
                    )
                )
            ),
            {
                "type": "input",
                "block_id": ids.COLLECT_AMOUNT,
                "label": plain(loc._("Your amount ({currency})", currency=card.total.currency)),
                "element": {"type": "plain_text_input", "action_id": ids.COLLECT_AMOUNT},
            },
            {
                "type": "input",
                "block_id": ids.COLLECT_SHOW,
                "optional": True,
                "label": plain(loc._("On the card")),
                "element": {
                    "type": "checkboxes",
                    "action_id": ids.COLLECT_SHOW,
                    "options": [{"text": plain(show), "value": "show"}],
                },
            },
        ],
    }


def chip_in_form(view: dict[str, Any]) -> tuple[str, str, bool]:
    """(collection id, amount as typed, show the amount) from the submitted form."""
    values = (view.get("state") or {}).get("values") or {}
    amount = ((values.get(ids.COLLECT_AMOUNT) or {}).get(ids.COLLECT_AMOUNT) or {}).get("value")
    show = ((values.get(ids.COLLECT_SHOW) or {}).get(ids.COLLECT_SHOW) or {}).get(
        "selected_options"
    ) or []
    return str(view.get("private_metadata") or ""), str(amount or "").strip(), bool(show)
