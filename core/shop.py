"""What every checkout use case shares: storage, the catalog, the payment service, the providers and
their routing, time and ids. The composition root may replace the catalog and routing at run time
(a provider sync), so the use cases read them from here on each call."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from core.catalog import Catalog
from core.catalog_source import CatalogSource, LiveCatalog
from core.curation import Curation, CurationStore
from core.fx import Rates
from core.order_handlers import OrderBus
from core.orders import Order, OrderStatus
from core.payments import PaymentGateway
from core.ports import Clock, EmployeeStore, IdFactory, UnitOfWorkFactory
from core.provider_health import ProviderHealth
from core.redeem import RecipientCountries, RecordedCountries
from core.routing import Router, RoutingRules, single_provider_offers
from core.views import OrderSummary, summary_of
from core.vouchers import VoucherProvider

Background = Callable[[Coroutine[Any, Any, None]], None]
# core.funded.Funded.absorb: True when a paid order funds a reward (a group-gift contribution, a
# "their choice" gift) instead of buying a voucher; it has then been dealt with.
Absorb = Callable[[str], Coroutine[Any, Any, bool]]


@dataclass
class Shop:
    """The checkout's collaborators and settings (one per process, shared by its use cases)."""

    uow: UnitOfWorkFactory
    catalogs: CatalogSource  # the catalog in use now (core.catalog_source): read it on each use
    gateway: PaymentGateway
    providers: Mapping[str, VoucherProvider]
    clock: Clock
    ids: IdFactory
    base_url: str
    checkout_ttl: timedelta = timedelta(minutes=30)
    stuck_after: timedelta = timedelta(seconds=30)
    background: Background | None = None
    routing: Router | None = (
        None  # replaced with the catalog when providers sync (bot/bootstrap.py)
    )
    health: ProviderHealth | None = None
    rates: Rates | None = None  # None: a reward buys vouchers in its own currency only
    curations: CurationStore | None = None
    countries: RecipientCountries | None = None
    employees: EmployeeStore | None = None  # the HR record's country, when the recipient chose none
    # Both of the above in one read, when storage offers it (the same answer, for less work).
    recorded: RecordedCountries | None = None
    absorb: Absorb | None = None  # set by the composition root (bot/bootstrap.py)
    # Each programme's curated catalog, read again when a reward opens it and every minute (the
    # browse of a page is synchronous; a page turn on another replica sees a catalog at most that
    # old).
    curated: dict[str, Curation] = field(default_factory=dict)
    _default_router: tuple[Catalog, Router] | None = None

    @property
    def catalog(self) -> Catalog:
        """The catalog in use now."""
        return self.catalogs()

    @catalog.setter
    def catalog(self, catalog: Catalog) -> None:
        """Offer `catalog` from now on (a live source is replaced in place: its other readers
        follow)."""
        if isinstance(self.catalogs, LiveCatalog):
            self.catalogs.replace(catalog)
        else:
            self.catalogs = LiveCatalog(catalog)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.bus = OrderBus(self.clock, self.ids)

    @property
    def router(self) -> Router:
        """The configured router, or one that sends each product to the provider named on it."""
        if self.routing is not None:
            return self.routing
        if self._default_router is None or self._default_router[0] is not self.catalog:
            offers = single_provider_offers(self.catalog)
            self._default_router = (self.catalog, Router(offers, RoutingRules()))
        return self._default_router[1]

    def checkout_url(self, order: Order) -> str | None:
        if order.checkout_token is None:
            return None
        return f"{self.base_url}/checkout/{order.checkout_token}"

    def summary(self, order: Order) -> OrderSummary:
        url = self.checkout_url(order) if order.status is OrderStatus.AWAITING_PAYMENT else None
        return summary_of(order, self.catalog.get(order.product_id), url)

    async def order(self, order_id: str) -> Order:
        """The order as stored now (read in a unit of work of its own)."""
        async with self.uow() as uow:
            return await uow.orders.get(order_id)
