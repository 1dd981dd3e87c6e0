"""Block Kit rendering of the checkout's views: pure functions, deterministic, within Slack's limits.

A catalog, product or order rendered for a reward carries the reward id in its element values, so a
choice made in it is paid from that reward (see translate.reward_of).
"""

from __future__ import annotations

from dataclasses import replace

from adapters.slack import action_ids as ids
from adapters.slack.kit import (
    BUTTONS_PER_ROW,
    HOME_BLOCKS,
    MESSAGE_BLOCKS,
    OPTION_VALUE,
    STATIC_OPTIONS,
    Block,
    Message,
    actions,
    button,
    code,
    context,
    divider,
    escape,
    header,
    image,
    mrkdwn_field,
    option,
    plain,
    section,
    with_accessory,
)
from adapters.slack.translate import (
    amount_block_id,
    encode_choice,
    encode_denomination,
    encode_query,
    picker_block_id,
    product_ref,
)
from core.catalog import CatalogQuery
from core.money import Money
from core.orders import OrderStatus
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

__all__ = ["Message", "escape"]  # re-exported: listeners and tests use them from here

MAX_DENOMINATION_BUTTONS = 10
SEARCH_HINT = (
    "Search: `/vouchers coffee` · filters: `country:DE` `currency:EUR` `max:50` · "
    "yours: `/vouchers mine` · `/vouchers help`"
)
READY = (OrderStatus.ISSUED, OrderStatus.DELIVERED)


# --- catalog -----------------------------------------------------------------------------


def catalog_message(page: CatalogPage, reward: RewardSummary | None = None, rate_note: str = "") -> Message:
    """A catalog page; with `reward`, every choice in it is paid from that reward (at the rate noted)."""
    reward_id = reward.reward_id if reward else ""
    head = [section(_catalog_heading(page)), _product_picker(reward, page.query.currency), divider()]
    if reward is not None:
        head.insert(1, context(reward_hint(reward, covered_only=page.query.max_price is not None)))
        if rate_note:
            head.insert(2, context(f":currency_exchange: {escape(rate_note)}"))
    tail = _paging(page, reward_id) + ([] if reward else [context(SEARCH_HINT)])
    room = (MESSAGE_BLOCKS - len(head) - len(tail)) // 2
    cards = [
        block for i, card in enumerate(page.cards[:room]) for block in _card(i, card, page.query, reward_id)
    ]
    return Message(f"Gift vouchers: {page.total} found", head + cards + tail)


def reward_hint(reward: RewardSummary, *, covered_only: bool = False) -> str:
    topping = "Shown: vouchers your reward covers, no card needed." if covered_only else (
        "A voucher worth more is topped up by card."
    )
    return (
        f":gift: Spending your reward from {escape(reward.giver_name)}: *{reward.available}* left, "
        f"until {reward.expires_on}. {topping}"
    )


def _catalog_heading(page: CatalogPage) -> str:
    about = f" for “{escape(page.query.text)}”" if page.query.text else ""
    if page.total == 0:
        return f"*No vouchers found{about}.* Try other words or fewer filters."
    return f"*Gift vouchers{about}* · {page.total:,} found · page {page.page} of {page.pages}"


def _product_picker(reward: RewardSummary | None, currency: str | None = None) -> Block:
    picker = {
        "type": "external_select",
        "action_id": ids.PICK_PRODUCT,
        "placeholder": plain("Type to search every voucher"),
        "min_query_length": 2,
    }
    # The catalog's currency: a reward spent abroad searches the recipient's currency, not the reward's.
    block_id = picker_block_id(reward.reward_id, currency or reward.amount.currency) if reward else picker_block_id()
    return {"type": "actions", "block_id": block_id, "elements": [picker]}


def _card(index: int, card: ProductCard, query: CatalogQuery, reward_id: str) -> list[Block]:
    text = f"*{escape(card.brand)}*\n{escape(card.name)}\n{escape(card.price_label)}"
    topped = by_card(card.minimum, query.covers)
    if topped is not None:
        text += f"\n:credit_card: Above your reward: you pay {topped} by card for {card.minimum}."
    value = encode_choice(card.product_id, query, reward_id)
    return [
        section(text, accessory=image(card.image_url, card.brand)),
        actions(f"vb_card_{index}", [button("Choose", f"{ids.CHOOSE}:{index}", value=value)]),
    ]


def _paging(page: CatalogPage, reward_id: str) -> list[Block]:
    buttons = []
    if page.has_previous:
        previous = encode_query(replace(page.query, page=page.page - 1), reward_id)
        buttons.append(button("◀ Previous", f"{ids.PAGE}:prev", value=previous))
    if page.has_next:
        following = encode_query(replace(page.query, page=page.page + 1), reward_id)
        buttons.append(button("Next ▶", f"{ids.PAGE}:next", value=following))
    return [actions("vb_paging", buttons)] if buttons else []


def product_options(page: CatalogPage) -> list[Block]:
    """Options for the external_select product picker (at most 100)."""
    return [
        option(f"{card.brand} · {card.name} · {card.price_label}", card.product_id)
        for card in page.cards[:STATIC_OPTIONS]
        if len(card.product_id) <= OPTION_VALUE
    ]


# --- one product ---------------------------------------------------------------------------


def product_message(
    card: ProductCard, query: CatalogQuery | None = None, error: str = "", reward_id: str = ""
) -> Message:
    lines = [
        f"*{escape(card.brand)}*",
        escape(card.name),
        escape(card.description),
        f"Price: {card.price_label}",
    ]
    blocks = [section("\n".join(line for line in lines if line), accessory=image(card.image_url, card.brand))]
    query = query or CatalogQuery()
    if reward_id:
        topping = "no card needed" if query.max_price is not None else "anything above it is paid by card"
        blocks.append(context(f":gift: Paid from your reward; {topping}."))
    if error:
        blocks.append(context(f":warning: {escape(error)}"))
    blocks += _amount_input(card, reward_id) if card.open_value else _denominations(card, reward_id, query)
    back = button(
        "Back to catalog", ids.BACK_TO_CATALOG, value=encode_query(query or CatalogQuery(), reward_id)
    )
    # Spending a reward is for oneself; otherwise the same product can go to a colleague.
    gift = [] if reward_id else [button("Send as a gift", ids.GIFT_OPEN, value=card.product_id)]
    blocks.append(actions("vb_back", [back, *gift]))
    return Message(f"{card.brand}: {card.name}", blocks)


def _denominations(card: ProductCard, reward_id: str, query: CatalogQuery) -> list[Block]:
    values = [
        (_with_card_part(amount, query.covers), encode_denomination(card.product_id, amount.minor, reward_id))
        for amount in within(card, query)
    ]
    if len(values) > MAX_DENOMINATION_BUTTONS:
        select = {
            "type": "static_select",
            "action_id": ids.DENOMINATION_SELECT,
            "placeholder": plain("Choose an amount"),
            "options": [option(label, value) for label, value in values[:STATIC_OPTIONS]],
        }
        return [actions("vb_amounts", [select])]
    buttons = [
        button(f"Buy {label}", f"{ids.DENOMINATION}:{i}", value=value)
        for i, (label, value) in enumerate(values)
    ]
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    return [actions(f"vb_amounts_{n}", row) for n, row in enumerate(rows)]


def _with_card_part(amount: Money, covers: int | None) -> str:
    topped = by_card(amount, covers)
    return str(amount) if topped is None else f"{amount} (you pay {topped} by card)"


def _amount_input(card: ProductCard, reward_id: str) -> list[Block]:
    element = {
        "type": "plain_text_input",
        "action_id": ids.AMOUNT_INPUT,
        "placeholder": plain(f"{card.minimum.major()} to {card.maximum.major()}"),
        "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]},
    }
    amount = {
        "type": "input",
        "block_id": amount_block_id(card.product_id, reward_id),
        "dispatch_action": True,
        "label": plain(f"Amount in {card.currency} ({card.price_label})"),
        "element": element,
    }
    buy = button("Buy", ids.AMOUNT_SUBMIT, value=product_ref(card.product_id, reward_id), style="primary")
    return [amount, actions("vb_amount_submit", [buy])]


# --- orders and vouchers -----------------------------------------------------------------


def order_message(summary: OrderSummary) -> Message:
    text = f"*{escape(summary.brand)}* · {escape(summary.product_name)}\n*{summary.amount}* · {summary.status_label}"
    blocks = [section(text, accessory=image(summary.image_url, summary.brand))]
    card = _card_amount(summary)
    if summary.paid_by_reward is not None:
        blocks.append(context(_funding(summary.paid_by_reward, card)))
    if summary.rate_note:
        blocks.append(context(f":currency_exchange: {escape(summary.rate_note)}"))
    if summary.failure_reason:
        blocks.append(context(f":warning: {escape(summary.failure_reason)}"))
    buttons = []
    if summary.can_pay and summary.checkout_url:
        buttons.append(button(f"Pay {card}", ids.PAY, url=summary.checkout_url, style="primary"))
    if summary.can_retry:
        buttons.append(button("Retry payment", ids.RETRY_PAYMENT, value=summary.order_id, style="primary"))
    if buttons:
        blocks.append(actions("vb_order_actions", buttons))
    if summary.status in READY:
        blocks.append(context("Your voucher was sent to you privately. See all yours with `/vouchers mine`."))
    blocks.append(context(f"Order `{summary.order_id}`"))
    return Message(f"{summary.brand} {summary.amount}: {summary.status_label}", blocks)


def _card_amount(summary: OrderSummary) -> Money:
    covered = summary.paid_by_reward.minor if summary.paid_by_reward else 0
    return Money(summary.amount.minor - covered, summary.amount.currency)


def _funding(reward: Money, card: Money) -> str:
    if card.minor == 0:
        return f":gift: Paid with your reward ({reward}); no card needed."
    return f":gift: {reward} from your reward, {card} by card."


def voucher_message(delivery: VoucherDelivery) -> Message:
    fields = [
        mrkdwn_field("Product", escape(delivery.product_name)),
        mrkdwn_field("Amount", delivery.amount.label()),
        mrkdwn_field("Code", code(delivery.code)),
    ]
    if delivery.pin:
        fields.append(mrkdwn_field("PIN", code(delivery.pin)))
    fields += [mrkdwn_field("Expires", delivery.expires_on), mrkdwn_field("Order", f"`{delivery.order_id}`")]
    blocks: list[Block] = [
        header(f"Your {delivery.brand} voucher"),
        {"type": "section", "fields": fields, **with_accessory(image(delivery.image_url, delivery.brand))},
    ]
    if delivery.instructions:
        blocks.append(section(f"*How to use it*\n{escape(delivery.instructions)}"))
    if delivery.redeem_url:
        blocks.append(
            actions("vb_redeem", [button("Redeem", ids.REDEEM, url=delivery.redeem_url, style="primary")])
        )
    if delivery.terms:
        blocks.append(context(escape(delivery.terms)))
    blocks.append(context("Only you can see this voucher. Keep the code private."))
    # The fallback text shows in notifications and lock screens: never the code.
    return Message(f"Your {delivery.brand} voucher ({delivery.amount}) is ready", blocks)


# --- wallet, App Home, help -------------------------------------------------------------


def wallet_message(wallet: Wallet) -> Message:
    blocks = _wallet_blocks(wallet, MESSAGE_BLOCKS - 2)
    blocks.append(context("Browse more with `/vouchers`."))
    return Message(f"Your vouchers: {len(wallet.entries)}", blocks)


def home_view(wallet: Wallet) -> Block:
    browse = actions(
        "vb_home_actions", [button("Browse vouchers", ids.BROWSE, value="browse", style="primary")]
    )
    blocks = [browse, *_wallet_blocks(wallet, HOME_BLOCKS - 1)]
    return {"type": "home", "blocks": blocks}


def _wallet_blocks(wallet: Wallet, budget: int) -> list[Block]:
    rewards = [r for r in wallet.rewards if r.spendable]
    blocks: list[Block] = []
    if rewards:
        blocks.append(header("Your rewards"))
        blocks += [_reward_row(i, r) for i, r in enumerate(rewards[: budget // 2])]
    blocks.append(header("Your vouchers"))
    if not wallet.entries and not wallet.pending:
        return blocks + [section("You have no vouchers yet.")]
    rows = [_pending_row(i, s) for i, s in enumerate(wallet.pending)]
    rows += [_entry_row(i, e) for i, e in enumerate(wallet.entries)]
    room = budget - len(blocks) - 1
    blocks += rows[:room]
    if len(rows) > room:
        blocks.append(context(f"…and {len(rows) - room} more."))
    return blocks


def _reward_row(index: int, reward: RewardSummary) -> Block:
    text = (
        f"*{reward.amount}* from {escape(reward.giver_name)} · “{escape(reward.reason)}”\n"
        f"{reward.available} left · expires {reward.expires_on}"
    )
    choose = button(
        "Choose your voucher", f"{ids.REWARD_CHOOSE}:{index}", value=reward.reward_id, style="primary"
    )
    return section(text, accessory=choose)


def _entry_row(index: int, entry: WalletEntry) -> Block:
    pin = f" · PIN {code(entry.pin)}" if entry.pin else ""
    text = (
        f"*{escape(entry.brand)}* · {escape(entry.product_name)} · {entry.amount}\n"
        f"Code {code(entry.code)}{pin}\n{entry.status.capitalize()} · expires {entry.expires_on} · `{entry.order_id}`"
    )
    redeem = button("Redeem", f"{ids.REDEEM}:{index}", url=entry.redeem_url) if entry.redeem_url else None
    return section(text, accessory=redeem)


def _pending_row(index: int, summary: OrderSummary) -> Block:
    text = f"*{escape(summary.brand)}* · {escape(summary.product_name)} · {summary.amount}\n{summary.status_label}"
    pay = None
    if summary.can_pay and summary.checkout_url:
        card = _card_amount(summary)
        pay = button(f"Pay {card}", f"{ids.PAY}:{index}", url=summary.checkout_url, style="primary")
    return section(f"{text} · `{summary.order_id}`", accessory=pay)


def help_message() -> Message:
    lines = [
        "*Gift vouchers in Slack*",
        "`/vouchers` browse the catalog, then choose a voucher and an amount, and pay by card.",
        "`/vouchers coffee country:DE currency:EUR max:50` search with filters (`min:`, `page:` too).",
        "`/vouchers buy <product id> <amount>` order directly.",
        "`/vouchers mine` your vouchers and open orders (also in the app's Home tab).",
        "`/vouchers country DE` where you redeem rewards: their catalog's country and currency.",
        "Vouchers arrive in a direct message from me, visible only to you.",
    ]
    return Message("How to use /vouchers", [section("\n".join(lines))])


def notice_message(text: str) -> Message:
    """A short sentence for the user (a clear error, a confirmation)."""
    return Message(text, [section(escape(text))])
