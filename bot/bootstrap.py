"""The composition root: builds each capability from the settings, in order, and wires them
together.

Each capability has its own builder under bot/build/ (storage, payments, the shop, providers,
rewards, people systems, chat channels, the web side, delivery); the builders register their routes,
hooks and scheduled jobs on one `Lifecycle`. A chat platform is one line in bot/build/channels.py.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.db.database import Database
from adapters.providers.catalog_file import BRAND_IMAGES
from bot.build.channels import PLATFORMS, ChannelParts, build_channels
from bot.build.delivery import build_delivery
from bot.build.gifts import build_giving
from bot.build.lifecycle import Lifecycle
from bot.build.limits import build_buckets
from bot.build.payments import build_payments
from bot.build.people import build_people
from bot.build.providers import build_providers, provider_set
from bot.build.rewards import build_reward_side
from bot.build.shop import Shop, build_shop, builtin_products
from bot.build.storage import open_database
from bot.build.web import mount_web
from bot.clock import process_clock
from bot.metrics import Metrics
from bot.providers import ProviderSet, tango_client, xoxoday_client
from bot.rewards import Rewards
from bot.settings import Settings
from bot.tls import OutgoingTrust
from bot.workers import BackgroundTasks, Workers
from core.catalog import Catalog
from core.catalog_source import LiveCatalog
from core.checkout import Checkout
from core.delivery import Relay
from core.pacing import MemoryTokenBuckets, TokenBuckets
from core.platforms import ChatPlatform
from core.ports import RandomIds, SystemClock
from core.recognition import Recognition
from core.vouchers import VoucherProvider

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the server runs, built once; `start` after the port is bound, `stop` on
    shutdown."""

    settings: Settings
    database: Database
    checkout: Checkout
    relay: Relay
    workers: Workers
    metrics: Metrics
    test_mode: bool
    brand_images: Path
    life: Lifecycle
    platforms: tuple[ChatPlatform, ...]
    recognition: Recognition | None = None
    rewards: Rewards | None = None
    providers: ProviderSet | None = None
    buckets: TokenBuckets = field(default_factory=MemoryTokenBuckets)  # limits and pacing

    async def start(self, port: int) -> None:
        for hook in self.life.on_start:
            await hook(port)
        self.workers.start()

    async def stop(self) -> None:
        await self.workers.stop()
        for hook in reversed(self.life.on_stop):
            try:
                await hook()
            except Exception:
                log.exception("error while shutting down")


async def build_services(settings: Settings) -> Services:
    trust, life = OutgoingTrust.of(settings), Lifecycle()
    database = await open_database(settings)
    life.on_stop.append(database.dispose)
    payments = await build_payments(settings, trust, life)
    clock, background = process_clock(settings.test_clock_file), BackgroundTasks()
    shop = build_shop(settings, database, payments.gateway, clock, background, trust, life)
    rewards = await build_reward_side(settings, database, clock, life, PLATFORMS)
    giving = build_giving(settings, database, shop.checkout, clock, rewards.people, life)
    providers = await build_providers(settings, database, shop, life)
    reach = build_people(settings, database, rewards, life)
    installer = reach.installer if reach is not None else None
    buckets = build_buckets(settings, database, life)  # rate limits shared by every replica
    parts = ChannelParts(
        settings,
        shop.checkout,
        rewards,
        giving.gifts,
        giving.group_gifts,
        buckets,
        trust,
        installer,
    )
    senders = build_channels(parts, life)
    mount_web(settings, database, shop.checkout, payments, rewards, providers, life)
    delivery = build_delivery(settings, database, shop, senders, buckets, clock, background, life)
    return Services(
        settings=settings,
        database=database,
        checkout=shop.checkout,
        relay=delivery.relay,
        workers=delivery.workers,
        metrics=delivery.metrics,
        test_mode=settings.embedded_payments,
        brand_images=BRAND_IMAGES,
        life=life,
        platforms=PLATFORMS,
        recognition=rewards.recognition,
        rewards=rewards,
        providers=providers,
        buckets=buckets,
    )


async def sync_catalog_now(settings: Settings) -> str:
    """`voucherbot catalog sync`: sync Plum's and Tango's catalogs now into the shared cache.

    Plum's line counts its calls: getVouchers allows about 500 a day.
    """
    from adapters.providers.tango import TangoCatalogSync
    from adapters.providers.xoxoday import XoxodayCatalogSync

    database = await open_database(settings)
    lines = []
    try:
        if "xoxoday" in settings.voucher_provider:
            client = xoxoday_client(settings, database)
            try:
                report = await XoxodayCatalogSync(
                    client, database.catalog_store(), SystemClock()
                ).sync()
            finally:
                await client.close()
            lines.append(
                f"fetched {report.fetched}, mapped {report.mapped}, skipped {report.skipped} "
                f"in {report.calls} calls"
            )
        if "tango" in settings.voucher_provider:
            tango = tango_client(settings)
            try:
                found = await TangoCatalogSync(
                    tango, database.catalog_store(), SystemClock()
                ).sync()
            finally:
                await tango.close()
            lines.append(
                f"tango: {found.brands} brands, {found.items} items, mapped {found.mapped} "
                f"products, "
                f"skipped {found.skipped} items"
            )
    finally:
        await database.dispose()
    return "\n".join(lines)


async def open_provider_set(
    settings: Settings,
) -> tuple[ProviderSet, Callable[[], Awaitable[None]]]:
    """The providers as the server builds them, for `voucherbot providers ...`; call the second to
    close."""
    database = await open_database(settings)
    products = builtin_products(settings)
    catalog = LiveCatalog(Catalog(products))
    providers: dict[str, VoucherProvider] = {}
    checkout = Checkout(
        uow=database.unit_of_work,
        catalog=catalog,
        gateway=_NoPayments(),
        providers=providers,
        clock=SystemClock(),
        ids=RandomIds(),
        public_base_url=settings.public_base_url,
    )
    found = await provider_set(settings, database, Shop(checkout, catalog, products, providers))

    async def close() -> None:
        for closer in found.closers:
            await closer()
        await database.dispose()

    return found, close


class _NoPayments:
    """The CLI reads providers only; it never takes a payment."""

    async def create_intent(self, **_: Any) -> Any:
        raise RuntimeError("the providers CLI takes no payments")

    async def refund(self, **_: Any) -> None:
        raise RuntimeError("the providers CLI takes no payments")

    def parse_event(self, payload: bytes, signature: str) -> Any:
        raise RuntimeError("the providers CLI takes no payments")
