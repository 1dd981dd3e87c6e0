"""Money: integer minor units with an ISO 4217 currency; parsing and display."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

# ISO 4217 exponents that differ from the usual two decimals.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,3})?$")
MAX_MINOR = 10**12


def exponent(currency: str) -> int:
    """Digits after the decimal point for `currency`."""
    return _EXPONENTS.get(currency, 2)


def check_currency(currency: str) -> str:
    """Return `currency` upper-cased, or raise ValueError if it is not a 3-letter code."""
    code = currency.strip().upper()
    if not _CURRENCY.match(code):
        raise ValueError(f"'{currency}' is not an ISO 4217 currency code")
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
            raise ValueError(f"amount out of range: {self.minor}")
        object.__setattr__(self, "currency", check_currency(self.currency))

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Read a major-unit amount such as '50' or '12.50' typed by a person."""
        cleaned = text.strip().replace(",", "").lstrip("$€£¥₹")
        if not _AMOUNT.match(cleaned):
            raise ValueError(f"'{text}' is not an amount")
        code = check_currency(currency)
        try:
            scaled = Decimal(cleaned).scaleb(exponent(code))
        except InvalidOperation as exc:
            raise ValueError(f"'{text}' is not an amount") from exc
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{code} amounts have {exponent(code)} decimals at most")
        return cls(int(scaled), code)

    @classmethod
    def of_major(cls, value: Decimal, currency: str) -> Money:
        """A provider's balance or price in major units, rounded down to the minor unit (never below 0)."""
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
        if major.endswith(".00"):
            major = major[:-3]
        return f"{symbol}{major}" if symbol else f"{major} {self.currency}"

    def label(self) -> str:
        """Unambiguous display: '50.00 USD'."""
        return f"{self.major()} {self.currency}"
