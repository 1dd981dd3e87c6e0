"""Adaptive Cards for gifts: the recipient's voucher with the sender's note, the buyer's receipt (no
code)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC

from adapters.i18n import ENGLISH, Localizer, words
from adapters.teams.answer import Card
from adapters.teams.cards import VERSION, voucher_card, wallet_card
from adapters.teams.gift_translate import Author
from adapters.teams.reward_cards import PEOPLE_DATASET
from adapters.teams.translate import COMMAND
from core.money import Money
from core.views import GiftDelivery, GiftReceipt, ProductCard, Wallet

MAX_GIFT_ROWS = 10
PRODUCTS_DATASET = "voucherbot.products"  # the gift dialog's voucher picker searches the catalog


def gift_card(gift: GiftDelivery, loc: Localizer = ENGLISH) -> Card:
    card = voucher_card(gift.voucher, loc)
    sent = loc._("{name} sent you a gift", name=gift.from_name)
    intro = [_text(f"🎁 {sent}", size="Medium", weight="Bolder")]
    if gift.message:
        intro.append(_text(f"“{gift.message}”", isSubtle=False))
    return {**card, "body": [*intro, *card["body"]]}


def gift_form_card(card: ProductCard, amount: str, loc: Localizer = ENGLISH) -> Card:
    """Who (people picker), optionally when, and a message; the product and amount come from the
    card."""
    body = [
        _text(loc._("Send {brand} as a gift", brand=card.brand), size="Medium", weight="Bolder"),
        _text(_amount_line(card, amount, loc)),
        _text(loc._("To"), weight="Bolder"),
        {
            "type": "Input.ChoiceSet",
            "id": "to",
            "choices": [],
            "choices.data": {"type": "Data.Query", "dataset": PEOPLE_DATASET},
            "placeholder": loc._("Search for a colleague"),
        },
        _text(loc._("Deliver on (optional; 09:00 if no time)"), weight="Bolder"),
        {"type": "Input.Date", "id": "date"},
        {"type": "Input.Time", "id": "time"},
        _text(loc._("Message"), weight="Bolder"),
        {"type": "Input.Text", "id": "note", "isMultiline": True, "maxLength": 500},
    ]
    data = {COMMAND: "gift_send", "product": card.product_id, "amount": amount}
    submit = {"type": "Action.Submit", "title": loc._("Continue to payment"), "data": data}
    return _card(body, [submit])


def gift_extension_card(
    products: Sequence[ProductCard],
    typed: Mapping[str, str],
    author: Author | None = None,
    error: str = "",
    loc: Localizer = ENGLISH,
) -> Card:
    """The "Send a gift" dialog: who (people picker, or a work email for someone in Slack), which
    voucher and amount, optionally when, and a message. `typed` is what the form held before (the
    author of the message the extension was opened on, at first)."""
    body: list[Card] = [_text(loc._("Send a gift"), size="Medium", weight="Bolder")]
    if error:
        body.append(_text(error, color="Attention", weight="Bolder"))
    picker: Card = {
        "type": "Input.ChoiceSet",
        "id": "to",
        "choices": [],
        "choices.data": {"type": "Data.Query", "dataset": PEOPLE_DATASET},
        "placeholder": loc._("Search for a colleague"),
    }
    if author is not None and typed.get("to") == author.aad:
        # The picker shows a preselected person only when it is one of its choices.
        picker.update(choices=[{"title": author.name, "value": author.aad}], value=author.aad)
    listed = {p.product_id for p in products}
    chosen = typed["product"] if typed.get("product") in listed else products[0].product_id
    body += [
        _text(loc._("To"), weight="Bolder"),
        picker,
        _field("email", loc._("…or their work email (a colleague in Slack)"), typed),
        _text(loc._("Gift"), weight="Bolder"),
        {
            "type": "Input.ChoiceSet",
            "id": "product",
            "style": "compact",
            # The first page, shown before anything is typed (and by clients without typeahead);
            # typing searches the whole catalog (the application/search invoke).
            "choices": [product_choice(p, loc) for p in products],
            "choices.data": {"type": "Data.Query", "dataset": PRODUCTS_DATASET},
            "value": chosen,
        },
        _text(loc._("Amount"), weight="Bolder"),
        _field("amount", "25", typed),
        _text(loc._("Deliver on (optional; 09:00 if no time)"), weight="Bolder"),
        {"type": "Input.Date", "id": "date", **_value(typed, "date")},
        {"type": "Input.Time", "id": "time", **_value(typed, "time")},
        _text(loc._("Message"), weight="Bolder"),
        {**_field("note", "", typed), "isMultiline": True, "maxLength": 500},
    ]
    data: dict[str, str] = {COMMAND: "gift_send"}
    if author is not None:
        data.update(author=author.aad, author_name=author.name)
    submit = {"type": "Action.Submit", "title": loc._("Continue to payment"), "data": data}
    return _card(body, [submit])


def product_choice(card: ProductCard, loc: Localizer = ENGLISH) -> dict[str, str]:
    """'Lantern Tea House: from €5 to €200', as listed in the dialog and found by typing."""
    return {"title": f"{card.brand}: {words.price_label(card, loc)}", "value": card.product_id}


def _field(input_id: str, placeholder: str, typed: Mapping[str, str]) -> Card:
    field: Card = {"type": "Input.Text", "id": input_id, **_value(typed, input_id)}
    if placeholder:
        field["placeholder"] = placeholder
    return field


def _value(typed: Mapping[str, str], input_id: str) -> dict[str, str]:
    return {"value": typed[input_id]} if typed.get(input_id) else {}


def _amount_line(card: ProductCard, amount: str, loc: Localizer) -> str:
    """'Amount: $25.00', as the person reads it; what was typed when it is not an amount."""
    if not amount:
        return words.price_label(card, loc)
    try:
        shown = loc.money(Money.parse(amount, card.currency))
    except ValueError:
        shown = f"{amount} {card.currency}"
    return loc._("Amount: {amount}", amount=shown)


def receipt_card(receipt: GiftReceipt, loc: Localizer = ENGLISH) -> Card:
    name = receipt.recipient_name
    problem = (
        [
            _text(
                loc._(
                    "I couldn't deliver your gift to {name}: {problem}. An admin can resend it or "
                    "refund it.",
                    name=name,
                    problem=receipt.problem,
                ),
                color="Attention",
                weight="Bolder",
            )
        ]
        if receipt.problem
        else []
    )
    paid = loc.money(receipt.paid)
    body = [
        *problem,
        _text(loc._("Receipt: your gift to {name}", name=name), size="Medium", weight="Bolder"),
        {
            "type": "FactSet",
            "facts": [
                {"title": loc._("Gift"), "value": f"{receipt.brand}, {loc.money(receipt.amount)}"},
                {"title": loc._("To"), "value": name},
                {"title": loc._("Delivery"), "value": when(receipt, loc)},
                {
                    "title": loc._("Paid"),
                    "value": loc._("{paid} (refunded)", paid=paid) if receipt.refunded else paid,
                },
                {"title": loc._("Order"), "value": receipt.order_id},
            ],
        },
    ]
    return _card(body, _cancel(receipt, loc))


def wallet_with_gifts(wallet: Wallet, loc: Localizer = ENGLISH) -> Card:
    """`vouchers mine`, with the gifts the person sent (and Cancel on those still waiting) at the
    end."""
    card = wallet_card(wallet, loc)
    if not wallet.gifts_sent:
        return card
    rows = [_text(loc._("Gifts you sent"), weight="Bolder", separator=True)]
    for receipt in wallet.gifts_sent[:MAX_GIFT_ROWS]:
        what = loc._(
            "{brand} · {amount} to {name}",
            brand=receipt.brand,
            amount=loc.money(receipt.amount),
            name=receipt.recipient_name,
        )
        rows.append(_text(f"{what}: {when(receipt, loc)} ({receipt.order_id})"))
        if receipt.can_cancel:
            rows.append({"type": "ActionSet", "actions": _cancel(receipt, loc)})
    return {**card, "body": [*card["body"], *rows]}


def when(receipt: GiftReceipt, loc: Localizer = ENGLISH) -> str:
    if receipt.status == "cancelled":
        return loc._("Cancelled")
    if receipt.status == "delivered":
        return loc._("Delivered")
    if receipt.deliver_at is None:
        return loc._("Now, once paid")
    at = f"{loc.datetime(receipt.deliver_at.astimezone(UTC))} UTC"
    return loc._("Scheduled for {time}", time=at)


def _cancel(receipt: GiftReceipt, loc: Localizer) -> list[Card]:
    if not receipt.can_cancel:
        return []
    data = {COMMAND: "gift_cancel", "gift": receipt.gift_id}
    return [{"type": "Action.Submit", "title": loc._("Cancel and refund"), "data": data}]


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
