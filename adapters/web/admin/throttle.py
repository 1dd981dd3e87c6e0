"""A per-client-address limit on sign-in attempts: a token bucket per address, in this process's
memory.

The address is the connection's peer (`request.remote`), as for the bot's other per-address limits.
Behind a reverse proxy every client shares the proxy's address (one bucket for all): limit
`/admin/login` at the proxy too, or set `request.remote` from the trusted proxy's `X-Forwarded-For`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class AddressLimit:
    """`burst` attempts at once per address, then one every `every` seconds; idle addresses are
    forgotten."""

    burst: int = 10
    every: float = 15.0
    max_addresses: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(
        default_factory=dict
    )  # address -> (tokens, when)

    def take(self, address: str) -> int:
        """0 if `address` may try now (and a token is spent), else the whole seconds to wait."""
        now = self.clock()
        tokens = self._tokens(address, now)
        if tokens >= 1:
            self._buckets[address] = (tokens - 1, now)
            self._forget_full(now)
            return 0
        self._buckets[address] = (tokens, now)
        return max(1, math.ceil((1 - tokens) * self.every))

    def _tokens(self, address: str, now: float) -> float:
        tokens, then = self._buckets.get(address, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - then) / self.every)

    def _forget_full(self, now: float) -> None:
        # Bounded memory under a spray of addresses: drop those whose bucket has refilled.
        if len(self._buckets) <= self.max_addresses:
            return
        for address in [a for a in self._buckets if self._tokens(a, now) >= self.burst]:
            del self._buckets[address]
        while len(self._buckets) > self.max_addresses:
            del self._buckets[next(iter(self._buckets))]
