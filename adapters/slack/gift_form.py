"""The "Send as a gift" form: a modal built from a product card, and its submission read back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.i18n import ENGLISH, Localizer, words
from adapters.slack import action_ids as ids
from adapters.slack.kit import STATIC_OPTIONS, Block, option, plain
from core.views import ProductCard

MODAL_TITLE = 24  # Slack's limit for a modal's title and button texts
NOTE_LIMIT = 500


@dataclass(frozen=True)
class GiftForm:
    product_id: str
    response_url: str  # the product message's, to show the order there
    recipient_id: str
    amount: str
    date: str  # YYYY-MM-DD, "" to deliver once paid
    time: str  # HH:MM, "" for 09:00 on that date
    note: str

    @property
    def when(self) -> str:
        return f"{self.date} {self.time}".strip() if self.date else ""


def gift_modal(card: ProductCard, response_url: str, loc: Localizer = ENGLISH) -> Block:
    """Who, how much, optionally when, and a message; the product is the one the button was on."""
    metadata = json.dumps({"p": card.product_id, "u": response_url}, separators=(",", ":"))
    amount_label = loc._("Amount ({price})", price=words.price_label(card, loc))
    blocks = [
        _input(
            ids.GIFT_TO,
            loc._("To"),
            {"type": "users_select", "placeholder": plain(loc._("A colleague"))},
        ),
        _input(ids.GIFT_AMOUNT, amount_label, _amount_element(card, loc)),
        _input(
            ids.GIFT_DATE, loc._("Deliver on (optional)"), {"type": "datepicker"}, optional=True
        ),
        _input(
            ids.GIFT_TIME, loc._("At, in their time zone"), {"type": "timepicker"}, optional=True
        ),
        _input(
            ids.GIFT_NOTE,
            loc._("Message"),
            {"type": "plain_text_input", "multiline": True, "max_length": NOTE_LIMIT},
            optional=True,
        ),
    ]
    return {
        "type": "modal",
        "callback_id": ids.GIFT_MODAL,
        "title": plain(loc._("Gift: {brand}", brand=card.brand)[:MODAL_TITLE]),
        "submit": plain(loc._("Continue to payment")[:MODAL_TITLE]),
        "close": plain(loc._("Cancel")),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def gift_form(view: Mapping[str, Any]) -> GiftForm:
    values = (view.get("state") or {}).get("values") or {}

    def entry(block: str) -> Mapping[str, Any]:
        found = (values.get(block) or {}).get(block) or {}
        return found if isinstance(found, Mapping) else {}

    amount = entry(ids.GIFT_AMOUNT)
    try:
        metadata = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        metadata = {}
    metadata = metadata if isinstance(metadata, dict) else {}
    return GiftForm(
        product_id=str(metadata.get("p") or ""),
        response_url=str(metadata.get("u") or ""),
        recipient_id=str(entry(ids.GIFT_TO).get("selected_user") or ""),
        amount=str(
            (amount.get("selected_option") or {}).get("value") or amount.get("value") or ""
        ).strip(),
        date=str(entry(ids.GIFT_DATE).get("selected_date") or ""),
        time=str(entry(ids.GIFT_TIME).get("selected_time") or ""),
        note=str(entry(ids.GIFT_NOTE).get("value") or "").strip(),
    )


def _amount_element(card: ProductCard, loc: Localizer) -> Block:
    if card.open_value:
        # The placeholder shows what to type: bare numbers, as the amount box reads them.
        span = loc._(
            "{minimum} to {maximum}", minimum=card.minimum.major(), maximum=card.maximum.major()
        )
        return {"type": "plain_text_input", "placeholder": plain(span)}
    # The label is the amount as the person reads it; the value stays what the checkout parses.
    choices = [
        option(loc.money(amount), f"{amount.major()}")
        for amount in card.denominations[:STATIC_OPTIONS]
    ]
    return {"type": "static_select", "options": choices, "initial_option": choices[0]}


def _input(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {**element, "action_id": block_id},
    }
    if optional:
        block["optional"] = True
    return block
