"""The voucher providers of one server: built from the settings, their catalogs merged, routing and
health."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import aiohttp

from adapters.db.database import Database
from adapters.providers.builtin import BuiltinProvider
from adapters.providers.routes_file import RoutesFileError, load_routes, save_routes
from bot.settings import Settings
from bot.tls import OutgoingTrust
from core.catalog import Product
from core.catalog_source import LiveCatalog
from core.checkout import Checkout
from core.errors import ProviderError
from core.money import Money
from core.ports import SystemClock
from core.provider_health import ProviderHealth, ProviderStatus
from core.routing import Candidate, Router, RoutingRules, merge_catalogs
from core.vouchers import VoucherProvider

log = logging.getLogger(__name__)

Job = tuple[float, Callable[[], Awaitable[object]]]


class Syncs(Protocol):
    async def sync(self) -> object: ...


class HasBalances(Protocol):
    async def balances(self) -> list[Money]: ...


@dataclass
class ProviderSet:
    """What the server, the dashboard and the CLI share about providers."""

    settings: Settings
    database: Database
    checkout: Checkout
    catalog: (
        LiveCatalog  # what the checkout reads; replaced by each merge of the providers' catalogs
    )
    builtin: list[Product]
    health: ProviderHealth
    rules: RoutingRules
    providers: dict[str, VoucherProvider]  # the same mapping the checkout issues through
    syncs: dict[str, Syncs] = field(default_factory=dict)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @property
    def names(self) -> tuple[str, ...]:
        """Configured order (VOUCHER_PROVIDER), the built-in catalog last when it was not named."""
        named = tuple(self.settings.voucher_provider)
        return named if "builtin" in named else (*named, "builtin")

    @property
    def routes_file(self) -> Path | None:
        return self.settings.provider_routes_file

    async def refresh_catalog(self) -> None:
        """Merge the built-in catalog and every synced provider's cached one; replace the router
        with it."""
        store = self.database.catalog_store()
        by_provider: dict[str, Sequence[Product]] = {"builtin": self.builtin}
        for name in self.syncs:
            by_provider[name] = await store.load(name)
            self.health.set_synced(name, await store.last_synced(name))
        self._reload_rules()
        merged = merge_catalogs(by_provider, self.names)
        self.catalog.replace(merged.catalog)
        self.checkout.routing = Router(merged.offers, self.rules, self.health.balance)

    def _reload_rules(self) -> None:
        """Pick up rules another replica saved (the file is shared); a broken file keeps the rules
        in use."""
        try:
            self.rules = load_routes(self.routes_file, self.names)
        except RoutesFileError as exc:
            log.error(
                "routing rules file unusable; the previous rules stay",
                extra={"alert": True, "error": str(exc)},
            )

    async def sync_when_due(self) -> None:
        # Plum allows ~500 catalog calls a day: sync only when the cached copy is older than the
        # interval. One replica at a time runs this (a job lease); each replica reloads the cache on
        # its own.
        store = self.database.catalog_store()
        interval = timedelta(hours=self.settings.catalog_sync_hours)
        for name, sync in self.syncs.items():
            last = await store.last_synced(name)
            if last is None or SystemClock().now() - last >= interval:
                try:
                    await sync.sync()
                except ProviderError:
                    log.exception(
                        "catalog sync failed", extra={"provider": name}
                    )  # the others still sync
        await self.refresh_catalog()

    async def check_balances(self) -> list[str]:
        """Read every provider's balance into the health record; lines for the CLI."""
        lines = []
        now = SystemClock().now()
        for name, provider in self.providers.items():
            reader: Any = provider
            if not hasattr(reader, "balances"):
                continue
            try:
                for money in await reader.balances():
                    reading = self.health.set_balance(name, money, now)
                    lines.append(f"{name}\t{money.label()}" + ("\tLOW" if reading.low else ""))
            except ProviderError as exc:
                log.warning(
                    "provider balance unavailable", extra={"provider": name, "error": str(exc)}
                )
                lines.append(f"{name}\tunavailable ({exc})")
        return lines  # the router reads balances live from the health record

    def route(
        self, product_id: str, country: str | None, amount: Money | None = None
    ) -> tuple[Candidate, ...]:
        """Why an order for this product (in this country) would go where: the candidates in
        order."""
        product = self.checkout.catalog.get(product_id)
        return self.checkout.router.plan(
            product_id, amount or product.price(product.lowest), country
        )

    def status(self) -> tuple[ProviderStatus, ...]:
        return self.health.status(
            tuple(n for n in self.names if n in self.providers), SystemClock().now()
        )

    def routes_text(self) -> str:
        path = self.routes_file
        return path.read_text(encoding="utf-8") if path is not None and path.exists() else ""

    async def save_routes_text(self, text: str) -> None:
        """Check and store new rules (RoutesFileError says what is wrong); they apply to the next
        order."""
        if self.routes_file is None:
            raise ValueError("set PROVIDER_ROUTES_FILE to edit the routing rules")
        self.rules = save_routes(self.routes_file, text, self.names)
        await self.refresh_catalog()

    def jobs(self) -> tuple[list[Job], list[Job]]:
        """(once across replicas, on every replica)."""
        every = min(600.0, self.settings.catalog_sync_hours * 3600)
        balances = self.settings.provider_balance_check_minutes * 60
        return [(every, self.sync_when_due)], [
            (every, self.refresh_catalog),
            (balances, self.check_balances),
        ]


async def build_provider_set(
    settings: Settings,
    database: Database,
    checkout: Checkout,
    catalog: LiveCatalog,
    providers: dict[str, VoucherProvider],
    builtin: list[Product],
    alert: Callable[[str], Awaitable[None]],
) -> ProviderSet:
    """Fill `providers` (the checkout's own mapping) from VOUCHER_PROVIDER and merge their catalogs
    into `catalog` (the checkout's source)."""
    health = ProviderHealth(settings.provider_low_balance)
    names = tuple(settings.voucher_provider)
    rules = load_routes(
        settings.provider_routes_file, names if "builtin" in names else (*names, "builtin")
    )
    found = ProviderSet(settings, database, checkout, catalog, builtin, health, rules, providers)
    providers.setdefault("builtin", BuiltinProvider())
    if "xoxoday" in settings.voucher_provider:
        _add_xoxoday(found, alert)
    if "tango" in settings.voucher_provider:
        _add_tango(found)
    checkout.health = health
    await found.refresh_catalog()
    return found


def _add_xoxoday(found: ProviderSet, alert: Callable[[str], Awaitable[None]]) -> None:
    from adapters.providers.xoxoday import XoxodayCatalogSync, XoxodayProvider

    settings = found.settings
    client = xoxoday_client(settings, found.database)
    found.syncs["xoxoday"] = XoxodayCatalogSync(
        client, found.database.catalog_store(), SystemClock()
    )
    found.providers["xoxoday"] = XoxodayProvider(
        client,
        alert=alert,
        max_wait=settings.xoxoday_order_wait_seconds,
        recheck_interval=settings.xoxoday_recheck_seconds,
    )
    found.closers.append(client.close)


def _add_tango(found: ProviderSet) -> None:
    from adapters.providers.tango import TangoCatalogSync, TangoProvider

    client = tango_client(found.settings)
    found.syncs["tango"] = TangoCatalogSync(client, found.database.catalog_store(), SystemClock())
    found.providers["tango"] = TangoProvider(client)
    found.closers.append(client.close)


def xoxoday_client(settings: Settings, database: Database) -> Any:
    """A Plum client whose rotated tokens live encrypted in the database, shared by replicas and
    restarts."""
    from adapters.providers.xoxoday import SerializedTokenStore, XoxodayClient

    secrets_ = database.secret_store()
    tokens = SerializedTokenStore(
        lambda: secrets_.load("xoxoday.tokens"),
        lambda value: secrets_.save("xoxoday.tokens", value),
    )
    return XoxodayClient(
        settings.xoxoday_base_url,
        settings.xoxoday_client_id,
        _secret(settings.xoxoday_client_secret),
        _secret(settings.xoxoday_refresh_token),
        token_store=tokens,
        session_factory=_session_factory(OutgoingTrust.of(settings)),
    )


def tango_client(settings: Settings) -> Any:
    """A Tango client; its platform key stays in memory (from the environment), never written
    anywhere."""
    from adapters.providers.tango import TangoClient

    return TangoClient(
        settings.tango_base_url,
        settings.tango_platform_name,
        _secret(settings.tango_platform_key),
        customer_id=settings.tango_customer_id,
        account_id=settings.tango_account_id,
        session_factory=_session_factory(OutgoingTrust.of(settings)),
    )


def _session_factory(trust: OutgoingTrust) -> Callable[[], aiohttp.ClientSession] | None:
    """aiohttp sessions that trust the configured CA file (None: aiohttp's defaults)."""
    if trust.context is None:
        return None
    context = trust.context
    return lambda: aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""
