"""The checkout's façade: one object the channels, the web pages and the workers call, delegating
each command or query to the small use case that owns it (placing, card payments, payment events,
issuance, refunds, recovery, queries). It holds no rule of its own."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Generic, TypeVar

from core.browsing import Browsing
from core.card_checkout import CardCheckout
from core.catalog import Catalog
from core.catalog_source import CatalogSource, LiveCatalog
from core.curation import CurationStore
from core.fx import Rates
from core.issuance import Issuance
from core.order_queries import OrderQueries
from core.order_recovery import OrderRecovery
from core.payment_events import PaymentEvents
from core.payments import PaymentGateway
from core.placing import PlaceOrder, Placing
from core.ports import Clock, EmployeeStore, IdFactory, UnitOfWorkFactory
from core.provider_health import ProviderHealth
from core.redeem import RecipientCountries, RecordedCountries
from core.refunds import Refunds
from core.routing import Router
from core.shop import Absorb, Background, Shop
from core.vouchers import VoucherProvider

__all__ = ["Checkout", "PlaceOrder"]
T = TypeVar("T")


class _Shared(Generic[T]):
    """An attribute of the shop, read and set through the façade (the composition root sets
    some)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, checkout: Checkout, owner: type | None = None) -> T:
        value: T = getattr(checkout.shop, self._name)
        return value

    def __set__(self, checkout: Checkout, value: T) -> None:
        setattr(checkout.shop, self._name, value)


class Checkout:
    """The checkout core's façade: adapters call these methods and render what they return."""

    catalog: _Shared[Catalog] = _Shared()
    catalogs: _Shared[CatalogSource] = _Shared()
    routing: _Shared[Router | None] = _Shared()
    health: _Shared[ProviderHealth | None] = _Shared()
    rates: _Shared[Rates | None] = _Shared()
    curations: _Shared[CurationStore | None] = _Shared()
    countries: _Shared[RecipientCountries | None] = _Shared()
    employees: _Shared[EmployeeStore | None] = _Shared()
    absorb: _Shared[Absorb | None] = _Shared()  # set by the composition root (bot/bootstrap.py)

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        catalog: Catalog | CatalogSource,  # a fixed catalog, or the live one syncs replace
        gateway: PaymentGateway,
        providers: Mapping[str, VoucherProvider],
        clock: Clock,
        ids: IdFactory,
        public_base_url: str,
        checkout_ttl: timedelta = timedelta(minutes=30),
        stuck_after: timedelta = timedelta(seconds=30),
        background: Background | None = None,
        routing: Router | None = None,
        health: ProviderHealth | None = None,
        rates: Rates | None = None,
        curations: CurationStore | None = None,
        countries: RecipientCountries | None = None,
        employees: EmployeeStore | None = None,
        recorded: RecordedCountries | None = None,
    ) -> None:
        shop = Shop(
            uow=uow,
            catalogs=LiveCatalog(catalog) if isinstance(catalog, Catalog) else catalog,
            gateway=gateway,
            providers=providers,
            clock=clock,
            ids=ids,
            base_url=public_base_url,
            checkout_ttl=checkout_ttl,
            stuck_after=stuck_after,
            background=background,
            routing=routing,
            health=health,
            rates=rates,
            curations=curations,
            countries=countries,
            employees=employees,
            recorded=recorded,
        )
        self.shop = shop
        self._uow, self._clock = uow, clock  # for the tests and tools that open their own units
        refunds = Refunds(shop)
        issuance = Issuance(shop, refunds)
        card = CardCheckout(shop)
        browsing = Browsing(shop)
        queries = OrderQueries(shop)
        placing = Placing(shop, card, browsing.curation, issuance.issue_soon)
        payments = PaymentEvents(shop, refunds, issuance)
        recovery = OrderRecovery(shop, issuance, card, refunds)
        # Queries
        self.browse, self.curation = browsing.browse, browsing.curation
        self.refresh_curations, self.set_country = browsing.refresh_curations, browsing.set_country
        self.reward_catalog, self.product_card = browsing.reward_catalog, browsing.product_card
        self.amount_for, self.home_country = browsing.amount_for, browsing.home_country
        self.pick_list = browsing.pick_list
        self.order_summary, self.buyer_order = queries.order_summary, queries.buyer_order
        self.checkout_view, self.wallet, self.receipt = (
            queries.checkout_view,
            queries.wallet,
            queries.receipt,
        )
        self.checkout_url = shop.checkout_url
        # Commands and events
        self.place_order, self.cancel = placing.place_order, placing.cancel
        self.retry_payment = card.retry_payment
        self.handle_payment_event = payments.handle
        self.issue_voucher = issuance.issue_voucher
        self.refund, self.refund_duplicates = refunds.refund, refunds.refund_duplicates
        self.recover, self.retry_issuance = recovery.recover, recovery.retry_issuance
        self.resend = recovery.resend

    @property
    def router(self) -> Router:
        return self.shop.router
