"""Block Kit rendering of the checkout's views: pure functions, deterministic, within Slack's
limits.

A catalog, product or order rendered for a reward carries the reward id in its element values, so a
choice made in it is paid from that reward (see translate.reward_of).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from adapters.i18n import ENGLISH, Localizer, words
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
    context,
    divider,
    escape,
    header,
    image,
    option,
    plain,
    section,
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
MASK = "••••"


def search_hint(loc: Localizer) -> str:
    return loc._(
        "Search: {search} · filters: {filters} · yours: {mine} · {help}",
        search="`/vouchers coffee`",
        filters="`country:DE` `currency:EUR` `category:coffee` `max:50`",
        mine="`/vouchers mine`",
        help="`/vouchers help`",
    )


READY = (OrderStatus.ISSUED, OrderStatus.DELIVERED)


# --- catalog -----------------------------------------------------------------------------


def catalog_message(
    page: CatalogPage,
    reward: RewardSummary | None = None,
    loc: Localizer = ENGLISH,
    rate_note: str = "",
) -> Message:
    """A catalog page; with `reward`, every choice in it is paid from that reward (at the rate
    noted)."""
    reward_id = reward.reward_id if reward else ""
    head = [
        section(_catalog_heading(page, loc)),
        *_filters(page, reward_id, loc),
        _product_picker(reward, loc, page.query.currency),
        divider(),
    ]
    if reward is not None:
        head.insert(
            1, context(reward_hint(reward, loc, covered_only=page.query.max_price is not None))
        )
        if rate_note:
            head.insert(2, context(f":currency_exchange: {escape(rate_note)}"))
    tail = _paging(page, reward_id, loc) + ([] if reward else [context(search_hint(loc))])
    room = (MESSAGE_BLOCKS - len(head) - len(tail)) // 2
    cards = [
        block
        for i, card in enumerate(page.cards[:room])
        for block in _card(i, card, page.query, reward_id, loc)
    ]
    return Message(
        loc._("Gift vouchers: {count} found", count=loc.number(page.total)), head + cards + tail
    )


def reward_hint(
    reward: RewardSummary, loc: Localizer = ENGLISH, *, covered_only: bool = False
) -> str:
    values = {
        "giver": escape(reward.giver_name),
        "left": f"*{loc.money(reward.available)}*",
        "date": loc.date(reward.expires_on),
    }
    if covered_only:
        return ":gift: " + loc._(
            "Spending your reward from {giver}: {left} left, until {date}. Shown: vouchers your "
            "reward covers, no card needed.",
            **values,
        )
    return ":gift: " + loc._(
        "Spending your reward from {giver}: {left} left, until {date}. A voucher worth more is "
        "topped up by card.",
        **values,
    )


def _catalog_heading(page: CatalogPage, loc: Localizer) -> str:
    if page.total == 0 and (unknown := words.unknown_filter(page, loc)):
        return f"*{unknown}*"
    if page.total == 0:
        if page.query.text:
            found = loc._("No vouchers found for “{text}”.", text=escape(page.query.text))
        else:
            found = loc._("No vouchers found.")
        return f"*{found}* " + loc._("Try other words or fewer filters.")
    title = (
        loc._("Gift vouchers for “{text}”", text=escape(page.query.text))
        if page.query.text
        else loc._("Gift vouchers")
    )
    found = loc._(
        "{count} found · page {page} of {pages}",
        count=loc.number(page.total),
        page=page.page,
        pages=page.pages,
    )
    return f"*{title}* · {found}"


def _filters(page: CatalogPage, reward_id: str, loc: Localizer) -> list[Block]:
    """Currency, country and category menus instead of typed filters; one click shows all
    countries."""
    query = replace(page.query, page=1)
    menus: list[Block] = []
    if len(page.currencies) > 1 and not reward_id:  # a reward is spent in its own currency only
        choices = [(loc._("All currencies"), None)] + [
            (f"{c} · {loc.currency_name(c)}", c) for c in page.currencies
        ]
        menus.append(
            _menu(
                f"{ids.FILTER}:currency",
                choices,
                query.currency,
                lambda c: replace(query, currency=c),
                reward_id,
            )
        )
    if page.countries:
        named = sorted(page.countries, key=loc.country_name)
        choices = [(loc._("All countries"), None)] + [(loc.country_name(c), c) for c in named]
        menus.append(
            _menu(
                f"{ids.FILTER}:country",
                choices,
                query.country,
                lambda c: replace(query, country=c),
                reward_id,
            )
        )
    if page.categories:
        choices = [(loc._("All categories"), None)] + [
            (words.category_name(c), c) for c in page.categories
        ]
        menus.append(
            _menu(
                f"{ids.FILTER}:category",
                choices,
                query.category,
                lambda c: replace(query, category=c),
                reward_id,
            )
        )
    if query.country:
        everywhere = encode_query(replace(query, country=None), reward_id)
        menus.append(button(loc._("All countries"), f"{ids.FILTER}:all", value=everywhere))
    return [actions("vb_filters", menus)] if menus else []


def _menu(
    action_id: str,
    choices: Sequence[tuple[str, str | None]],
    current: str | None,
    query_for: Callable[[str | None], CatalogQuery],
    reward_id: str,
) -> Block:
    options = [
        option(label, encode_query(query_for(value), reward_id))
        for label, value in choices[:STATIC_OPTIONS]
    ]
    chosen = next(
        (o for o, (_, value) in zip(options, choices, strict=False) if value == current), options[0]
    )
    return {
        "type": "static_select",
        "action_id": action_id,
        "options": options,
        "initial_option": chosen,
    }


def _product_picker(
    reward: RewardSummary | None, loc: Localizer, currency: str | None = None
) -> Block:
    picker = {
        "type": "external_select",
        "action_id": ids.PICK_PRODUCT,
        "placeholder": plain(loc._("Type to search every voucher")),
        "min_query_length": 2,
    }
    # The catalog's currency: a reward spent abroad searches the recipient's currency, not the
    # reward's.
    block_id = (
        picker_block_id(reward.reward_id, currency or reward.amount.currency)
        if reward
        else picker_block_id()
    )
    return {"type": "actions", "block_id": block_id, "elements": [picker]}


def _card(
    index: int, card: ProductCard, query: CatalogQuery, reward_id: str, loc: Localizer
) -> list[Block]:
    lines = [f"*{escape(card.brand)}*", escape(card.name), escape(words.price_label(card, loc))]
    if card.countries:
        lines.append(loc._("Works in {countries}", countries=words.countries(card.countries, loc)))
    topped = by_card(card.minimum, query.covers)
    if topped is not None:
        above = loc._(
            "Above your reward: you pay {card} by card for {price}.",
            card=loc.money(topped),
            price=loc.money(card.minimum),
        )
        lines.append(f":credit_card: {above}")
    value = encode_choice(card.product_id, query, reward_id)
    return [
        section("\n".join(lines), accessory=image(card.image_url, card.brand)),
        actions(
            f"vb_card_{index}", [button(loc._("Choose"), f"{ids.CHOOSE}:{index}", value=value)]
        ),
    ]


def _paging(page: CatalogPage, reward_id: str, loc: Localizer) -> list[Block]:
    buttons = []
    if page.has_previous:
        previous = encode_query(replace(page.query, page=page.page - 1), reward_id)
        buttons.append(button("◀ " + loc._("Previous"), f"{ids.PAGE}:prev", value=previous))
    if page.has_next:
        following = encode_query(replace(page.query, page=page.page + 1), reward_id)
        buttons.append(button(loc._("Next") + " ▶", f"{ids.PAGE}:next", value=following))
    return [actions("vb_paging", buttons)] if buttons else []


def product_options(page: CatalogPage, loc: Localizer = ENGLISH) -> list[Block]:
    """Options for the external_select product picker (at most 100)."""
    return [
        option(f"{card.brand} · {card.name} · {words.price_label(card, loc)}", card.product_id)
        for card in page.cards[:STATIC_OPTIONS]
        if len(card.product_id) <= OPTION_VALUE
    ]


# --- one product ---------------------------------------------------------------------------


def product_message(
    card: ProductCard,
    query: CatalogQuery | None = None,
    error: str = "",
    reward_id: str = "",
    loc: Localizer = ENGLISH,
    typed: str = "",
) -> Message:
    """One product with its amounts; after a refused amount, the reason and what was typed, kept."""
    lines = [
        f"*{escape(card.brand)}*",
        escape(card.name),
        escape(card.description),
        loc._("Price: {price}", price=words.price_label(card, loc)),
    ]
    if card.countries:
        lines.append(loc._("Works in {countries}", countries=words.countries(card.countries, loc)))
    blocks = [
        section(
            "\n".join(line for line in lines if line), accessory=image(card.image_url, card.brand)
        )
    ]
    query = query or CatalogQuery()
    if reward_id:
        if query.max_price is not None:
            paid = loc._("Paid from your reward; no card needed.")
        else:
            paid = loc._("Paid from your reward; anything above it is paid by card.")
        blocks.append(context(f":gift: {paid}"))
    if error:
        blocks.append(context(f":warning: {escape(error)}"))
    if card.open_value:
        blocks += _amount_input(card, reward_id, loc, typed)
    else:
        blocks += _denominations(card, reward_id, loc, query)
    back = button(
        loc._("Back to catalog"),
        ids.BACK_TO_CATALOG,
        value=encode_query(query or CatalogQuery(), reward_id),
    )
    # Spending a reward is for oneself; otherwise the same product can go to a colleague.
    gift = (
        [] if reward_id else [button(loc._("Send as a gift"), ids.GIFT_OPEN, value=card.product_id)]
    )
    blocks.append(actions("vb_back", [back, *gift]))
    return Message(f"{card.brand}: {card.name}", blocks)


def _denominations(
    card: ProductCard, reward_id: str, loc: Localizer, query: CatalogQuery
) -> list[Block]:
    values = [
        (
            _with_card_part(amount, query.covers, loc),
            encode_denomination(card.product_id, amount.minor, reward_id),
        )
        for amount in within(card, query)
    ]
    if len(values) > MAX_DENOMINATION_BUTTONS:
        select = {
            "type": "static_select",
            "action_id": ids.DENOMINATION_SELECT,
            "placeholder": plain(loc._("Choose an amount")),
            "options": [option(label, value) for label, value in values[:STATIC_OPTIONS]],
        }
        return [actions("vb_amounts", [select])]
    buttons = [
        button(loc._("Buy {amount}", amount=label), f"{ids.DENOMINATION}:{i}", value=value)
        for i, (label, value) in enumerate(values)
    ]
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    return [actions(f"vb_amounts_{n}", row) for n, row in enumerate(rows)]


def _with_card_part(amount: Money, covers: int | None, loc: Localizer) -> str:
    topped = by_card(amount, covers)
    if topped is None:
        return loc.money(amount)
    return loc._(
        "{amount} (you pay {card} by card)", amount=loc.money(amount), card=loc.money(topped)
    )


def _amount_input(card: ProductCard, reward_id: str, loc: Localizer, typed: str) -> list[Block]:
    element = {
        "type": "plain_text_input",
        "action_id": ids.AMOUNT_INPUT,
        "placeholder": plain(
            loc._(
                "{minimum} to {maximum}", minimum=card.minimum.major(), maximum=card.maximum.major()
            )
        ),
        "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]},
    }
    if typed:
        element["initial_value"] = typed[:150]
    amount = {
        "type": "input",
        "block_id": amount_block_id(card.product_id, reward_id),
        "dispatch_action": True,
        "label": plain(
            loc._(
                "Amount in {currency} ({price})",
                currency=card.currency,
                price=words.price_label(card, loc),
            )
        ),
        "element": element,
    }
    buy = button(
        loc._("Buy"),
        ids.AMOUNT_SUBMIT,
        value=product_ref(card.product_id, reward_id),
        style="primary",
    )
    return [amount, actions("vb_amount_submit", [buy])]


# --- orders and vouchers -----------------------------------------------------------------


def order_message(summary: OrderSummary, loc: Localizer = ENGLISH) -> Message:
    status = words.status_label(summary.status, loc)
    amount = loc.money(summary.amount)
    text = f"*{escape(summary.brand)}* · {escape(summary.product_name)}\n*{amount}* · {status}"
    blocks = [section(text, accessory=image(summary.image_url, summary.brand))]
    card = loc.money(words.card_part(summary))
    if summary.paid_by_reward is not None:
        blocks.append(context(":gift: " + words.funding(summary, loc)))
    if note := words.charged_note(summary, loc):
        blocks.append(context(f":currency_exchange: {escape(note)}"))
    if reason := words.failure(summary, loc):
        blocks.append(context(f":warning: {escape(reason)}"))
    buttons = []
    if summary.can_pay and summary.checkout_url:
        buttons.append(
            button(
                loc._("Pay {amount}", amount=card),
                ids.PAY,
                url=summary.checkout_url,
                style="primary",
            )
        )
    if summary.can_retry:
        label = loc._("Try again, pay {amount}", amount=card)
        buttons.append(button(label, ids.RETRY_PAYMENT, value=summary.order_id, style="primary"))
    if buttons:
        blocks.append(actions("vb_order_actions", buttons))
    if summary.status in READY:
        blocks.append(
            context(
                loc._(
                    "Your voucher was sent to you privately. See all yours with {mine}.",
                    mine="`/vouchers mine`",
                )
            )
        )
    blocks.append(context(loc._("Order {order}", order=f"`{summary.order_id}`")))
    return Message(f"{summary.brand} {amount}: {status}", blocks)


def voucher_message(delivery: VoucherDelivery, loc: Localizer = ENGLISH) -> Message:
    """The voucher in the owner's DM: the code (and PIN) each in a full-width block of its own, so a
    phone shows it on one line and a long press copies exactly the code."""
    amount = loc.money(delivery.amount)
    facts = "\n".join(
        [
            f"*{escape(delivery.product_name)}*",
            loc._("Amount: {amount}", amount=amount),
            loc._("Expires: {date}", date=loc.date(delivery.expires_on)),
            loc._("Order {order}", order=f"`{delivery.order_id}`"),
        ]
    )
    blocks: list[Block] = [
        header(loc._("Your {brand} voucher", brand=delivery.brand)),
        section(facts, accessory=image(delivery.image_url, delivery.brand)),
        *code_blocks(delivery.code, delivery.pin, loc),
    ]
    if delivery.instructions:
        how = loc._("How to use it")
        blocks.append(section(f"*{how}*\n{escape(delivery.instructions)}"))
    if delivery.redeem_url:
        blocks.append(
            actions(
                "vb_redeem",
                [button(loc._("Redeem"), ids.REDEEM, url=delivery.redeem_url, style="primary")],
            )
        )
    if delivery.terms:
        blocks.append(context(escape(delivery.terms)))
    blocks.append(context(loc._("Only you can see this voucher. Keep the code private.")))
    # The fallback text shows in notifications and lock screens: never the code.
    return Message(
        loc._("Your {brand} voucher ({amount}) is ready", brand=delivery.brand, amount=amount),
        blocks,
    )


def code_blocks(code_text: str, pin: str | None, loc: Localizer) -> list[Block]:
    """Code and PIN each alone in a preformatted block: full width, no accessory beside it."""
    blocks = [_preformatted(loc._("Code"), code_text)]
    if pin:
        blocks.append(_preformatted(loc._("PIN"), pin))
    return blocks


def _preformatted(label: str, secret: str) -> Block:
    # ``` blocks are Slack's widest text; a backtick in a code cannot close them early once escaped.
    return section(f"*{label}*\n```{escape(secret).replace('`', 'ˋ')}```")


# --- wallet, App Home, help -------------------------------------------------------------


def wallet_message(wallet: Wallet, loc: Localizer = ENGLISH) -> Message:
    """`/vouchers mine`, shown only to its owner: codes in full."""
    blocks = _wallet_blocks(wallet, MESSAGE_BLOCKS - 2, loc, masked=False)
    blocks.append(context(loc._("Browse more with {browse}.", browse="`/vouchers`")))
    return Message(loc._("Your vouchers: {count}", count=len(wallet.entries)), blocks)


def home_view(wallet: Wallet, loc: Localizer = ENGLISH) -> Block:
    """The App Home tab; it may be on a shared screen, so codes hide behind Reveal."""
    browse = actions(
        "vb_home_actions",
        [button(loc._("Browse vouchers"), ids.BROWSE, value="browse", style="primary")],
    )
    blocks = [browse, *_wallet_blocks(wallet, HOME_BLOCKS - 1, loc, masked=True)]
    return {"type": "home", "blocks": blocks}


def revealed_view(entry: WalletEntry, loc: Localizer = ENGLISH) -> Block:
    """The modal Reveal opens: only its owner sees it, and it closes without leaving the code
    behind."""
    amount = loc.money(entry.amount)
    blocks = [
        section(f"*{escape(entry.brand)}* · {escape(entry.product_name)} · {amount}"),
        *code_blocks(entry.code, entry.pin, loc),
        context(loc._("Expires: {date}", date=loc.date(entry.expires_on))),
    ]
    return {
        "type": "modal",
        "title": plain(loc._("Your voucher"), 24),
        "close": plain(loc._("Close"), 24),
        "blocks": blocks,
    }


def _wallet_blocks(wallet: Wallet, budget: int, loc: Localizer, *, masked: bool) -> list[Block]:
    rewards = [r for r in wallet.rewards if r.spendable]
    blocks: list[Block] = []
    if rewards:
        blocks.append(header(loc._("Your rewards")))
        blocks += [_reward_row(i, r, loc) for i, r in enumerate(rewards[: budget // 2])]
    blocks.append(header(loc._("Your vouchers")))
    if not wallet.entries and not wallet.pending:
        return [*blocks, section(loc._("You have no vouchers yet."))]
    rows = [_pending_row(i, s, loc) for i, s in enumerate(wallet.pending)]
    entries = [_entry_rows(i, e, loc, masked) for i, e in enumerate(wallet.entries)]
    rows += [block for pair in entries for block in pair]
    room = budget - len(blocks) - 1
    blocks += rows[:room]
    if len(rows) > room:
        blocks.append(context(loc._("…and {count} more.", count=len(rows) - room)))
    return blocks


def _reward_row(index: int, reward: RewardSummary, loc: Localizer) -> Block:
    text = (
        loc._(
            "{amount} from {giver}",
            amount=f"*{loc.money(reward.amount)}*",
            giver=escape(reward.giver_name),
        )
        + f" · “{escape(reward.reason)}”\n"
        + loc._(
            "{left} left · expires {date}",
            left=loc.money(reward.available),
            date=loc.date(reward.expires_on),
        )
    )
    choose = button(
        loc._("Choose your voucher"),
        f"{ids.REWARD_CHOOSE}:{index}",
        value=reward.reward_id,
        style="primary",
    )
    return section(text, accessory=choose)


def _entry_rows(index: int, entry: WalletEntry, loc: Localizer, masked: bool) -> list[Block]:
    """A voucher: what it is beside its Redeem button, then its code on a full-width line below."""
    status = (
        loc._("Active") if entry.status.lower() == "active" else loc._(entry.status.capitalize())
    )
    text = (
        f"*{escape(entry.brand)}* · {escape(entry.product_name)} · {loc.money(entry.amount)}\n"
        + loc._("{status} · expires {date}", status=status, date=loc.date(entry.expires_on))
        + f" · `{entry.order_id}`"
    )
    redeem = (
        button(loc._("Redeem"), f"{ids.REDEEM}:{index}", url=entry.redeem_url)
        if entry.redeem_url
        else None
    )
    if not masked:
        return [section(text, accessory=redeem), *code_blocks(entry.code, entry.pin, loc)]
    hidden = loc._(
        "Code {code}", code=f"`{MASK}{escape(entry.code[-4:]) if len(entry.code) > 8 else ''}`"
    )
    reveal = button(loc._("Reveal"), f"{ids.REVEAL}:{index}", value=entry.order_id)
    return [section(text, accessory=redeem), section(hidden, accessory=reveal)]


def _pending_row(index: int, summary: OrderSummary, loc: Localizer) -> Block:
    status = words.status_label(summary.status, loc)
    what = f"*{escape(summary.brand)}* · {escape(summary.product_name)}"
    text = f"{what} · {loc.money(summary.amount)}\n{status}"
    pay = None
    if summary.can_pay and summary.checkout_url:
        card = loc.money(words.card_part(summary))
        pay = button(
            loc._("Pay {amount}", amount=card),
            f"{ids.PAY}:{index}",
            url=summary.checkout_url,
            style="primary",
        )
    return section(f"{text} · `{summary.order_id}`", accessory=pay)


def help_message(loc: Localizer = ENGLISH) -> Message:
    lines = [
        "*" + loc._("Gift vouchers in Slack") + "*",
        loc._(
            "{command} browse the catalog, then choose a voucher and an amount, and pay by card.",
            command="`/vouchers`",
        ),
        loc._(
            "{command} search with filters ({more} too).",
            command="`/vouchers coffee country:DE currency:EUR max:50`",
            more="`min:`, `page:`",
        ),
        loc._("{command} order directly.", command="`/vouchers buy <product id> <amount>`"),
        loc._(
            "{command} your vouchers and open orders (also in the app's Home tab).",
            command="`/vouchers mine`",
        ),
        loc._(
            "{command} where you redeem rewards: their catalog's country and currency.",
            command="`/vouchers country DE`",
        ),
        loc._("Vouchers arrive in a direct message from me, visible only to you."),
    ]
    return Message(loc._("How to use /vouchers"), [section("\n".join(lines))])


def notice_message(text: str) -> Message:
    """A short sentence for the user (a clear error, a confirmation)."""
    return Message(text, [section(escape(text))])
