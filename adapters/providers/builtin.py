"""The built-in voucher provider: readable check-summed codes from `secrets`, PINs and redemption
links.

A code looks like `QHB7-K3M9-Q2XH-4W`: 14 symbols in groups of four. Three symbols recall the brand,
ten are random (about 49.5 bits) and the last is a check symbol.

The alphabet has 31 symbols, 2-9 and A-Z without I, L and O, so no symbol can be misread as 0, O, 1,
I or L. Writing v(i) for the alphabet position of the i-th symbol (i = 1..14), a code is valid when
sum(i * v(i)) is 0 modulo 31; the check symbol is the one that makes it so. Because 31 is prime and
the weights 1..14 are distinct and non-zero modulo 31, changing one symbol always changes the sum,
and so does swapping any two different symbols (adjacent or not): every single-symbol typo and every
transposition is caught, like the ISBN-10 check digit but with no extra symbol needed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import unicodedata
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from core.catalog import Product
from core.errors import ProviderError
from core.money import Money
from core.vouchers import IssuedVoucher, mask

log = logging.getLogger(__name__)

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIX_LENGTH = 3
RANDOM_LENGTH = 10
CODE_LENGTH = PREFIX_LENGTH + RANDOM_LENGTH + 1
GROUP = 4
_MODULUS = len(ALPHABET)
_SEPARATORS = re.compile(r"[\s-]")


class BuiltinProvider:
    """Issues vouchers itself, from the catalog file's products; nothing outside can fail."""

    def __init__(self, name: str = "builtin", *, pin_digits: int = 6) -> None:
        if not 4 <= pin_digits <= 6:
            raise ValueError("a PIN has 4 to 6 digits")
        self.name = name
        self._pin_digits = pin_digits

    async def issue(
        self, *, order_id: str, product: Product, amount: Money, today: date
    ) -> IssuedVoucher:
        """A new voucher each call; the core keeps one per order, so calling again is harmless."""
        expires_on = product.expiry.expires_on(today)
        if expires_on < today:
            raise ProviderError(
                f"{product.id} vouchers expired on {expires_on.isoformat()}", retryable=False
            )
        code = new_code(product.brand)
        voucher = IssuedVoucher(
            code=code,
            expires_on=expires_on,
            pin=new_pin(self._pin_digits) if product.voucher_format.endswith("_pin") else None,
            redeem_url=self._redeem_url(product, code),
            provider_reference=f"{self.name}-{secrets.token_hex(8)}",
        )
        log.info(
            "voucher issued",
            extra={
                "order_id": order_id,
                "product_id": product.id,
                "code": mask(code),
                "amount": amount.label(),
            },
        )
        return voucher

    async def find(
        self, *, order_id: str, product: Product, amount: Money, today: date
    ) -> IssuedVoucher | None:
        """Nothing is bought outside, so a lost answer left nothing behind: issuing again is
        safe."""
        return None

    def _redeem_url(self, product: Product, code: str) -> str | None:
        if not product.voucher_format.startswith("url"):
            return None
        if not product.redeem_url:
            raise ProviderError(
                f"{product.id} has no redeem_url for its url vouchers", retryable=False
            )
        return redemption_link(product.redeem_url, code)


def new_code(brand: str) -> str:
    """A fresh code for `brand`: prefix, random symbols from `secrets`, check symbol, grouped."""
    body = brand_prefix(brand) + "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return _grouped(body + check_symbol(body))


def new_pin(digits: int) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def check_symbol(body: str) -> str:
    """The symbol that makes sum(i * v(i)) over body + symbol zero modulo 31 (see the module
    doc)."""
    weight = len(body) + 1
    total = _weighted_sum(body)
    return ALPHABET[(-total * pow(weight, -1, _MODULUS)) % _MODULUS]


def is_valid_code(code: str) -> bool:
    """True if `code` (any case, with or without dashes and spaces) is a well-formed built-in
    code."""
    symbols = _SEPARATORS.sub("", code).upper()
    if len(symbols) != CODE_LENGTH or any(s not in ALPHABET for s in symbols):
        return False
    return _weighted_sum(symbols) % _MODULUS == 0


def normalize_code(code: str) -> str:
    """The code as printed (`QHB7-K3M9-Q2XH-4W`), whatever the case and spacing it was typed
    with."""
    return _grouped(_SEPARATORS.sub("", code).upper())


def brand_prefix(brand: str) -> str:
    """Three symbols that recall the brand: its word initials first, then its other letters."""
    plain = unicodedata.normalize("NFKD", brand).encode("ascii", "ignore").decode().upper()
    words = re.findall(r"[A-Z0-9]+", plain)
    candidates = [w[0] for w in words] + [c for w in words for c in w[1:]]
    prefix = "".join(c for c in candidates if c in ALPHABET)[:PREFIX_LENGTH]
    # A brand written with no usable letters still gets a stable prefix of its own.
    digest = hashlib.sha256(brand.encode()).digest()
    filler = "".join(ALPHABET[b % _MODULUS] for b in digest)
    return (prefix + filler)[:PREFIX_LENGTH]


def redemption_link(redeem_url: str, code: str) -> str:
    """`redeem_url` with the code added as the `code` query parameter, keeping any query it has."""
    parts = urlsplit(redeem_url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("code", code)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _weighted_sum(symbols: str) -> int:
    return sum(
        position * ALPHABET.index(symbol) for position, symbol in enumerate(symbols, start=1)
    )


def _grouped(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP))
