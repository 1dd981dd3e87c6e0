"""Provider health as the dashboard and the router see it: balances, recent failure rates, catalog
syncs."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.money import Money

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)
KEEP = 500  # outcomes kept per provider: enough for a rate, bounded memory


@dataclass(frozen=True)
class BalanceReading:
    """One provider's balance in one currency, when it was read, and whether it is below the
    threshold."""

    provider: str
    balance: Money
    read_at: datetime
    low: bool


@dataclass(frozen=True)
class ProviderStatus:
    """One row of the dashboard's provider panel."""

    provider: str
    attempts: int
    failures: int
    balances: tuple[BalanceReading, ...]
    last_sync: datetime | None

    @property
    def failure_rate(self) -> float:
        return self.failures / self.attempts if self.attempts else 0.0


class ProviderHealth:
    """In-memory health of this replica's providers; balances come from a periodic check
    (bot/workers)."""

    def __init__(self, low_balance: Mapping[str, int] | None = None) -> None:
        self._low = dict(low_balance or {})  # currency -> threshold in minor units
        self._outcomes: dict[str, deque[tuple[datetime, bool]]] = {}
        self._balances: dict[tuple[str, str], BalanceReading] = {}
        self._syncs: dict[str, datetime] = {}

    def record(self, provider: str, *, ok: bool, at: datetime) -> None:
        self._outcomes.setdefault(provider, deque(maxlen=KEEP)).append((at, ok))

    def set_balance(self, provider: str, balance: Money, at: datetime) -> BalanceReading:
        threshold = self._low.get(balance.currency)
        reading = BalanceReading(
            provider, balance, at, threshold is not None and balance.minor < threshold
        )
        if reading.low:
            log.error(
                "provider balance below the low-balance threshold",
                extra={
                    "alert": True,
                    "provider": provider,
                    "balance": balance.label(),
                    "threshold": Money(threshold or 0, balance.currency).label(),
                },
            )
        self._balances[(provider, balance.currency)] = reading
        return reading

    def set_synced(self, provider: str, at: datetime | None) -> None:
        if at is not None:
            self._syncs[provider] = at

    def balance(self, provider: str, currency: str) -> int | None:
        """The known balance in minor units (the router's BalanceLookup), or None."""
        reading = self._balances.get((provider, currency))
        return None if reading is None else reading.balance.minor

    def low_balances(self) -> tuple[BalanceReading, ...]:
        return tuple(r for r in self._balances.values() if r.low)

    def status(self, providers: tuple[str, ...], now: datetime) -> tuple[ProviderStatus, ...]:
        return tuple(self._status_of(name, now) for name in providers)

    def _status_of(self, provider: str, now: datetime) -> ProviderStatus:
        recent = [ok for at, ok in self._outcomes.get(provider, ()) if now - at <= WINDOW]
        balances = tuple(r for (name, _), r in sorted(self._balances.items()) if name == provider)
        return ProviderStatus(
            provider, len(recent), recent.count(False), balances, self._syncs.get(provider)
        )
