"""Wiring exchange rates: the database store, the max age, and the hourly ECB refresh when a URL is
set."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from adapters.db import Database
from adapters.fx.feed import EcbFeed, RatesFeedError
from bot.settings import Settings
from bot.tls import OutgoingTrust
from core.fx import Clock, Rates

log = logging.getLogger(__name__)
REFRESH_SECONDS = 3600.0  # the ECB publishes once a working day; hourly catches it within the hour


def build_rates(settings: Settings, database: Database, clock: Clock) -> Rates:
    return Rates(database.rate_store(), clock, timedelta(hours=settings.fx_max_age_hours))


def refresh_job(
    settings: Settings, rates: Rates, trust: OutgoingTrust
) -> list[tuple[float, Callable[[], Awaitable[object]]]]:
    """The leased periodic job that loads the ECB file from FX_RATES_URL; none without a URL."""
    if not settings.fx_rates_url:
        return []
    feed = EcbFeed(settings.fx_rates_url, ssl_context=trust.context)

    async def refresh_fx_rates() -> int:
        try:
            return await rates.load(await feed.fetch())
        except RatesFeedError as exc:
            # Kept rates stay usable until FX_MAX_AGE_HOURS; after that conversion stops, never
            # guesses.
            log.warning("exchange rates not refreshed", extra={"error": str(exc)})
            return 0

    return [(REFRESH_SECONDS, refresh_fx_rates)]
