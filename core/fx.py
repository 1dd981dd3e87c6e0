"""Currency conversion for rewards: rates with their source and time, locked quotes, exact minor
units."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from core.errors import InvalidRequest
from core.money import Money, exponent

# The European Central Bank publishes every rate against the euro; other pairs cross through it.
PIVOT = "EUR"
MAX_MARGIN_BPS = 2_000  # 20 %: anything above is a typo, not a policy


@dataclass(frozen=True)
class Rate:
    """One unit of `base` is worth `value` units of `quote`, as published by `source` at `as_of`."""

    base: str
    quote: str
    value: Decimal
    source: str
    as_of: datetime

    def __post_init__(self) -> None:
        if not isinstance(self.value, Decimal) or not self.value.is_finite() or self.value <= 0:
            raise ValueError(f"a rate must be a positive decimal, not {self.value!r}")
        if self.base == self.quote:
            raise ValueError("a rate needs two different currencies")

    def label(self) -> str:
        """'1 EUR = 1.0850 USD'."""
        return f"1 {self.base} = {self.value.normalize():f} {self.quote}"


class RateSource(Protocol):
    """Where rates are kept: loaded from an ECB file or URL, or set by an admin."""

    async def all(self) -> Sequence[Rate]: ...

    async def put(self, rates: Sequence[Rate]) -> None: ...


class RateUnavailable(InvalidRequest):
    """No rate is known between the two currencies."""

    def __init__(self, base: str, quote: str) -> None:
        super().__init__(
            f"There is no exchange rate from {base} to {quote} yet, so this voucher cannot be "
            f"bought "
            "with this reward. An admin can load rates with `voucherbot rates load`."
        )
        self.base, self.quote = base, quote


class StaleRate(InvalidRequest):
    """The newest rate between two currencies is older than the allowed age: no guessing."""

    def __init__(self, rate: Rate, max_age: timedelta) -> None:
        hours = int(max_age.total_seconds() // 3600)
        super().__init__(
            f"The exchange rate {rate.label()} is from {rate.as_of:%Y-%m-%d %H:%M} UTC, older than "
            f"{hours} hours, so conversion is paused. Try again once an admin has refreshed the "
            f"rates."
        )
        self.rate = rate


@dataclass(frozen=True)
class Quote:
    """A conversion locked for one order: `target` is bought for `charged`, at `rate` plus
    `margin_bps`."""

    charged: Money  # in the reward's currency: what the reward pays
    target: Money  # in the voucher's currency: what the recipient gets
    rate: Decimal  # units of `charged` per unit of `target`, margin included
    source: str
    as_of: datetime
    margin_bps: int = 0

    def label(self) -> str:
        """'1 EUR = 1.0850 USD (ecb, 2026-12-04)', as shown to the recipient."""
        margin = f" incl. {Decimal(self.margin_bps) / 100:f}% margin" if self.margin_bps else ""
        return (
            f"1 {self.target.currency} = {self.rate.normalize():f} {self.charged.currency}{margin} "
            f"({self.source}, {self.as_of:%Y-%m-%d})"
        )


class RateBook:
    """The newest rate for each pair, answering direct, inverse and euro-crossed questions."""

    def __init__(self, rates: Iterable[Rate], max_age: timedelta) -> None:
        newest: dict[tuple[str, str], Rate] = {}
        for rate in rates:
            known = newest.get((rate.base, rate.quote))
            if known is None or rate.as_of >= known.as_of:
                newest[(rate.base, rate.quote)] = rate
        self._rates = newest
        self._max_age = max_age

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self._rates.values(), key=lambda r: (r.base, r.quote)))

    def rate(self, base: str, quote: str, now: datetime) -> Rate:
        """Units of `quote` per unit of `base`; RateUnavailable or StaleRate instead of a guess."""
        found = self._find(base, quote)
        if found is None:
            raise RateUnavailable(base, quote)
        if now - found.as_of > self._max_age:
            raise StaleRate(found, self._max_age)
        return found

    def _find(self, base: str, quote: str) -> Rate | None:
        direct = self._direct(base, quote)
        if direct is not None or PIVOT in (base, quote):
            return direct
        to_pivot, from_pivot = self._direct(base, PIVOT), self._direct(PIVOT, quote)
        if to_pivot is None or from_pivot is None:
            return None
        older = min((to_pivot, from_pivot), key=lambda r: r.as_of)
        sources = "+".join(sorted({to_pivot.source, from_pivot.source}))
        return Rate(base, quote, to_pivot.value * from_pivot.value, sources, older.as_of)

    def _direct(self, base: str, quote: str) -> Rate | None:
        rate = self._rates.get((base, quote))
        if rate is not None:
            return rate
        inverse = self._rates.get((quote, base))
        if inverse is None:
            return None
        return Rate(base, quote, Decimal(1) / inverse.value, inverse.source, inverse.as_of)

    def quote(self, target: Money, pay_in: str, now: datetime, margin_bps: int = 0) -> Quote:
        """What `target` costs in `pay_in`, rounded half up to the minor unit, the margin on top."""
        rate = self.rate(target.currency, pay_in, now)
        return quote_with(rate, target, margin_bps)


def quote_with(rate: Rate, target: Money, margin_bps: int = 0) -> Quote:
    """Lock `rate` (plus the margin) for buying `target` with money in `rate.quote`."""
    if not 0 <= margin_bps <= MAX_MARGIN_BPS:
        raise ValueError(f"an FX margin is 0 to {MAX_MARGIN_BPS} basis points, not {margin_bps}")
    if rate.base != target.currency:
        raise ValueError(f"the rate is for {rate.base}, not {target.currency}")
    effective = with_margin(rate.value, margin_bps)
    return Quote(
        convert(target, effective, rate.quote),
        target,
        effective,
        rate.source,
        rate.as_of,
        margin_bps,
    )


def with_margin(value: Decimal, margin_bps: int) -> Decimal:
    """The rate charged: `value` plus `margin_bps` hundredths of a percent, to eight decimals."""
    return (value * (Decimal(10_000 + margin_bps) / Decimal(10_000))).quantize(
        Decimal("0.00000001")
    )


def convert(amount: Money, rate: Decimal, currency: str) -> Money:
    """`amount` times `rate` in `currency`, half up to its minor unit; integers and Decimal only."""
    major = Decimal(amount.minor).scaleb(-exponent(amount.currency)) * rate
    minor = major.scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Money(int(minor), currency)


def affordable(available: Money, rate: Decimal, currency: str) -> Money:
    """The most of `currency` that `available` buys at `rate`: rounded down, so its quote never
    exceeds it."""
    if rate <= 0:
        raise ValueError("a rate is positive")
    major = Decimal(available.minor).scaleb(-exponent(available.currency)) / rate
    guess = int(major.scaleb(exponent(currency)).to_integral_value(rounding="ROUND_FLOOR"))
    while (
        guess > 0
        and convert(Money(guess, currency), rate, available.currency).minor > available.minor
    ):
        guess -= 1
    return Money(max(0, guess), currency)


class Clock(Protocol):
    def now(self) -> datetime: ...


class Rates:
    """The rates desk: what admins load and set, and the quotes orders lock."""

    def __init__(self, source: RateSource, clock: Clock, max_age: timedelta) -> None:
        self._source = source
        self._clock = clock
        self.max_age = max_age

    async def book(self) -> RateBook:
        return RateBook(await self._source.all(), self.max_age)

    async def quote(self, target: Money, pay_in: str, margin_bps: int = 0) -> Quote:
        """Lock the newest rate for buying `target` with `pay_in`; RateUnavailable or StaleRate
        otherwise."""
        return (await self.book()).quote(target, pay_in, self._clock.now(), margin_bps)

    async def load(self, rates: Sequence[Rate]) -> int:
        await self._source.put(rates)
        return len(rates)

    async def set(self, base: str, quote: str, value: Decimal, actor: str) -> Rate:
        """An admin's rate, `1 base = value quote`, as of now."""
        rate = Rate(base, quote, value, f"admin:{actor}", self._clock.now())
        await self._source.put([rate])
        return rate
