"""The composition root: builds every adapter from the settings and wires them to the core."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.db.crypto import VoucherCipher
from adapters.db.database import Database
from adapters.providers.builtin import BuiltinProvider
from adapters.providers.catalog_file import BRAND_IMAGES, SAMPLE_CATALOG, load_catalog
from adapters.stripe_gateway import StripeGateway
from adapters.teams import build_teams
from adapters.web.checkout import checkout_routes
from core.catalog import Catalog, Product
from core.checkout import Checkout
from core.delivery import Relay
from core.ports import ChatSender, RandomIds, SystemClock
from core.vouchers import VoucherProvider

from bot.metrics import Metrics
from bot.settings import Settings
from bot.workers import BackgroundTasks, Workers

log = logging.getLogger(__name__)

Mount = Callable[[web.Application], None]


@dataclass
class Services:
    """Everything the server runs, built once; `start` after the port is bound, `stop` on shutdown."""

    settings: Settings
    database: Database
    checkout: Checkout
    relay: Relay
    workers: Workers
    metrics: Metrics
    test_mode: bool
    brand_images: Path
    mounts: list[Mount] = field(default_factory=list)
    on_start: list[Callable[[int], Awaitable[None]]] = field(default_factory=list)
    on_stop: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    channels: dict[str, Any] = field(default_factory=dict)

    async def start(self, port: int) -> None:
        for hook in self.on_start:
            await hook(port)
        self.workers.start()

    async def stop(self) -> None:
        await self.workers.stop()
        for hook in reversed(self.on_stop):
            try:
                await hook()
            except Exception:
                log.exception("error while shutting down")


def voucher_key(settings: Settings) -> bytes:
    """The encryption key for codes and PINs; for local runs, created once in a private file."""
    if settings.voucher_encryption_key is not None:
        return settings.voucher_encryption_key.get_secret_value().encode()
    path = settings.data_dir / "voucher.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(VoucherCipher.generate_key())
        log.warning("VOUCHER_ENCRYPTION_KEY is not set: created a local key file", extra={"path": str(path)})
    return path.read_bytes().strip()


def builtin_products(settings: Settings) -> list[Product]:
    return load_catalog(settings.catalog_file or SAMPLE_CATALOG, public_base_url=settings.public_base_url)


async def open_database(settings: Settings) -> Database:
    database = Database(settings.resolved_database_url, VoucherCipher(voucher_key(settings)))
    await database.upgrade()
    return database


async def build_services(settings: Settings) -> Services:
    database = await open_database(settings)
    services_on_start: list[Callable[[int], Awaitable[None]]] = []
    services_on_stop: list[Callable[[], Awaitable[None]]] = [database.dispose]
    gateway, publishable_key, stripe_js_url = await _payments(settings, services_on_start, services_on_stop)
    providers: dict[str, VoucherProvider] = {"builtin": BuiltinProvider()}
    products = builtin_products(settings)
    periodic: list[tuple[float, Callable[[], Awaitable[object]]]] = []
    clock = SystemClock()
    background = BackgroundTasks()
    checkout = Checkout(
        uow=database.unit_of_work,
        catalog=Catalog(products),
        gateway=gateway,
        providers=providers,
        clock=clock,
        ids=RandomIds(),
        public_base_url=settings.public_base_url,
        checkout_ttl=timedelta(minutes=settings.checkout_ttl_minutes),
        background=background.spawn,
    )
    if "xoxoday" in settings.voucher_provider:
        await _xoxoday(settings, database, checkout, providers, products, periodic, services_on_stop)
    senders: dict[str, ChatSender] = {}
    mounts: list[Mount] = []
    channels: dict[str, Any] = {}
    teams = build_teams(
        checkout,
        app_id=settings.microsoft_app_id,
        app_password=_secret(settings.microsoft_app_password),
        tenant_id=settings.microsoft_app_tenant_id,
        app_type=settings.microsoft_app_type,
        public_base_url=settings.public_base_url,
    )
    senders["teams"], channels["teams"] = teams.sender, teams
    mounts.append(teams.mount)
    if settings.slack_enabled:
        slack = _slack(settings, checkout)
        senders["slack"], channels["slack"] = slack.sender, slack
        mounts.append(slack.mount)
        if settings.slack_app_token is not None:
            services_on_start.append(lambda _port: slack.start_socket_mode())
        services_on_stop.append(slack.close)
    relay = Relay(
        uow=database.unit_of_work,
        catalog=lambda: checkout.catalog,
        senders=senders,
        clock=clock,
        checkout_url=checkout.checkout_url,
    )
    metrics = Metrics()
    workers = Workers(relay=relay, checkout=checkout, metrics=metrics, periodic=periodic, background=background)
    mounts.append(
        lambda app: app.router.add_routes(
            checkout_routes(
                checkout, gateway, publishable_key=publishable_key, stripe_js_url=stripe_js_url,
                test_mode=settings.embedded_payments,
            )
        )
    )
    return Services(
        settings=settings,
        database=database,
        checkout=checkout,
        relay=relay,
        workers=workers,
        metrics=metrics,
        test_mode=settings.embedded_payments,
        brand_images=BRAND_IMAGES,
        mounts=mounts,
        on_start=services_on_start,
        on_stop=services_on_stop,
        channels=channels,
    )


async def _payments(
    settings: Settings,
    on_start: list[Callable[[int], Awaitable[None]]],
    on_stop: list[Callable[[], Awaitable[None]]],
) -> tuple[StripeGateway, str, str]:
    if not settings.embedded_payments:
        gateway = StripeGateway(
            _secret(settings.stripe_secret_key), _secret(settings.stripe_webhook_secret), settings.stripe_api_base
        )
        on_stop.append(gateway.close)
        return gateway, settings.stripe_publishable_key, settings.stripe_js_url
    from adapters.stripe_local import start_localstripe  # GPL-licensed extra: imported only here

    local = await start_localstripe()
    webhook_secret = "whsec_" + secrets.token_hex(16)
    log.warning(
        "TEST MODE: no STRIPE_SECRET_KEY, payments go to an embedded localstripe; no money moves",
        extra={"localstripe": local.url},
    )

    async def register_webhook(port: int) -> None:
        await local.register_webhook(f"http://127.0.0.1:{port}/stripe/webhook", webhook_secret)

    gateway = StripeGateway("sk_test_embedded", webhook_secret, local.url)
    on_start.append(register_webhook)
    on_stop += [local.stop, gateway.close]
    return gateway, "pk_test_embedded", local.js_url


def _slack(settings: Settings, checkout: Checkout) -> Any:
    from adapters.slack import build_slack

    return build_slack(
        checkout,
        signing_secret=_secret(settings.slack_signing_secret),
        bot_token=_secret(settings.slack_bot_token) or None,
        api_url=settings.slack_api_url,
        app_token=_secret(settings.slack_app_token) or None,
        client_id=settings.slack_client_id or None,
        client_secret=_secret(settings.slack_client_secret) or None,
        oauth_database_url=settings.resolved_database_url,
        public_base_url=settings.public_base_url,
    )


async def _xoxoday(
    settings: Settings,
    database: Database,
    checkout: Checkout,
    providers: dict[str, VoucherProvider],
    builtin: list[Product],
    periodic: list[tuple[float, Callable[[], Awaitable[object]]]],
    on_stop: list[Callable[[], Awaitable[None]]],
) -> None:
    from adapters.providers.xoxoday import XoxodayCatalogSync, XoxodayClient, XoxodayProvider

    client = XoxodayClient(
        settings.xoxoday_base_url,
        settings.xoxoday_client_id,
        _secret(settings.xoxoday_client_secret),
        _secret(settings.xoxoday_refresh_token),
    )
    store = database.catalog_store()
    sync = XoxodayCatalogSync(client, store, SystemClock())
    providers["xoxoday"] = XoxodayProvider(client)

    async def refresh_catalog() -> None:
        checkout.catalog = Catalog([*builtin, *await store.load("xoxoday")])

    interval = timedelta(hours=settings.catalog_sync_hours)

    async def sync_when_due() -> None:
        # Plum allows ~500 catalog calls a day: sync only when the cached copy is older than the interval,
        # whichever replica or restart gets here first.
        last = await store.last_synced("xoxoday")
        if last is None or SystemClock().now() - last >= interval:
            await sync.sync()
        await refresh_catalog()

    periodic.append((min(600.0, interval.total_seconds()), sync_when_due))
    if hasattr(client, "close"):
        on_stop.append(client.close)


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""
