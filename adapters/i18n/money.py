"""Amounts as a person reads them: CLDR patterns and symbols, '$' made unambiguous outside its
home."""

from __future__ import annotations

import functools
from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol, get_territory_currencies

from adapters.i18n.tags import territory
from core.money import Money, exponent

# CLDR gives a bare "$" for several dollars in many locales (de, hi, ja show USD as "$"); a person
# paying in a currency that is not their country's own must see which dollar it is.
_DOLLARS = {
    "USD": "US$",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "SGD": "S$",
    "HKD": "HK$",
    "MXN": "MX$",
}


def format_money(money: Money, locale: Locale) -> str:
    """'$1,000', '1.000,50 €', '₹20,000', 'US$25' (in Canada): cents only when there are any."""
    return _formatted(money.minor, money.currency, locale)


@functools.lru_cache(
    maxsize=8192
)  # Babel takes ~0.1 ms an amount; cards show the same prices again
def _formatted(minor: int, currency: str, locale: Locale) -> str:
    money = Money(minor, currency)
    amount = Decimal(money.minor).scaleb(-exponent(money.currency))
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    if money.minor % 10 ** exponent(money.currency) == 0:
        pattern = pattern.replace(".00", "")
    text = format_currency(
        amount, money.currency, format=pattern, locale=locale, currency_digits=False
    )
    symbol = get_currency_symbol(money.currency, locale)
    if symbol == "$" and not _at_home(money.currency, locale) and money.currency in _DOLLARS:
        text = text.replace(symbol, _DOLLARS[money.currency], 1)
    return text


def _at_home(currency: str, locale: Locale) -> bool:
    country = territory(locale)
    return bool(country) and currency in get_territory_currencies(country)
