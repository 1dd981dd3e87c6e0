"""The composition root: builds every adapter from the settings and wires them to the core."""

from __future__ import annotations

import inspect
import logging
import os
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.db.admin_users import SqlAdminAccounts
from adapters.db.crypto import VoucherCipher
from adapters.db.database import Database
from adapters.db.oversight import SqlOversight
from adapters.providers.builtin import BuiltinProvider
from adapters.providers.catalog_file import BRAND_IMAGES, SAMPLE_CATALOG, load_catalog
from adapters.stripe_gateway import StripeGateway
from adapters.teams import BotFrameworkCloud, build_teams
from adapters.web.admin import admin_routes
from adapters.web.checkout import checkout_routes
from bot.buckets import open_buckets, paced
from bot.clock import process_clock
from bot.fx import build_rates, refresh_job
from bot.hris import build_hr_systems, graph_reach, scim_mount, scim_reconcile
from bot.limits import PersonLimits
from bot.metrics import Metrics
from bot.providers import ProviderSet, build_provider_set, tango_client, xoxoday_client
from bot.rewards import Rewards, build_rewards, find_people_in_slack, seed_development_programme
from bot.settings import Settings
from bot.tls import OutgoingTrust
from bot.workers import BackgroundTasks, Workers
from core.approvals import Approvals
from core.catalog import Catalog, Product
from core.checkout import Checkout
from core.delivery import Relay
from core.funded import Funded
from core.gifting import Gifts
from core.group_gifts import GroupGifts
from core.oversight.acts import AdminActs
from core.pacing import MemoryTokenBuckets, TokenBuckets
from core.ports import ChatSender, Clock, RandomIds, SystemClock
from core.recognition import Recognition
from core.vouchers import VoucherProvider

log = logging.getLogger(__name__)

Mount = Callable[[web.Application], None]
TEST_STRIPE_PREFIX = (
    "/_teststripe"  # embedded test mode: localstripe's browser part, on the bot's port
)


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
    recognition: Recognition | None = None
    rewards: Rewards | None = None
    providers: ProviderSet | None = None
    buckets: TokenBuckets = field(default_factory=MemoryTokenBuckets)  # limits and pacing

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
        log.warning(
            "VOUCHER_ENCRYPTION_KEY is not set: created a local key file", extra={"path": str(path)}
        )
    return path.read_bytes().strip()


def builtin_products(settings: Settings) -> list[Product]:
    return load_catalog(
        settings.catalog_file or SAMPLE_CATALOG, public_base_url=settings.public_base_url
    )


def _cipher(settings: Settings) -> VoucherCipher:
    """What encrypts codes, PINs and Slack tokens at rest, with the previous keys still readable."""
    previous = [key.get_secret_value().encode() for key in settings.voucher_previous_keys]
    return VoucherCipher(voucher_key(settings), previous_keys=previous)


def build_group_gifts(
    settings: Settings, database: Database, checkout: Checkout, clock: Clock
) -> GroupGifts:
    """Group gifts and "their choice" gifts: paid orders that fund a reward instead of a voucher."""
    ids = RandomIds()
    funded = Funded(uow=database.unit_of_work, ids=ids, clock=clock, refund=checkout.refund)
    checkout.absorb = funded.absorb
    counts = Counter(p.currency for p in checkout.catalog)
    currency = counts.most_common(1)[0][0] if counts else "USD"
    return GroupGifts(
        uow=database.unit_of_work,
        checkout=checkout,
        funded=funded,
        clock=clock,
        ids=ids,
        default_currency=currency,
    )


async def open_database(settings: Settings) -> Database:
    database = Database(settings.resolved_database_url, _cipher(settings))
    await database.upgrade()
    return database


async def build_services(settings: Settings) -> Services:
    trust = OutgoingTrust.of(settings)
    database = await open_database(settings)
    services_on_start: list[Callable[[int], Awaitable[None]]] = []
    services_on_stop: list[Callable[[], Awaitable[None]]] = [database.dispose]
    mounts: list[Mount] = []
    gateway, publishable_key, stripe_js_url = await _payments(
        settings, services_on_start, services_on_stop, mounts, trust
    )
    providers: dict[str, VoucherProvider] = {"builtin": BuiltinProvider()}
    products = builtin_products(settings)
    periodic: list[
        tuple[float, Callable[[], Awaitable[object]]]
    ] = []  # once across replicas (leased)
    every_replica: list[tuple[float, Callable[[], Awaitable[object]]]] = []
    clock = process_clock(settings.test_clock_file)
    background = BackgroundTasks()
    rates = build_rates(settings, database, clock)
    checkout = Checkout(
        uow=database.unit_of_work,
        catalog=Catalog(products),
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
    )
    periodic += refresh_job(settings, rates, trust)
    every_replica.append(
        (60.0, checkout.refresh_curations)
    )  # curated catalogs edited elsewhere  # ECB rates hourly when FX_RATES_URL is set
    rewards = build_rewards(settings, database, clock)
    # Gifts by email reach whoever the directory finds, in Slack or Teams (imported employees first).
    gifts = Gifts(uow=database.unit_of_work, checkout=checkout, clock=clock, people=rewards.people)
    group_gifts = build_group_gifts(settings, database, checkout, clock)
    periodic.append((settings.collection_check_seconds, group_gifts.settle_due))
    await seed_development_programme(settings, rewards.recognition)
    periodic += rewards.jobs()  # expiry and reminders every 10 minutes, milestones hourly
    provider_set = await build_provider_set(
        settings, database, checkout, providers, products, _alert_admins
    )
    once, each = provider_set.jobs()  # catalog syncs (leased), catalog reloads and balance checks
    periodic += once
    every_replica += each
    services_on_stop += provider_set.closers
    hr_systems = build_hr_systems(settings, database, rewards)
    periodic += hr_systems.jobs(
        settings, rewards.milestones
    )  # SuccessFactors, Darwinbox: every HRIS_SYNC_MINUTES, leased
    services_on_stop.append(hr_systems.close)
    if settings.scim_token is not None:
        periodic.append(
            scim_reconcile(settings, database, hr_systems.people)
        )  # heals a half-done push
    reach = graph_reach(
        settings, rewards
    )  # Microsoft Graph: find Teams users by email, install the app
    if reach is not None:
        services_on_stop.append(reach.close)
    senders: dict[str, ChatSender] = {}
    channels: dict[str, Any] = {}
    buckets, close_buckets = open_buckets(settings, database)  # rate limits shared by every replica
    if close_buckets is not None:
        services_on_stop.append(close_buckets)
    teams = build_teams(
        checkout,
        app_id=settings.microsoft_app_id,
        app_password=_secret(settings.microsoft_app_password),
        tenant_id=settings.microsoft_app_tenant_id,
        app_type=settings.microsoft_app_type,
        public_base_url=settings.public_base_url,
        cloud=BotFrameworkCloud(
            channel_service=settings.microsoft_channel_service,
            openid_metadata_url=settings.microsoft_openid_metadata_url,
            oauth_url=settings.microsoft_oauth_url,
            oauth_scope=settings.microsoft_oauth_scope,
        ),
        **(
            {"service_url_hosts": settings.teams_service_url_hosts}
            if settings.teams_service_url_hosts
            else {}
        ),
        ca_file=trust.ca_file or None,
        ssl=trust.context,
        installer=reach.installer if reach is not None else None,
        gifts=gifts,
        group_gifts=group_gifts,
        **_channel_kwargs(build_teams, rewards),
    )
    senders["teams"], channels["teams"] = teams.sender, teams
    mounts.append(teams.mount)
    if settings.slack_enabled:
        slack = _slack(settings, checkout, rewards, trust, gifts, group_gifts)
        find_people_in_slack(rewards, slack)  # HR-system and milestone rewards by email
        senders["slack"], channels["slack"] = slack.sender, slack
        mounts.append(slack.mount)
        if settings.slack_app_token is not None:
            services_on_start.append(
                lambda _port: slack.start_socket_mode(limit=_socket_mode_limit(settings, buckets))
            )
        services_on_stop.append(slack.close)
    relay = Relay(
        uow=database.unit_of_work,
        catalog=lambda: checkout.catalog,
        senders=paced(senders, buckets, settings),  # every replica shares one budget per platform
        clock=clock,
        checkout_url=checkout.checkout_url,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
    )
    metrics = Metrics()
    workers = Workers(
        relay=relay,
        checkout=checkout,
        metrics=metrics,
        recovery_seconds=settings.recovery_interval_seconds,
        periodic=periodic,
        every_replica=every_replica,
        background=background,
        leases=database.job_leases(),  # periodic jobs run once across replicas, not once per replica
    )
    mounts.append(
        lambda app: app.router.add_routes(
            checkout_routes(
                checkout,
                gateway,
                publishable_key=publishable_key,
                stripe_js_url=stripe_js_url,
                test_mode=settings.embedded_payments,
            )
        )
    )
    mounts.append(rewards.hr_api.mount)  # /api/v1: rewards, employees and milestones for HR systems
    if settings.scim_token is not None:
        mounts.append(scim_mount(settings, database, hr_systems.people))  # /scim/v2: Entra ID, Okta
    mounts.append(  # /admin
        _admin_dashboard(settings, database, checkout, rewards, provider_set, rewards.approvals)
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
        recognition=rewards.recognition,
        rewards=rewards,
        providers=provider_set,
        buckets=buckets,
    )


def _socket_mode_limit(
    settings: Settings, buckets: TokenBuckets
) -> Callable[[str], Awaitable[float]] | None:
    """Socket Mode requests count against the same per-person buckets as HTTP ones."""
    if settings.rate_limit_per_minute <= 0:
        return None
    limits = PersonLimits(buckets, settings.rate_limit_per_minute / 60, settings.rate_limit_burst)
    return limits.take


async def _payments(
    settings: Settings,
    on_start: list[Callable[[int], Awaitable[None]]],
    on_stop: list[Callable[[], Awaitable[None]]],
    mounts: list[Mount],
    trust: OutgoingTrust | None = None,
) -> tuple[StripeGateway, str, str]:
    if not settings.embedded_payments:
        gateway = StripeGateway(
            _secret(settings.stripe_secret_key),
            _secret(settings.stripe_webhook_secret),
            settings.stripe_api_base,
            ssl_context=trust.context if trust else None,
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
    # The page loads the fake Stripe.js from the bot's own port, so one forwarded port is enough.
    mounts.append(lambda app: app.add_subapp(TEST_STRIPE_PREFIX, local.browser_app()))
    return gateway, "pk_test_embedded", f"{TEST_STRIPE_PREFIX}/js.stripe.com/v3/"


def _slack(
    settings: Settings,
    checkout: Checkout,
    rewards: Rewards | None = None,
    trust: OutgoingTrust | None = None,
    gifts: Gifts | None = None,
    group_gifts: GroupGifts | None = None,
) -> Any:
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
        secret_box=_cipher(settings) if settings.slack_client_id else None,
        public_base_url=settings.public_base_url,
        ssl=trust.context if trust else None,
        gifts=gifts,
        group_gifts=group_gifts,
        **(_channel_kwargs(build_slack, rewards) if rewards is not None else {}),
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
                f"tango: {found.brands} brands, {found.items} items, mapped {found.mapped} products, "
                f"skipped {found.skipped} items"
            )
    finally:
        await database.dispose()
    return "\n".join(lines)


async def open_provider_set(
    settings: Settings,
) -> tuple[ProviderSet, Callable[[], Awaitable[None]]]:
    """The providers as the server builds them, for `voucherbot providers ...`; call the second to close."""
    database = await open_database(settings)
    providers: dict[str, VoucherProvider] = {}
    checkout = Checkout(
        uow=database.unit_of_work,
        catalog=Catalog(builtin_products(settings)),
        gateway=_NoPayments(),
        providers=providers,
        clock=SystemClock(),
        ids=RandomIds(),
        public_base_url=settings.public_base_url,
    )
    found = await build_provider_set(
        settings, database, checkout, providers, builtin_products(settings), _alert_admins
    )

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


async def _alert_admins(message: str) -> None:
    # Operators watch error-level logs (and the dashboard's failed orders); the text names no secret.
    log.error("provider alert: %s", message, extra={"alert": True})


def _channel_kwargs(build: Callable[..., Any], rewards: Rewards) -> dict[str, Any]:
    """Rewards for a channel whose builder takes them: `recognition=` turns rewards on in the channel,
    `directory=` finds colleagues by email (imported employees). Checked by signature, so a channel that
    does not take them yet still builds."""
    offered: dict[str, Any] = {
        "recognition": rewards.recognition,
        "directory": rewards.people,
        "tenants": rewards.tenants,  # Teams remembers each tenant's Connector URL: people reachable by id
        "confirmations": rewards.confirmations,  # rewards awaiting Send, in the database (core.confirmations)
        "approvals": rewards.approvals,  # sends held for an approver (core.approvals)
    }
    accepted = inspect.signature(build).parameters
    return {name: value for name, value in offered.items() if name in accepted}


def _admin_dashboard(
    settings: Settings,
    database: Database,
    checkout: Checkout,
    rewards: Rewards,
    providers: ProviderSet | None = None,
    approvals: Approvals | None = None,
) -> Mount:
    """/admin: the dashboard over the same database and use cases; users come from `voucherbot users create`."""
    routes = admin_routes(
        oversight=SqlOversight.of(database),
        checkout=checkout,
        recognition=rewards.recognition,
        milestones=rewards.milestones,  # the next 30 days' milestones on the rewards page
        accounts=SqlAdminAccounts.of(database),
        acts=AdminActs(uow=database.unit_of_work),
        admin_token=_secret(settings.admin_token),
        secure_cookies=settings.public_base_url.startswith("https://"),
        providers=providers,
        approvals=approvals,
    )

    def mount(app: web.Application) -> None:
        app.router.add_routes(routes)

    return mount


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""
