"""Pure functions from core views to Adaptive Cards that Teams desktop, web and mobile all render.

Cards declare version 1.2 and use only what Teams mobile renders reliably (TextBlock, Image, ColumnSet,
FactSet, Container, ActionSet, inputs, Action.Submit, Action.OpenUrl). Buttons are Action.Submit: mobile
clients handle Action.Execute poorly. Every card stays far below Teams' 28 KB message limit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from botbuilder.core import CardFactory
from botbuilder.schema import Attachment

from adapters.teams.answer import Card
from adapters.teams.translate import COMMAND, query_data
from core.catalog import CatalogQuery
from core.money import Money
from core.views import (
    CatalogPage,
    OrderSummary,
    ProductCard,
    RewardSummary,
    VoucherDelivery,
    Wallet,
    WalletEntry,
    by_card,
    within,
)

Element = dict[str, Any]

VERSION = "1.2"
DESCRIPTION_CHARS = 280
WALLET_ENTRIES = 10
SEARCH_HINT = "Search with `vouchers coffee`, filter with `currency:EUR country:DE max:50`."


def attachment(card: Card) -> Attachment:
    return CardFactory.adaptive_card(card)


# --- the cards --------------------------------------------------------------------------------------


def catalog_card(page: CatalogPage, reward: RewardSummary | None = None, rate_note: str = "") -> Card:
    """One page of the catalog: each product with image, brand, name, prices and a Choose button.

    Browsing to spend a reward, every button carries the reward's id so the order is paid from it.
    """
    query = page.query
    spend = _spending(reward.reward_id if reward else "")
    body: list[Element] = [_title("Gift vouchers"), _subtle(_catalog_summary(page))]
    if reward is not None:
        body.append(_reward_banner(reward, covered_only=query.max_price is not None))
    if rate_note:
        body.append(_subtle(rate_note))
    for card in page.cards:
        body.append(_product_row(card, query, spend))
    if not page.cards:
        body.append(_text("No vouchers match that. Try fewer words or filters."))
    body.append(_subtle(SEARCH_HINT))
    actions = []
    if page.has_previous:
        actions.append(_submit("◀ Previous", "browse", **query_data(_at_page(query, page.page - 1)), **spend))
    if page.has_next:
        actions.append(_submit("Next ▶", "browse", **query_data(_at_page(query, page.page + 1)), **spend))
    return _card(body, actions)


def product_card(card: ProductCard, back: CatalogQuery, error: str = "", reward_id: str = "") -> Card:
    """Choose a denomination, or type an amount within the product's open range."""
    body: list[Element] = [_product_header(card, "Medium")]
    if card.description:
        body.append(_text(_shorten(card.description), spacing="Small"))
    if card.open_value:
        body.append(_text(f"Amount in {card.currency}, {card.price_label}", weight="Bolder"))
        body.append(_amount_input(card))
    else:
        body.append(_text("Choose an amount", weight="Bolder"))
        body.append(_denomination_choice(card, back))
    if error:
        body.append(_text(error, color="Attention", weight="Bolder"))
    spend = _spending(reward_id)
    actions = [
        _submit("Continue to payment", "buy", product=card.product_id, **query_data(back), **spend),
        _submit("Back to vouchers", "browse", **query_data(back), **spend),
    ]
    if not reward_id:  # spending a reward is for oneself; otherwise the product can go to a colleague
        actions.append(_submit("Send as a gift", "gift_form", product=card.product_id))
    return _card(body, actions)


def order_card(summary: OrderSummary) -> Card:
    """The order as it moves on; updated in place. Pay opens the checkout page as a Teams dialog."""
    body: list[Element] = [
        _header(summary.image_url, summary.brand, summary.product_name, "Small"),
        _facts(
            ("Amount", summary.amount.label()), ("Status", summary.status_label), ("Order", summary.order_id)
        ),
    ]
    by_card = card_part(summary)
    if summary.paid_by_reward is not None:
        split = f"{summary.paid_by_reward} from your reward" + (
            f", {by_card} by card" if by_card.minor else ""
        )
        body.append(_text(split, weight="Bolder"))
    if summary.rate_note:
        body.append(_subtle(summary.rate_note))
    if summary.failure_reason:
        body.append(_text(summary.failure_reason, color="Attention"))
    actions: list[Element] = []
    if summary.can_pay and summary.checkout_url:
        # Teams turns an Action.Submit whose data says task/fetch into a dialog request (invoke task/fetch).
        actions.append(
            _submit(f"Pay {by_card}", "pay", order=summary.order_id, msteams={"type": "task/fetch"})
        )
        actions.append({"type": "Action.OpenUrl", "title": "Open in browser", "url": summary.checkout_url})
        body.append(_subtle("You pay on a secure checkout page; your voucher arrives here right after."))
    if summary.can_retry:
        actions.append(_submit("Try again", "retry", order=summary.order_id))
    return _card(body, actions)


def card_part(summary: OrderSummary) -> Money:
    """What the card pays: the price less the reward's share."""
    covered = summary.paid_by_reward.minor if summary.paid_by_reward is not None else 0
    return Money(summary.amount.minor - covered, summary.amount.currency)


def voucher_card(voucher: VoucherDelivery) -> Card:
    """What the owner redeems: code, PIN, instructions, expiry date; shown only in a personal chat."""
    body: list[Element] = [
        _header(voucher.image_url, voucher.brand, voucher.product_name, "Small"),
        _text(f"Your voucher: {voucher.amount.label()}", size="Medium", weight="Bolder"),
        _secret("Code", voucher.code),
    ]
    if voucher.pin:
        body.append(_secret("PIN", voucher.pin))
    body.append(
        _facts(
            ("Amount", voucher.amount.label()), ("Expires", voucher.expires_on), ("Order", voucher.order_id)
        )
    )
    if voucher.instructions:
        body.append(_text(voucher.instructions))
    if voucher.terms:
        body.append(_subtle(_shorten(voucher.terms, 600)))
    actions = (
        [{"type": "Action.OpenUrl", "title": "Redeem", "url": voucher.redeem_url}]
        if voucher.redeem_url
        else []
    )
    return _card(body, actions)


def voucher_notice(voucher: VoucherDelivery) -> str:
    """The line posted in a channel or group chat: never the code, only where to find it."""
    return (
        f"The {voucher.brand} voucher for order {voucher.order_id} is ready. "
        "I sent it to you in a personal chat with me."
    )


def wallet_card(wallet: Wallet) -> Card:
    """The person's open rewards, vouchers (newest first) and orders still in progress."""
    body: list[Element] = [_title("Your vouchers")]
    rewards = [r for r in wallet.rewards if r.spendable]
    if not wallet.entries and not wallet.pending and not rewards:
        body.append(_text("You have no vouchers yet. Type `vouchers` to browse the catalog."))
    for reward in rewards[:WALLET_ENTRIES]:
        body.append(_wallet_reward(reward))
    for entry in wallet.entries[:WALLET_ENTRIES]:
        body.append(_wallet_entry(entry))
    if len(wallet.entries) > WALLET_ENTRIES:
        body.append(_subtle(f"and {len(wallet.entries) - WALLET_ENTRIES} older vouchers"))
    if wallet.pending:
        body.append(_text("Orders in progress", weight="Bolder", separator=True))
        for summary in wallet.pending[:WALLET_ENTRIES]:
            body.append(
                _text(f"{summary.brand}, {summary.amount}: {summary.status_label} ({summary.order_id})")
            )
    return _card(body, [_submit("Browse vouchers", "browse")])


def help_card(note: str = "") -> Card:
    """What the bot understands; also the welcome card when it is installed."""
    body: list[Element] = [_title("Gift vouchers, right here in Teams")]
    if note:
        body.append(_text(note, color="Attention"))
    body.append(
        _text("Browse the catalog, pick a voucher, pay on a secure page, and the code arrives in this chat.")
    )
    body.append(
        _facts(
            ("vouchers", "browse the catalog"),
            ("vouchers coffee", "search"),
            ("currency:EUR country:DE max:50 page:2", "filters, after `vouchers`"),
            ("vouchers mine", "your vouchers and rewards"),
            ("vouchers country DE", "where you redeem rewards: their catalog's country and currency"),
            ("reward @name 25 USD thanks!", "thank colleagues with a reward (reward admins)"),
            ("help", "this message"),
        )
    )
    body.append(_subtle("In a channel or group chat, @mention me first."))
    return _card(body, [_submit("Browse vouchers", "browse"), _submit("My vouchers", "mine")])


# --- building blocks --------------------------------------------------------------------------------


def _card(body: list[Element], actions: list[Element]) -> Card:
    card: Card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": VERSION,
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return card


def _text(text: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _title(text: str) -> Element:
    return _text(text, size="Large", weight="Bolder")


def _subtle(text: str) -> Element:
    return _text(text, isSubtle=True, size="Small")


def _facts(*pairs: tuple[str, str]) -> Element:
    return {"type": "FactSet", "facts": [{"title": title, "value": value} for title, value in pairs]}


def _submit(title: str, command: str, **data: Any) -> Element:
    return {"type": "Action.Submit", "title": title, "data": {COMMAND: command, **data}}


def _secret(label: str, value: str) -> Element:
    return {
        "type": "Container",
        "style": "emphasis",
        "items": [
            _subtle(label),
            _text(value, fontType="Monospace", size="Large", weight="Bolder", spacing="None"),
        ],
    }


def _header(image_url: str, brand: str, name: str, image_size: str) -> Element:
    texts = [_text(brand, weight="Bolder", size="Medium"), _text(name, spacing="None", isSubtle=True)]
    columns = [{"type": "Column", "width": "stretch", "items": texts, "verticalContentAlignment": "Center"}]
    if image_url:
        image = {"type": "Image", "url": image_url, "size": image_size, "altText": brand}
        columns.insert(0, {"type": "Column", "width": "auto", "items": [image]})
    return {"type": "ColumnSet", "columns": columns}


def _product_header(card: ProductCard, image_size: str) -> Element:
    return _header(card.image_url, card.brand, card.name, image_size)


def _product_row(card: ProductCard, query: CatalogQuery, spend: dict[str, str]) -> Element:
    details = card.price_label + (f"  ·  {', '.join(card.countries)}" if card.countries else "")
    choose = _submit("Choose", "choose", product=card.product_id, **query_data(query), **spend)
    items = [_product_header(card, "Small"), _text(details, spacing="Small")]
    topped = by_card(card.minimum, query.covers)
    if topped is not None:
        items.append(_subtle(f"Above your reward: you pay {topped} by card for {card.minimum}."))
    return {"type": "Container", "separator": True, "items": [*items, {"type": "ActionSet", "actions": [choose]}]}


def _with_card_part(amount: Money, covers: int | None) -> str:
    topped = by_card(amount, covers)
    return str(amount) if topped is None else f"{amount} (you pay {topped} by card)"


def _denomination_choice(card: ProductCard, query: CatalogQuery) -> Element:
    choices = [{"title": _with_card_part(money, query.covers), "value": money.major()} for money in within(card, query)]
    return {
        "type": "Input.ChoiceSet",
        "id": "amount",
        "style": "expanded",
        "choices": choices,
        "value": choices[0]["value"],
    }


def _amount_input(card: ProductCard) -> Element:
    return {
        "type": "Input.Number",
        "id": "amount",
        "min": _major(card.minimum),
        "max": _major(card.maximum),
        "placeholder": f"{card.minimum.major()} to {card.maximum.major()}",
    }


def _wallet_entry(entry: WalletEntry) -> Element:
    facts = [
        ("Amount", entry.amount.label()),
        ("Status", entry.status),
        ("Expires", entry.expires_on),
        ("Order", entry.order_id),
    ]
    items: list[Element] = [
        _text(f"{entry.brand}: {entry.product_name}", weight="Bolder"),
        _text(f"Code: {entry.code}" + (f"   PIN: {entry.pin}" if entry.pin else ""), fontType="Monospace"),
        _facts(*facts),
    ]
    if entry.redeem_url:
        items.append(_text(f"[Redeem]({entry.redeem_url})"))
    return {"type": "Container", "separator": True, "items": items}


def choose_voucher(reward_id: str) -> Element:
    """The button on a reward: opens the catalog in the reward's currency, to be paid from it."""
    return _submit("Choose your voucher", "redeem", reward=reward_id)


def _spending(reward_id: str) -> dict[str, str]:
    return {"reward": reward_id} if reward_id else {}


def _reward_banner(reward: RewardSummary, *, covered_only: bool = False) -> Element:
    topping = "Shown: vouchers your reward covers, no card needed." if covered_only else (
        "Vouchers up to that cost you nothing; above it, you pay the rest by card."
    )
    return {
        "type": "Container",
        "style": "emphasis",
        "items": [
            _text(f"Your reward: {reward.available} left, until {reward.expires_on}", weight="Bolder"),
            _subtle(topping),
        ],
    }


def _wallet_reward(reward: RewardSummary) -> Element:
    items: list[Element] = [
        _text(f"Reward from {reward.giver_name}: {reward.available} left", weight="Bolder"),
        _facts(("Left", reward.available.label()), ("Expires", reward.expires_on)),
    ]
    if reward.reason:
        items.append(_subtle(_shorten(f"“{reward.reason}”")))
    items.append({"type": "ActionSet", "actions": [choose_voucher(reward.reward_id)]})
    return {"type": "Container", "separator": True, "items": items}


def _catalog_summary(page: CatalogPage) -> str:
    searched = f" for “{page.query.text}”" if page.query.text else ""
    found = "1 voucher" if page.total == 1 else f"{page.total} vouchers"
    return f"{found}{searched} · page {page.page} of {page.pages}"


def _at_page(query: CatalogQuery, page: int) -> CatalogQuery:
    return CatalogQuery(
        query.text, query.country, query.currency, query.max_price, query.min_price, page, query.per_page
    )


def _major(money: Money) -> int | float:
    amount = Decimal(money.major())
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _shorten(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
