"""Block Kit rendering of the core's views: pure functions, deterministic, within Slack's limits."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from adapters.slack import action_ids as ids
from adapters.slack.translate import amount_block_id, encode_choice, encode_denomination, encode_query
from core.catalog import CatalogQuery
from core.orders import OrderStatus
from core.views import CatalogPage, OrderSummary, ProductCard, VoucherDelivery, Wallet, WalletEntry

Block = dict[str, Any]

# Slack's limits (https://docs.slack.dev/reference/block-kit): checked again by the tests' fake.
MESSAGE_BLOCKS = 50
HOME_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
PLAIN_LABEL = 75  # button text, option text
HEADER_TEXT = 150
OPTION_VALUE = 150
STATIC_OPTIONS = 100
BUTTONS_PER_ROW = 5
MAX_DENOMINATION_BUTTONS = 10
SEARCH_HINT = (
    "Search: `/vouchers coffee` · filters: `country:DE` `currency:EUR` `max:50` · "
    "yours: `/vouchers mine` · `/vouchers help`"
)
READY = (OrderStatus.ISSUED, OrderStatus.DELIVERED)


@dataclass(frozen=True)
class Message:
    """A message as Slack takes it: fallback text (notifications, screen readers) and blocks."""

    text: str
    blocks: list[Block]


# --- catalog -----------------------------------------------------------------------------


def catalog_message(page: CatalogPage) -> Message:
    head = [_section(_catalog_heading(page)), _product_picker(), _divider()]
    tail = _paging(page) + [_context(SEARCH_HINT)]
    room = (MESSAGE_BLOCKS - len(head) - len(tail)) // 2
    cards = [block for i, card in enumerate(page.cards[:room]) for block in _card(i, card, page.query)]
    return Message(f"Gift vouchers: {page.total} found", head + cards + tail)


def _catalog_heading(page: CatalogPage) -> str:
    about = f" for “{escape(page.query.text)}”" if page.query.text else ""
    if page.total == 0:
        return f"*No vouchers found{about}.* Try other words or fewer filters."
    return f"*Gift vouchers{about}* · {page.total:,} found · page {page.page} of {page.pages}"


def _product_picker() -> Block:
    picker = {
        "type": "external_select",
        "action_id": ids.PICK_PRODUCT,
        "placeholder": _plain("Type to search every voucher"),
        "min_query_length": 2,
    }
    return {"type": "actions", "block_id": "vb_picker", "elements": [picker]}


def _card(index: int, card: ProductCard, query: CatalogQuery) -> list[Block]:
    text = f"*{escape(card.brand)}*\n{escape(card.name)}\n{escape(card.price_label)}"
    choose = _button("Choose", f"{ids.CHOOSE}:{index}", value=encode_choice(card.product_id, query))
    return [
        _section(text, accessory=_image(card.image_url, card.brand)),
        _actions(f"vb_card_{index}", [choose]),
    ]


def _paging(page: CatalogPage) -> list[Block]:
    buttons = []
    if page.has_previous:
        buttons.append(_button("◀ Previous", f"{ids.PAGE}:prev", value=_page_value(page, page.page - 1)))
    if page.has_next:
        buttons.append(_button("Next ▶", f"{ids.PAGE}:next", value=_page_value(page, page.page + 1)))
    return [_actions("vb_paging", buttons)] if buttons else []


def _page_value(page: CatalogPage, number: int) -> str:
    return encode_query(replace(page.query, page=number))


def product_options(page: CatalogPage) -> list[Block]:
    """Options for the external_select product picker (at most 100)."""
    return [
        {"text": _plain(f"{card.brand} · {card.name} · {card.price_label}"), "value": card.product_id}
        for card in page.cards[:STATIC_OPTIONS]
        if len(card.product_id) <= OPTION_VALUE
    ]


# --- one product ---------------------------------------------------------------------------


def product_message(card: ProductCard, query: CatalogQuery | None = None, error: str = "") -> Message:
    lines = [
        f"*{escape(card.brand)}*",
        escape(card.name),
        escape(card.description),
        f"Price: {card.price_label}",
    ]
    blocks = [
        _section("\n".join(line for line in lines if line), accessory=_image(card.image_url, card.brand))
    ]
    if error:
        blocks.append(_context(f":warning: {escape(error)}"))
    blocks += _amount_input(card) if card.open_value else _denominations(card)
    back = _button("Back to catalog", ids.BACK_TO_CATALOG, value=encode_query(query or CatalogQuery()))
    blocks.append(_actions("vb_back", [back]))
    return Message(f"{card.brand}: {card.name}", blocks)


def _denominations(card: ProductCard) -> list[Block]:
    values = [
        (str(amount), encode_denomination(card.product_id, amount.minor)) for amount in card.denominations
    ]
    if len(values) > MAX_DENOMINATION_BUTTONS:
        options = [{"text": _plain(label), "value": value} for label, value in values[:STATIC_OPTIONS]]
        select = {
            "type": "static_select",
            "action_id": ids.DENOMINATION_SELECT,
            "placeholder": _plain("Choose an amount"),
            "options": options,
        }
        return [_actions("vb_amounts", [select])]
    buttons = [
        _button(f"Buy {label}", f"{ids.DENOMINATION}:{i}", value=value)
        for i, (label, value) in enumerate(values)
    ]
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    return [_actions(f"vb_amounts_{n}", row) for n, row in enumerate(rows)]


def _amount_input(card: ProductCard) -> list[Block]:
    field = {
        "type": "plain_text_input",
        "action_id": ids.AMOUNT_INPUT,
        "placeholder": _plain(f"{card.minimum.major()} to {card.maximum.major()}"),
        "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]},
    }
    label = _plain(f"Amount in {card.currency} ({card.price_label})")
    amount = {
        "type": "input",
        "block_id": amount_block_id(card.product_id),
        "dispatch_action": True,
        "label": label,
        "element": field,
    }
    buy = _button("Buy", ids.AMOUNT_SUBMIT, value=card.product_id, style="primary")
    return [amount, _actions("vb_amount_submit", [buy])]


# --- orders and vouchers -----------------------------------------------------------------


def order_message(summary: OrderSummary) -> Message:
    text = f"*{escape(summary.brand)}* · {escape(summary.product_name)}\n*{summary.amount}* · {summary.status_label}"
    blocks = [_section(text, accessory=_image(summary.image_url, summary.brand))]
    if summary.failure_reason:
        blocks.append(_context(f":warning: {escape(_reason(summary.failure_reason))}"))
    buttons = []
    if summary.can_pay and summary.checkout_url:
        buttons.append(_button(f"Pay {summary.amount}", ids.PAY, url=summary.checkout_url, style="primary"))
    if summary.can_retry:
        buttons.append(_button("Retry payment", ids.RETRY_PAYMENT, value=summary.order_id, style="primary"))
    if buttons:
        blocks.append(_actions("vb_order_actions", buttons))
    if summary.status in READY:
        blocks.append(
            _context("Your voucher was sent to you privately. See all yours with `/vouchers mine`.")
        )
    blocks.append(_context(f"Order `{summary.order_id}`"))
    return Message(f"{summary.brand} {summary.amount}: {summary.status_label}", blocks)


def _reason(failure: str) -> str:
    # The core marks issuance failures with a prefix for its own rules; people need only the sentence.
    return failure.removeprefix("issuance: ")


def voucher_message(delivery: VoucherDelivery) -> Message:
    fields = [
        _field("Product", escape(delivery.product_name)),
        _field("Amount", delivery.amount.label()),
        _field("Code", _code(delivery.code)),
    ]
    if delivery.pin:
        fields.append(_field("PIN", _code(delivery.pin)))
    fields += [_field("Expires", delivery.expires_on), _field("Order", f"`{delivery.order_id}`")]
    blocks: list[Block] = [
        {"type": "header", "text": _plain(f"Your {delivery.brand} voucher", HEADER_TEXT)},
        {"type": "section", "fields": fields, **_accessory(_image(delivery.image_url, delivery.brand))},
    ]
    if delivery.instructions:
        blocks.append(_section(f"*How to use it*\n{escape(delivery.instructions)}"))
    if delivery.redeem_url:
        blocks.append(
            _actions("vb_redeem", [_button("Redeem", ids.REDEEM, url=delivery.redeem_url, style="primary")])
        )
    if delivery.terms:
        blocks.append(_context(escape(delivery.terms)))
    blocks.append(_context("Only you can see this voucher. Keep the code private."))
    # The fallback text shows in notifications and lock screens: never the code.
    return Message(f"Your {delivery.brand} voucher ({delivery.amount}) is ready", blocks)


# --- wallet, App Home, help -------------------------------------------------------------


def wallet_message(wallet: Wallet) -> Message:
    blocks = _wallet_blocks(wallet, MESSAGE_BLOCKS - 2)
    blocks.append(_context("Browse more with `/vouchers`."))
    return Message(f"Your vouchers: {len(wallet.entries)}", blocks)


def home_view(wallet: Wallet) -> Block:
    browse = _actions(
        "vb_home_actions", [_button("Browse vouchers", ids.BROWSE, value="browse", style="primary")]
    )
    blocks = [browse, *_wallet_blocks(wallet, HOME_BLOCKS - 1)]
    return {"type": "home", "blocks": blocks}


def _wallet_blocks(wallet: Wallet, budget: int) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": _plain("Your vouchers", HEADER_TEXT)}]
    if not wallet.entries and not wallet.pending:
        return blocks + [_section("You have no vouchers yet.")]
    rows = [_pending_row(i, s) for i, s in enumerate(wallet.pending)]
    rows += [_entry_row(i, e) for i, e in enumerate(wallet.entries)]
    room = budget - len(blocks) - 1
    blocks += rows[:room]
    if len(rows) > room:
        blocks.append(_context(f"…and {len(rows) - room} more."))
    return blocks


def _entry_row(index: int, entry: WalletEntry) -> Block:
    pin = f" · PIN {_code(entry.pin)}" if entry.pin else ""
    text = (
        f"*{escape(entry.brand)}* · {escape(entry.product_name)} · {entry.amount}\n"
        f"Code {_code(entry.code)}{pin}\n{entry.status.capitalize()} · expires {entry.expires_on} · `{entry.order_id}`"
    )
    redeem = _button("Redeem", f"{ids.REDEEM}:{index}", url=entry.redeem_url) if entry.redeem_url else None
    return _section(text, accessory=redeem)


def _pending_row(index: int, summary: OrderSummary) -> Block:
    text = f"*{escape(summary.brand)}* · {escape(summary.product_name)} · {summary.amount}\n{summary.status_label}"
    pay = None
    if summary.can_pay and summary.checkout_url:
        pay = _button(
            f"Pay {summary.amount}", f"{ids.PAY}:{index}", url=summary.checkout_url, style="primary"
        )
    return _section(f"{text} · `{summary.order_id}`", accessory=pay)


def help_message() -> Message:
    lines = [
        "*Gift vouchers in Slack*",
        "`/vouchers` browse the catalog, then choose a voucher and an amount, and pay by card.",
        "`/vouchers coffee country:DE currency:EUR max:50` search with filters (`min:`, `page:` too).",
        "`/vouchers buy <product id> <amount>` order directly.",
        "`/vouchers mine` your vouchers and open orders (also in the app's Home tab).",
        "Vouchers arrive in a direct message from me, visible only to you.",
    ]
    return Message("How to use /vouchers", [_section("\n".join(lines))])


def notice_message(text: str) -> Message:
    """A short sentence for the user (a clear error, a confirmation)."""
    return Message(text, [_section(escape(text))])


# --- primitives ------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's mrkdwn control characters; anything else is shown as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(text: str, limit: int = PLAIN_LABEL) -> Block:
    return {"type": "plain_text", "text": _clip(text, limit), "emoji": True}


def _section(text: str, accessory: Block | None = None) -> Block:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": _clip(text, SECTION_TEXT)},
        **_accessory(accessory),
    }


def _accessory(element: Block | None) -> Block:
    return {"accessory": element} if element else {}


def _field(label: str, value: str) -> Block:
    return {"type": "mrkdwn", "text": _clip(f"*{label}*\n{value}", FIELD_TEXT)}


def _code(secret: str) -> str:
    return f"`{escape(secret)}`" if "`" not in secret else escape(secret)


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text, SECTION_TEXT)}]}


def _divider() -> Block:
    return {"type": "divider"}


def _actions(block_id: str, elements: list[Block]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": elements}


def _image(url: str, alt: str) -> Block | None:
    # Slack rejects the whole message for an image it cannot fetch; only absolute web URLs are tried.
    if not url.startswith(("https://", "http://")):
        return None
    return {"type": "image", "image_url": url, "alt_text": _clip(alt or "voucher", 2000)}


def _button(
    text: str, action_id: str, *, value: str | None = None, url: str | None = None, style: str = ""
) -> Block:
    button: Block = {"type": "button", "action_id": action_id, "text": _plain(text)}
    if value is not None:
        button["value"] = value
    if url is not None:
        button["url"] = url
    if style:
        button["style"] = style
    return button
