"""Adaptive Cards for gifts: the recipient's voucher with the sender's note, the buyer's receipt (no code)."""

from __future__ import annotations

from datetime import UTC

from adapters.teams.answer import Card
from adapters.teams.cards import VERSION, voucher_card, wallet_card
from adapters.teams.reward_cards import PEOPLE_DATASET
from adapters.teams.translate import COMMAND
from core.views import GiftDelivery, GiftReceipt, ProductCard, Wallet

MAX_GIFT_ROWS = 10


def gift_card(gift: GiftDelivery) -> Card:
    card = voucher_card(gift.voucher)
    intro = [_text(f"🎁 {gift.from_name} sent you a gift", size="Medium", weight="Bolder")]
    if gift.message:
        intro.append(_text(f"“{gift.message}”", isSubtle=False))
    return {**card, "body": [*intro, *card["body"]]}


def gift_form_card(card: ProductCard, amount: str) -> Card:
    """Who (people picker), optionally when, and a message; the product and amount come from the card."""
    body = [
        _text(f"Send {card.brand} as a gift", size="Medium", weight="Bolder"),
        _text(f"Amount: {amount} {card.currency}" if amount else card.price_label),
        _text("To", weight="Bolder"),
        {
            "type": "Input.ChoiceSet",
            "id": "to",
            "choices": [],
            "choices.data": {"type": "Data.Query", "dataset": PEOPLE_DATASET},
            "placeholder": "Search for a colleague",
        },
        _text("Deliver on (optional; 09:00 if no time)", weight="Bolder"),
        {"type": "Input.Date", "id": "date"},
        {"type": "Input.Time", "id": "time"},
        _text("Message", weight="Bolder"),
        {"type": "Input.Text", "id": "note", "isMultiline": True, "maxLength": 500},
    ]
    data = {COMMAND: "gift_send", "product": card.product_id, "amount": amount}
    return _card(body, [{"type": "Action.Submit", "title": "Continue to payment", "data": data}])


def receipt_card(receipt: GiftReceipt) -> Card:
    problem = (
        [
            _text(
                f"I couldn't deliver your gift to {receipt.recipient_name}: {receipt.problem}. "
                "An admin can resend it or refund it.",
                color="Attention",
                weight="Bolder",
            )
        ]
        if receipt.problem
        else []
    )
    body = [
        *problem,
        _text(f"Receipt: your gift to {receipt.recipient_name}", size="Medium", weight="Bolder"),
        {
            "type": "FactSet",
            "facts": [
                {"title": "Gift", "value": f"{receipt.brand}, {receipt.amount}"},
                {"title": "To", "value": receipt.recipient_name},
                {"title": "Delivery", "value": when(receipt)},
                {"title": "Paid", "value": f"{receipt.paid}{' (refunded)' if receipt.refunded else ''}"},
                {"title": "Order", "value": receipt.order_id},
            ],
        },
    ]
    return _card(body, _cancel(receipt))


def wallet_with_gifts(wallet: Wallet) -> Card:
    """`vouchers mine`, with the gifts the person sent (and Cancel on those still waiting) at the end."""
    card = wallet_card(wallet)
    if not wallet.gifts_sent:
        return card
    rows = [_text("Gifts you sent", weight="Bolder", separator=True)]
    for receipt in wallet.gifts_sent[:MAX_GIFT_ROWS]:
        line = f"{receipt.brand}, {receipt.amount} to {receipt.recipient_name}: {when(receipt)} ({receipt.order_id})"
        rows.append(_text(line))
        if receipt.can_cancel:
            rows.append({"type": "ActionSet", "actions": _cancel(receipt)})
    return {**card, "body": [*card["body"], *rows]}


def when(receipt: GiftReceipt) -> str:
    if receipt.status in ("cancelled", "delivered"):
        return receipt.status.capitalize()
    if receipt.deliver_at is None:
        return "Now, once paid"
    return f"Scheduled for {receipt.deliver_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _cancel(receipt: GiftReceipt) -> list[Card]:
    if not receipt.can_cancel:
        return []
    data = {COMMAND: "gift_cancel", "gift": receipt.gift_id}
    return [{"type": "Action.Submit", "title": "Cancel and refund", "data": data}]


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
