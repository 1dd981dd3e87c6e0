"""Money: integer minor units with an ISO 4217 currency; parsing and display."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

# ISO 4217 exponents that differ from the usual two decimals.
_EXPONENTS = {
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
}
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
# The symbols people type, and the currency each one means: a symbol is never dropped silently.
SYMBOL_CURRENCIES = {symbol: code for code, symbol in _SYMBOLS.items()}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_AMOUNT = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,3})?$")
# A comma separates thousands only: groups of exactly three digits after the first (1,000 or
# 12,345.50).
_GROUPED = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")
_DECIMAL_COMMA = re.compile(r"^[0-9]+,[0-9]{1,2}$")
MAX_MINOR = 10**12


class AmountNotRead(ValueError):
    """Text that cannot be read as an amount (or a currency); `rule` and `values` say why as data,
    for `core.refusals` to word (the message stays the English, for logs)."""

    def __init__(self, message: str, rule: str, **values: object) -> None:
        super().__init__(message)
        self.rule, self.values = rule, values


class TooManyDecimals(AmountNotRead):
    """An amount typed with more decimals than its currency has (12.345 USD)."""


def exponent(currency: str) -> int:
    """Digits after the decimal point for `currency`."""
    return _EXPONENTS.get(currency, 2)


def check_currency(currency: str) -> str:
    """Return `currency` upper-cased, or raise ValueError if it is not a 3-letter code."""
    code = currency.strip().upper()
    if not _CURRENCY.match(code):
        raise AmountNotRead(
            f"'{currency}' is not an ISO 4217 currency code", "not_a_currency", typed=currency
        )
    return code


@dataclass(frozen=True, order=True)
class Money:
    """An amount in the currency's minor unit (cents, or yen for JPY)."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise TypeError("Money takes integer minor units, never floats")
        if not 0 <= self.minor < MAX_MINOR:
            raise AmountNotRead(
                f"amount out of range: {self.minor}", "out_of_range", minor=self.minor
            )
        object.__setattr__(self, "currency", check_currency(self.currency))

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Read a major-unit amount such as '50', '12.50', '1,000' or '$50' typed by a person.

        A symbol must name `currency` ('€5' is not USD); an ambiguous comma ('2,50') is refused."""
        code = check_currency(currency)
        cleaned, symbol = without_symbol(text.strip())
        if symbol is not None and symbol != code:
            raise AmountNotRead(
                f"'{text.strip()}' is in {symbol}, not {code}",
                "symbol_currency",
                typed=text.strip(),
                typed_currency=symbol,
                currency=code,
            )
        cleaned = plain_number(cleaned)
        try:
            scaled = Decimal(cleaned).scaleb(exponent(code))
        except InvalidOperation as exc:
            raise AmountNotRead(f"'{text}' is not an amount", "not_an_amount", typed=text) from exc
        if scaled != scaled.to_integral_value():
            raise TooManyDecimals(
                f"{code} amounts have {exponent(code)} decimals at most",
                "too_many_decimals",
                currency=code,
                digits=exponent(code),
            )
        return cls(int(scaled), code)

    @classmethod
    def of_major(cls, value: Decimal, currency: str) -> Money:
        """A provider's balance or price in major units, rounded down to the minor unit (never below
        0)."""
        code = check_currency(currency)
        minor = int(value.scaleb(exponent(code)).to_integral_value(ROUND_FLOOR))
        return cls(max(0, minor), code)

    def major(self) -> str:
        """The amount in major units as text, e.g. '12.50'."""
        digits = exponent(self.currency)
        if digits == 0:
            return str(self.minor)
        whole, frac = divmod(self.minor, 10**digits)
        return f"{whole}.{frac:0{digits}d}"

    def __str__(self) -> str:
        symbol = _SYMBOLS.get(self.currency)
        major = self.major()
        major = major.removesuffix(".00")
        return f"{symbol}{major}" if symbol else f"{major} {self.currency}"

    def label(self) -> str:
        """Unambiguous display: '50.00 USD'."""
        return f"{self.major()} {self.currency}"


def without_symbol(text: str) -> tuple[str, str | None]:
    """'€25' or '25€' as ('25', 'EUR'); text without a currency symbol at either end as (text,
    None)."""
    if text[:1] in SYMBOL_CURRENCIES:
        return text[1:].lstrip(), SYMBOL_CURRENCIES[text[:1]]
    if text[-1:] in SYMBOL_CURRENCIES:
        return text[:-1].rstrip(), SYMBOL_CURRENCIES[text[-1:]]
    return text, None


def plain_number(text: str) -> str:
    """'1,000.50' as '1000.50'; ValueError for a comma that may be a decimal point ('2,50') or a
    non-number."""
    if _DECIMAL_COMMA.match(text):
        raise AmountNotRead(
            f"'{text}' is ambiguous: write {text.replace(',', '.')} (a comma only separates "
            f"thousands)",
            "ambiguous_comma",
            typed=text,
            written=text.replace(",", "."),
        )
    if "," in text:
        if not _GROUPED.match(text):
            raise AmountNotRead(
                f"'{text}' is not an amount: a comma only separates thousands, as in 1,000.50",
                "comma_thousands",
                typed=text,
            )
        text = text.replace(",", "")
    if not _AMOUNT.match(text):
        raise AmountNotRead(f"'{text}' is not an amount", "not_an_amount", typed=text)
    return text
