"""Money as the dashboard writes it, in the reader's locale: a symbol in headlines, the code in
tables."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency

from adapters.i18n import ENGLISH, Localizer
from core.money import Money, exponent


def amount(money: Money, loc: Localizer = ENGLISH) -> str:
    """`1,025.00 USD` (`1.025,00 USD` in German): unambiguous in a column of mixed currencies."""
    value = Decimal(money.minor).scaleb(-exponent(money.currency))
    return format_currency(value, money.currency, format="#,##0.00 ¤¤", locale=loc.locale)


def money_text(money: Money, loc: Localizer = ENGLISH) -> str:
    """`$4,925` or `$12.50`, `€20`: for headline figures."""
    return loc.money(money)
