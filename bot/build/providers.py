"""Voucher providers: fill the shop's providers, merge their catalogs, and schedule syncs and
checks."""

from __future__ import annotations

import logging

from adapters.db.database import Database
from bot.build.lifecycle import Lifecycle
from bot.build.shop import Shop
from bot.providers import ProviderSet, build_provider_set
from bot.settings import Settings

log = logging.getLogger(__name__)


async def build_providers(
    settings: Settings, database: Database, shop: Shop, life: Lifecycle
) -> ProviderSet:
    found = await provider_set(settings, database, shop)
    leased, each = found.jobs()  # catalog syncs (leased), catalog reloads and balance checks
    life.run_once_across_replicas(leased)
    life.run_on_every_replica(each)
    life.on_stop.extend(found.closers)
    return found


async def provider_set(settings: Settings, database: Database, shop: Shop) -> ProviderSet:
    """The providers over the shop's catalog and mapping, without scheduling (the CLI's too)."""
    return await build_provider_set(
        settings,
        database,
        shop.checkout,
        shop.catalog,
        shop.providers,
        shop.builtin,
        alert_admins,
    )


async def alert_admins(message: str) -> None:
    # Operators watch error-level logs (and the dashboard's failed orders); the text names no
    # secret.
    log.error("provider alert: %s", message, extra={"alert": True})
