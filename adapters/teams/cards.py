"""Pure functions from core views to Adaptive Cards that Teams desktop, web and mobile all render.

Cards declare version 1.2 and use only what Teams mobile renders reliably (TextBlock, Image,
ColumnSet, FactSet, Container, ActionSet, inputs, Action.Submit, Action.OpenUrl). Buttons are
Action.Submit: mobile clients handle Action.Execute poorly. Every card stays far below Teams' 28 KB
message limit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from botbuilder.core import CardFactory
from botbuilder.schema import Attachment

from adapters.i18n import ENGLISH, Localizer, words
from adapters.teams.answer import Card, SentAsIs
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


def search_hint(loc: Localizer) -> str:
    # Teams text has no inline code: commands are quoted, never in backticks.
    return loc._(
        "Search with “{search}”, filter with “{filters}”.",
        search="vouchers coffee",
        filters="currency:EUR country:DE category:coffee max:50",
    )


def attachment(card: Card) -> Attachment:
    return CardFactory.adaptive_card(card)


def sent_attachment(card: Card) -> Attachment:
    """An attachment for an activity sent through the Connector (not for an invoke's body): its card
    skips the SDK's deep copy and msrest's walk (answer.SentAsIs)."""
    return CardFactory.adaptive_card(SentAsIs(card))


# --- the cards
# --------------------------------------------------------------------------------------


def catalog_card(
    page: CatalogPage,
    reward: RewardSummary | None = None,
    loc: Localizer = ENGLISH,
    rate_note: str = "",
) -> Card:
    """One page of the catalog: each product with image, brand, name, prices and a Choose button.

    Browsing to spend a reward, every button carries the reward's id so the order is paid from it.
    """
    query = page.query
    spend = _spending(reward.reward_id if reward else "")
    body: list[Element] = [_title(loc._("Gift vouchers")), _subtle(_catalog_summary(page, loc))]
    if reward is not None:
        body.append(_reward_banner(reward, loc, covered_only=query.max_price is not None))
    if rate_note:
        body.append(_subtle(rate_note))
    body += _filters(page, spend, loc)
    for card in page.cards:
        body.append(_product_row(card, query, spend, loc))
    if not page.cards:
        unknown = words.unknown_filter(page, loc)
        body.append(_text(unknown or loc._("No vouchers match that. Try fewer words or filters.")))
    body.append(_subtle(search_hint(loc)))
    actions = []
    if page.has_previous:
        previous = query_data(_at_page(query, page.page - 1))
        actions.append(_submit("◀ " + loc._("Previous"), "browse", **previous, **spend))
    if page.has_next:
        following = query_data(_at_page(query, page.page + 1))
        actions.append(_submit(loc._("Next") + " ▶", "browse", **following, **spend))
    return _card(body, actions)


def product_card(
    card: ProductCard,
    back: CatalogQuery,
    error: str = "",
    reward_id: str = "",
    loc: Localizer = ENGLISH,
    typed: str = "",
) -> Card:
    """Choose a denomination, or type an amount within the product's open range."""
    body: list[Element] = [_product_header(card, "Medium")]
    if card.description:
        body.append(_text(_shorten(card.description), spacing="Small"))
    if card.countries:
        body.append(
            _subtle(loc._("Works in {countries}", countries=words.countries(card.countries, loc)))
        )
    if card.open_value:
        label = loc._(
            "Amount in {currency} ({price})",
            currency=card.currency,
            price=words.price_label(card, loc),
        )
        body.append(_text(label, weight="Bolder"))
        body.append(_amount_input(card, loc, typed))
    else:
        body.append(_text(loc._("Choose an amount"), weight="Bolder"))
        body.append(_denomination_choice(card, loc, back))
    if error:
        body.append(_text(error, color="Attention", weight="Bolder"))
    spend = _spending(reward_id)
    actions = [
        _submit(
            loc._("Continue to payment"),
            "buy",
            product=card.product_id,
            **query_data(back),
            **spend,
        ),
        _submit(loc._("Back to catalog"), "browse", **query_data(back), **spend),
    ]
    if (
        not reward_id
    ):  # spending a reward is for oneself; otherwise the product can go to a colleague
        actions.append(_submit(loc._("Send as a gift"), "gift_form", product=card.product_id))
    return _card(body, actions)


def order_card(summary: OrderSummary, loc: Localizer = ENGLISH) -> Card:
    """The order as it moves on; updated in place. Pay opens the checkout page as a Teams dialog."""
    body: list[Element] = [
        _header(summary.image_url, summary.brand, summary.product_name, "Small"),
        _facts(
            (loc._("Amount"), loc.money(summary.amount)),
            (loc._("Status"), words.status_label(summary.status, loc)),
            (loc._("Order"), summary.order_id),
        ),
    ]
    by_card = loc.money(words.card_part(summary))
    if summary.paid_by_reward is not None:
        body.append(_text(words.funding(summary, loc), weight="Bolder"))
    if note := words.charged_note(summary, loc):
        body.append(_subtle(note))
    if reason := words.failure(summary, loc):
        body.append(_text(reason, color="Attention"))
    actions: list[Element] = []
    if summary.can_pay and summary.checkout_url:
        # Teams turns an Action.Submit whose data says task/fetch into a dialog request (invoke
        # task/fetch).
        actions.append(
            _submit(
                loc._("Pay {amount}", amount=by_card),
                "pay",
                order=summary.order_id,
                msteams={"type": "task/fetch"},
            )
        )
        actions.append(
            {
                "type": "Action.OpenUrl",
                "title": loc._("Open in browser"),
                "url": summary.checkout_url,
            }
        )
        body.append(
            _subtle(
                loc._("You pay on a secure checkout page; your voucher arrives here right after.")
            )
        )
    if summary.can_retry:
        actions.append(
            _submit(
                loc._("Try again, pay {amount}", amount=by_card), "retry", order=summary.order_id
            )
        )
    return _card(body, actions)


def card_part(summary: OrderSummary) -> Money:
    """What the card pays: the price less the reward's share."""
    return words.card_part(summary)


def voucher_card(voucher: VoucherDelivery, loc: Localizer = ENGLISH) -> Card:
    """What the owner redeems: code, PIN, instructions, expiry date; shown only in a personal chat.

    Code and PIN each fill a full-width container of their own, so a phone shows them on one line
    and a long press selects exactly the code."""
    amount = loc.money(voucher.amount)
    body: list[Element] = [
        _header(voucher.image_url, voucher.brand, voucher.product_name, "Small"),
        _text(
            loc._("Your {brand} voucher", brand=voucher.brand) + f": {amount}",
            size="Medium",
            weight="Bolder",
        ),
        _secret(loc._("Code"), voucher.code),
    ]
    if voucher.pin:
        body.append(_secret(loc._("PIN"), voucher.pin))
    body.append(
        _facts(
            (loc._("Amount"), amount),
            (loc._("Expires"), loc.date(voucher.expires_on)),
            (loc._("Order"), voucher.order_id),
        )
    )
    if voucher.instructions:
        body.append(_text(voucher.instructions))
    if voucher.terms:
        body.append(_subtle(_shorten(voucher.terms, 600)))
    body.append(_subtle(loc._("Only you can see this voucher. Keep the code private.")))
    actions = (
        [{"type": "Action.OpenUrl", "title": loc._("Redeem"), "url": voucher.redeem_url}]
        if voucher.redeem_url
        else []
    )
    return _card(body, actions)


def voucher_notice(voucher: VoucherDelivery, loc: Localizer = ENGLISH) -> str:
    """The line posted in a channel or group chat: never the code, only where to find it."""
    return loc._(
        "The {brand} voucher for order {order} is ready. I sent it to you in a personal chat with "
        "me.",
        brand=voucher.brand,
        order=voucher.order_id,
    )


def wallet_card(wallet: Wallet, loc: Localizer = ENGLISH) -> Card:
    """The person's open rewards, vouchers (newest first) and orders still in progress."""
    body: list[Element] = [_title(loc._("Your vouchers"))]
    rewards = [r for r in wallet.rewards if r.spendable]
    if not wallet.entries and not wallet.pending and not rewards:
        body.append(
            _text(
                loc._(
                    "You have no vouchers yet. Type “{command}” to browse the catalog.",
                    command="vouchers",
                )
            )
        )
    for reward in rewards[:WALLET_ENTRIES]:
        body.append(_wallet_reward(reward, loc))
    for entry in wallet.entries[:WALLET_ENTRIES]:
        body.append(_wallet_entry(entry, loc))
    if len(wallet.entries) > WALLET_ENTRIES:
        body.append(
            _subtle(loc._("…and {count} more.", count=len(wallet.entries) - WALLET_ENTRIES))
        )
    if wallet.pending:
        body.append(_text(loc._("Orders in progress"), weight="Bolder", separator=True))
        for summary in wallet.pending[:WALLET_ENTRIES]:
            status = words.status_label(summary.status, loc)
            body.append(
                _text(
                    f"{summary.brand}, {loc.money(summary.amount)}: {status} ({summary.order_id})"
                )
            )
    return _card(body, [_submit(loc._("Browse vouchers"), "browse")])


def help_card(note: str = "", loc: Localizer = ENGLISH) -> Card:
    """What the bot understands; also the welcome card when it is installed."""
    body: list[Element] = [_title(loc._("Gift vouchers, right here in Teams"))]
    if note:
        body.append(_text(note, color="Attention"))
    body.append(
        _text(
            loc._(
                "Browse the catalog, pick a voucher, pay on a secure page, and the code arrives in "
                "this chat."
            )
        )
    )
    body.append(
        _facts(
            ("vouchers", loc._("browse the catalog")),
            ("vouchers coffee", loc._("search")),
            (
                "currency:EUR country:DE max:50 page:2",
                loc._("filters, after “{command}”", command="vouchers"),
            ),
            ("vouchers mine", loc._("your vouchers and rewards")),
            (
                "vouchers country DE",
                loc._("where you redeem rewards: their catalog's country and currency"),
            ),
            (
                "reward @name 25 USD thanks!",
                loc._("thank colleagues with a reward (reward admins)"),
            ),
            ("help", loc._("this message")),
        )
    )
    body.append(_subtle(loc._("In a channel or group chat, @mention me first.")))
    return _card(
        body, [_submit(loc._("Browse vouchers"), "browse"), _submit(loc._("My vouchers"), "mine")]
    )


# --- building blocks
# --------------------------------------------------------------------------------


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
    return {
        "type": "FactSet",
        "facts": [{"title": title, "value": value} for title, value in pairs],
    }


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
    texts = [
        _text(brand, weight="Bolder", size="Medium"),
        _text(name, spacing="None", isSubtle=True),
    ]
    columns = [
        {"type": "Column", "width": "stretch", "items": texts, "verticalContentAlignment": "Center"}
    ]
    if image_url:
        image = {"type": "Image", "url": image_url, "size": image_size, "altText": brand}
        columns.insert(0, {"type": "Column", "width": "auto", "items": [image]})
    return {"type": "ColumnSet", "columns": columns}


def _product_header(card: ProductCard, image_size: str) -> Element:
    return _header(card.image_url, card.brand, card.name, image_size)


def _product_row(
    card: ProductCard, query: CatalogQuery, spend: dict[str, str], loc: Localizer
) -> Element:
    details = words.price_label(card, loc)
    if card.countries:
        details += "  ·  " + loc._(
            "Works in {countries}", countries=words.countries(card.countries, loc)
        )
    choose = _submit(
        loc._("Choose"), "choose", product=card.product_id, **query_data(query), **spend
    )
    return {
        "type": "Container",
        "separator": True,
        "items": [
            _product_header(card, "Small"),
            _text(details, spacing="Small"),
            *_above_reward(card, query, loc),
            {"type": "ActionSet", "actions": [choose]},
        ],
    }


def _above_reward(card: ProductCard, query: CatalogQuery, loc: Localizer) -> list[Element]:
    topped = by_card(card.minimum, query.covers)
    if topped is None:
        return []
    above = loc._(
        "Above your reward: you pay {card} by card for {price}.",
        card=loc.money(topped),
        price=loc.money(card.minimum),
    )
    return [_subtle(above)]


def _with_card_part(amount: Money, covers: int | None, loc: Localizer) -> str:
    topped = by_card(amount, covers)
    if topped is None:
        return loc.money(amount)
    return loc._(
        "{amount} (you pay {card} by card)", amount=loc.money(amount), card=loc.money(topped)
    )


def _filters(page: CatalogPage, spend: dict[str, str], loc: Localizer) -> list[Element]:
    """Currency, country and category menus with a Filter button instead of typed filters; one click
    for all countries."""
    query = page.query
    menus: list[Element] = []
    if len(page.currencies) > 1 and not spend:  # a reward is spent in its own currency only
        choices = [(loc._("All currencies"), "")] + [
            (f"{c} · {loc.currency_name(c)}", c) for c in page.currencies
        ]
        menus.append(_choice_menu("currency", choices, query.currency or ""))
    if page.countries:
        named = sorted(page.countries, key=loc.country_name)
        choices = [(loc._("All countries"), "")] + [(loc.country_name(c), c) for c in named]
        menus.append(_choice_menu("country", choices, query.country or ""))
    if page.categories:
        choices = [(loc._("All categories"), "")] + [
            (words.category_name(c), c) for c in page.categories
        ]
        menus.append(_choice_menu("category", choices, query.category or ""))
    if not menus:
        return []
    kept = {
        k: v
        for k, v in query_data(_at_page(query, 1)).items()
        if k not in ("currency", "country", "category")
    }
    buttons = [_submit(loc._("Filter"), "browse", **kept, **spend)]
    if query.country:
        everywhere = {**query_data(_at_page(query, 1)), "country": ""}
        buttons.append(_submit(loc._("All countries"), "browse", **everywhere, **spend))
    columns = [{"type": "Column", "width": "stretch", "items": [menu]} for menu in menus]
    return [{"type": "ColumnSet", "columns": columns}, {"type": "ActionSet", "actions": buttons}]


def _choice_menu(input_id: str, choices: list[tuple[str, str]], current: str) -> Element:
    return {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "style": "compact",
        "choices": [{"title": title, "value": value} for title, value in choices],
        "value": current,
    }


def _denomination_choice(card: ProductCard, loc: Localizer, query: CatalogQuery) -> Element:
    choices = [
        {"title": _with_card_part(money, query.covers, loc), "value": money.major()}
        for money in within(card, query)
    ]
    return {
        "type": "Input.ChoiceSet",
        "id": "amount",
        "style": "expanded",
        "choices": choices,
        "value": choices[0]["value"],
    }


def _amount_input(card: ProductCard, loc: Localizer, typed: str = "") -> Element:
    element: Element = {
        "type": "Input.Number",
        "id": "amount",
        "min": _major(card.minimum),
        "max": _major(card.maximum),
        "placeholder": loc._(
            "{minimum} to {maximum}", minimum=card.minimum.major(), maximum=card.maximum.major()
        ),
    }
    if _is_number(typed):
        element["value"] = _number(typed)  # what was typed stays in the box after a refusal
    return element


def _is_number(text: str) -> bool:
    try:
        Decimal(text.strip())
    except (ArithmeticError, ValueError):
        return False
    return bool(text.strip())


def _number(text: str) -> int | float:
    amount = Decimal(text.strip())
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _wallet_entry(entry: WalletEntry, loc: Localizer) -> Element:
    status = (
        loc._("Active") if entry.status.lower() == "active" else loc._(entry.status.capitalize())
    )
    facts = [
        (loc._("Amount"), loc.money(entry.amount)),
        (loc._("Status"), status),
        (loc._("Expires"), loc.date(entry.expires_on)),
        (loc._("Order"), entry.order_id),
    ]
    items: list[Element] = [
        _text(f"{entry.brand}: {entry.product_name}", weight="Bolder"),
        _secret(loc._("Code"), entry.code),
    ]
    if entry.pin:
        items.append(_secret(loc._("PIN"), entry.pin))
    items.append(_facts(*facts))
    if entry.redeem_url:
        items.append(
            {
                "type": "ActionSet",
                "actions": [
                    {"type": "Action.OpenUrl", "title": loc._("Redeem"), "url": entry.redeem_url}
                ],
            }
        )
    return {"type": "Container", "separator": True, "items": items}


def choose_voucher(reward_id: str, loc: Localizer = ENGLISH) -> Element:
    """The button on a reward: opens the catalog in the reward's currency, to be paid from it."""
    return _submit(loc._("Choose your voucher"), "redeem", reward=reward_id)


def _spending(reward_id: str) -> dict[str, str]:
    return {"reward": reward_id} if reward_id else {}


def _reward_banner(reward: RewardSummary, loc: Localizer, *, covered_only: bool = False) -> Element:
    left = loc._(
        "Your reward: {left} left, until {date}",
        left=loc.money(reward.available),
        date=loc.date(reward.expires_on),
    )
    return {
        "type": "Container",
        "style": "emphasis",
        "items": [
            _text(left, weight="Bolder"),
            _subtle(
                loc._("Shown: vouchers your reward covers, no card needed.")
                if covered_only
                else loc._("Paid from your reward; anything above it is paid by card.")
            ),
        ],
    }


def _wallet_reward(reward: RewardSummary, loc: Localizer) -> Element:
    title = loc._("{amount} from {giver}", amount=loc.money(reward.amount), giver=reward.giver_name)
    items: list[Element] = [
        _text(title, weight="Bolder"),
        _facts(
            (loc._("Left"), loc.money(reward.available)),
            (loc._("Expires"), loc.date(reward.expires_on)),
        ),
    ]
    if reward.reason:
        items.append(_subtle(_shorten(f"“{reward.reason}”")))
    items.append({"type": "ActionSet", "actions": [choose_voucher(reward.reward_id, loc)]})
    return {"type": "Container", "separator": True, "items": items}


def _catalog_summary(page: CatalogPage, loc: Localizer) -> str:
    found = loc.n_("{count} voucher", "{count} vouchers", page.total)
    if page.query.text:
        found += " " + loc._("for “{text}”", text=page.query.text)
    return found + " · " + loc._("page {page} of {pages}", page=page.page, pages=page.pages)


def _at_page(query: CatalogQuery, page: int) -> CatalogQuery:
    return CatalogQuery(
        query.text,
        query.country,
        query.currency,
        query.max_price,
        query.min_price,
        page,
        query.per_page,
    )


def _major(money: Money) -> int | float:
    amount = Decimal(money.major())
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _shorten(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
