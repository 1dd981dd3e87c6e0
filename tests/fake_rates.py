"""An in-memory core.fx.RateSource: the newest rate per pair, as the database keeps them."""

from __future__ import annotations

from collections.abc import Sequence

from core.fx import Rate


class FakeRateSource:
    def __init__(self, rates: Sequence[Rate] = ()) -> None:
        self.rates: dict[tuple[str, str], Rate] = {}
        self.puts = 0
        for rate in rates:
            self.rates[(rate.base, rate.quote)] = rate

    async def all(self) -> Sequence[Rate]:
        return list(self.rates.values())

    async def put(self, rates: Sequence[Rate]) -> None:
        self.puts += 1
        for rate in rates:
            self.rates[(rate.base, rate.quote)] = rate
