"""The shop: the live catalog, the voucher providers' mapping and the checkout that sells from
them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from adapters.db.database import Database
from adapters.providers.builtin import BuiltinProvider
from adapters.providers.catalog_file import SAMPLE_CATALOG, load_catalog
from bot.build.lifecycle import Lifecycle
from bot.fx import build_rates, refresh_job
from bot.settings import Settings
from bot.tls import OutgoingTrust
from bot.workers import BackgroundTasks
from core.catalog import Catalog, Product
from core.catalog_source import LiveCatalog
from core.checkout import Checkout
from core.payments import PaymentGateway
from core.ports import Clock, RandomIds
from core.vouchers import VoucherProvider

CURATION_REFRESH_SECONDS = 60.0  # curated catalogs edited on another replica or in the dashboard


@dataclass(frozen=True)
class Shop:
    """The checkout and what it sells from; the providers' builder fills `providers` and
    `catalog`."""

    checkout: Checkout
    catalog: LiveCatalog
    builtin: list[Product]
    providers: dict[str, VoucherProvider]  # the checkout's own mapping, filled by name


def builtin_products(settings: Settings) -> list[Product]:
    """The catalog file's products (CATALOG_FILE, else the sample catalog)."""
    return load_catalog(
        settings.catalog_file or SAMPLE_CATALOG, public_base_url=settings.public_base_url
    )


def build_shop(
    settings: Settings,
    database: Database,
    gateway: PaymentGateway,
    clock: Clock,
    background: BackgroundTasks,
    trust: OutgoingTrust,
    life: Lifecycle,
) -> Shop:
    products = builtin_products(settings)
    catalog = LiveCatalog(Catalog(products))
    providers: dict[str, VoucherProvider] = {"builtin": BuiltinProvider()}
    rates = build_rates(settings, database, clock)
    checkout = Checkout(
        uow=database.unit_of_work,
        catalog=catalog,
        gateway=gateway,
        providers=providers,
        clock=clock,
        ids=RandomIds(),
        public_base_url=settings.public_base_url,
        checkout_ttl=timedelta(minutes=settings.checkout_ttl_minutes),
        stuck_after=timedelta(seconds=settings.stuck_order_seconds),
        background=background.spawn,
        rates=rates,
        curations=database.curations(),
        countries=database.recipient_countries(),
        employees=database.hr_stores().employees,  # an employee record's country
        recorded=database.recorded_countries(),  # both in one read (a typed `vouchers` asks)
    )
    life.run_once_across_replicas(refresh_job(settings, rates, trust))  # ECB rates, if a URL is set
    life.run_on_every_replica([(CURATION_REFRESH_SECONDS, checkout.refresh_curations)])
    return Shop(checkout, catalog, products, providers)
