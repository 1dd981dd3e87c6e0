"""Money as the dashboard writes it: grouped thousands, a symbol in headlines, the code in tables."""

from __future__ import annotations

from core.money import Money

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


def amount(money: Money) -> str:
    """`1,025.00 USD`: unambiguous and aligned in a column of mixed currencies."""
    return f"{_grouped(money)} {money.currency}"


def money_text(money: Money) -> str:
    """`$4,925` or `$12.50`, `20 EUR` where no symbol is common: for headline figures."""
    digits = _grouped(money).removesuffix(".00")
    symbol = SYMBOLS.get(money.currency)
    return f"{symbol}{digits}" if symbol else f"{digits} {money.currency}"


def _grouped(money: Money) -> str:
    whole, _, fraction = money.major().partition(".")
    return f"{int(whole):,}" + (f".{fraction}" if fraction else "")
