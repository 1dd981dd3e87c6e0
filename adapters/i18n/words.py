"""The same words for the same things on every channel (one voice), in the person's language.

Texts here are plain (no Markdown): each channel adds its own emphasis around them.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal

from adapters.i18n.gift_words import gift_refusal
from adapters.i18n.localizer import Localizer
from adapters.i18n.phrases import Phrase
from adapters.i18n.refusal_words import refusal, said
from core.errors import (
    CheckoutExpired,
    InvalidAmount,
    NotOrderOwner,
    OrderNotFound,
    OrderNotPayable,
    RewardNotFound,
    UnknownProduct,
)
from core.funding import ConvertedAboveReward
from core.fx import Quote, RateUnavailable, StaleRate
from core.money import Money, exponent
from core.orders import OrderStatus
from core.redeem import UnknownCountry
from core.rewards import NotRewardRecipient, RewardNotSpendable
from core.views import CatalogPage, OrderSummary, ProductCard


def status_label(status: OrderStatus, loc: Localizer) -> str:
    labels = {
        OrderStatus.CREATED: loc._("Order created"),
        OrderStatus.AWAITING_PAYMENT: loc._("Awaiting payment"),
        OrderStatus.PAID: loc._("Paid, preparing your voucher"),
        OrderStatus.ISSUING: loc._("Paid, your voucher is on its way"),
        OrderStatus.ISSUED: loc._("Voucher ready"),
        OrderStatus.DELIVERED: loc._("Voucher ready"),
        OrderStatus.FAILED: loc._("Payment failed"),
        OrderStatus.CANCELLED: loc._("Cancelled"),
        OrderStatus.REFUNDED: loc._("Refunded"),
        OrderStatus.EXPIRED: loc._("Checkout expired"),
    }
    return labels[status]


def price_label(card: ProductCard, loc: Localizer) -> str:
    """'$10 · $25 · $50' for fixed values, 'from $5 to $500' (in steps of $5) for an open range."""
    if not card.open_value:
        return " · ".join(loc.money(value) for value in card.denominations)
    span = loc._(
        "from {minimum} to {maximum}",
        minimum=loc.money(card.minimum),
        maximum=loc.money(card.maximum),
    )
    if card.step is not None and card.step.minor not in (1, 10 ** exponent(card.step.currency)):
        return loc._("{span}, in steps of {step}", span=span, step=loc.money(card.step))
    return span


def amount_error(error: InvalidAmount, card: ProductCard, loc: Localizer) -> str:
    """What was wrong with a typed amount, naming the rule and repeating what was typed."""
    typed = error.typed
    values = {
        "typed": _as_money(typed, card.currency, loc) if error.rule in _AMOUNT_RULES else typed,
        "minimum": loc.money(card.minimum),
        "maximum": loc.money(card.maximum),
        "currency": card.currency,
        "choices": price_label(card, loc),
        "step": loc.money(card.step) if card.step else "",
    }
    sentences = {
        "not_an_amount": loc._(
            "“{typed}” is not an amount. Type a number from {minimum} to {maximum}.", **values
        ),
        "decimals": loc._("“{typed}” has too many decimals for {currency}.", **values),
        "currency": loc._("This voucher is sold in {currency}, not {typed}.", **values),
        "denomination": loc._(
            "{typed} is not one of the values this voucher comes in: {choices}.", **values
        ),
        "minimum": loc._(
            "{typed} is below the minimum of {minimum} (maximum {maximum}).", **values
        ),
        "maximum": loc._(
            "{typed} is above the maximum of {maximum} (minimum {minimum}).", **values
        ),
        "step": loc._(
            "{typed} is not allowed: amounts go from {minimum} to {maximum} in steps of {step}.",
            **values,
        ),
    }
    if not typed.strip():
        return loc._("Type an amount from {minimum} to {maximum}.", **values)
    return sentences.get(error.rule) or said(error.reason, loc)


_AMOUNT_RULES = ("denomination", "minimum", "maximum", "step")


def _as_money(typed: str, currency: str, loc: Localizer) -> str:
    try:
        return loc.money(Money.parse(typed, currency))
    except ValueError:
        return typed


def card_part(summary: OrderSummary) -> Money:
    """What is left to pay by card once the reward has covered its part."""
    covered = summary.paid_by_reward.minor if summary.paid_by_reward else 0
    return Money(summary.amount.minor - covered, summary.amount.currency)


def funding(summary: OrderSummary, loc: Localizer) -> str:
    reward = summary.paid_by_reward
    if reward is None:
        return ""
    card = card_part(summary)
    if card.minor == 0:
        return loc._("Paid with your reward ({reward}); no card needed.", reward=loc.money(reward))
    return loc._(
        "{reward} from your reward, {card} by card.", reward=loc.money(reward), card=loc.money(card)
    )


def failure(summary: OrderSummary, loc: Localizer) -> str:
    """Why the order failed, and for a declined card, that no money was taken."""
    if summary.issuance_failed:
        return loc._("We could not issue this voucher, so your payment is being refunded.")
    if not summary.failure_reason:
        return ""
    if summary.status is OrderStatus.FAILED:
        return loc._(
            "{reason} No money was taken.", reason=summary.failure_reason.rstrip(". ") + "."
        )
    return summary.failure_reason


def unknown_filter(page: CatalogPage, loc: Localizer) -> str:
    """A typed filter the catalog has nothing for, and what would work instead ('' when it is
    fine)."""
    query = page.query
    if query.currency and page.currencies and query.currency.upper() not in page.currencies:
        return loc._(
            "No vouchers in {currency}. Vouchers come in {valid}.",
            currency=query.currency.upper(),
            valid=", ".join(page.currencies),
        )
    if query.country and page.countries and query.country.upper() not in page.countries:
        return loc._(
            "No vouchers for {country}. Vouchers work in {valid}.",
            country=loc.country_name(query.country),
            valid=countries(page.countries, loc),
        )
    if query.category and query.category.lower() not in page.categories:
        if not page.categories:
            return loc._(
                "No vouchers in the category “{category}”: these vouchers have no categories.",
                category=query.category,
            )
        return loc._(
            "No vouchers in the category “{category}”. Categories: {valid}.",
            category=query.category,
            valid=", ".join(category_name(c) for c in page.categories),
        )
    return ""


def category_name(category: str) -> str:
    """'Coffee' for 'coffee': categories are the provider's words, shown as a label."""
    return category[:1].upper() + category[1:]


def countries(codes: tuple[str, ...], loc: Localizer) -> str:
    """'Germany, Austria': country names in the person's language, not codes."""
    return ", ".join(loc.country_name(code) for code in codes)


def rate_label(quote: Quote, loc: Localizer) -> str:
    """'1 EUR = 92.40 INR (ecb, Nov 25, 2026)': the rate a reward converts at, in the locale's
    numbers."""
    rate = format_decimal(quote.rate.normalize(), locale=loc.locale, decimal_quantization=False)
    rate_text = f"1 {quote.target.currency} = {rate} {quote.charged.currency}"
    if quote.margin_bps:
        margin = format_decimal(Decimal(quote.margin_bps) / 100, locale=loc.locale)
        rate_text = loc._("{rate} incl. {margin}% margin", rate=rate_text, margin=margin)
    return f"{rate_text} ({quote.source}, {loc.date(quote.as_of)})"


def rate_note(
    quote: Quote | None, problem: RateUnavailable | StaleRate | None, loc: Localizer
) -> str:
    """What a reward in another currency buys in the catalog, or why it shops in its own
    currency."""
    if problem is not None:
        return error_text(problem, loc)
    if quote is None:
        return ""
    return loc._(
        "Your {reward} buys up to {covered} at {rate}; the rate is locked when you order.",
        reward=loc.money(quote.charged),
        covered=loc.money(quote.target),
        rate=rate_label(quote, loc),
    )


def charged_note(summary: OrderSummary, loc: Localizer) -> str:
    """An order paid by a reward in another currency: what the reward paid, at which rate."""
    if summary.fx is None:
        return ""
    return loc._(
        "{charged} from your reward at {rate}",
        charged=loc.money(summary.fx.charged),
        rate=rate_label(summary.fx, loc),
    )


def error_text(error: Exception, loc: Localizer, *, catalog_command: str = "") -> str:
    """A refusal from the core, said in the person's language from the data it carries.

    `catalog_command` is how the person opens the catalog on their channel, for refusals that point
    there (a gift to oneself)."""
    said_already = gift_refusal(error, loc, catalog_command) or refusal(error, loc)
    if said_already is not None:
        return said_already
    match error:
        case UnknownProduct():
            return loc._(
                "There is no voucher “{product}” in the catalog.", product=error.product_id
            )
        case OrderNotFound():
            return loc._("There is no order {order}.", order=error.order_id)
        case RewardNotFound():
            return loc._("There is no reward {reward}.", reward=error.reward_id)
        case NotOrderOwner():
            return loc._("Only the person who placed this order can do that.")
        case OrderNotPayable():
            return loc._("Order {order} cannot be paid any more.", order=error.order_id)
        case CheckoutExpired():
            return loc._("This checkout link has expired. Start a new order from the chat.")
        case NotRewardRecipient():
            return loc._("Only the person who received this reward can spend it.")
        case RewardNotSpendable():
            return loc._(
                "This reward cannot be spent any more: it is used up, expired or cancelled."
            )
        case RateUnavailable():
            return loc._(
                "There is no exchange rate from {base} to {quote} yet, so this reward shops in its "
                "own currency. An admin can load rates with “voucherbot rates load”.",
                base=error.base,
                quote=error.quote,
            )
        case StaleRate():
            return loc._(
                "The newest exchange rate {rate} is from {date}, too old to use, so this reward "
                "shops in its own currency until an admin refreshes the rates.",
                rate=f"1 {error.rate.base} = {error.rate.value.normalize():f} {error.rate.quote}",
                date=loc.date(error.rate.as_of),
            )
        case ConvertedAboveReward():
            return loc._(
                "{voucher} costs {charged} at {rate}, more than the {available} left on your "
                "reward. Choose a smaller amount.",
                voucher=loc.money(error.quote.target),
                charged=loc.money(error.quote.charged),
                rate=rate_label(error.quote, loc),
                available=loc.money(error.available),
            )
        case UnknownCountry():
            return loc._(
                "“{typed}” is not a country code. Write two letters, such as DE, FR or US.",
                typed=error.typed,
            )
    if isinstance(phrase := getattr(error, "phrase", None), Phrase):
        return phrase.said(loc)
    return str(error)
