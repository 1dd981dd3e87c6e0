"""Payments: Stripe, or in test mode an embedded localstripe where no money moves."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from aiohttp import web

from adapters.stripe_gateway import StripeGateway
from bot.build.lifecycle import Lifecycle
from bot.build.secret_text import plain
from bot.settings import Settings
from bot.tls import OutgoingTrust

log = logging.getLogger(__name__)
TEST_STRIPE_PREFIX = (
    "/_teststripe"  # embedded test mode: localstripe's browser part, on the bot's port
)


@dataclass(frozen=True)
class Payments:
    """The gateway, and what the checkout page loads to take a card."""

    gateway: StripeGateway
    publishable_key: str
    stripe_js_url: str


async def build_payments(settings: Settings, trust: OutgoingTrust, life: Lifecycle) -> Payments:
    if settings.embedded_payments:
        return await _embedded(life)
    gateway = StripeGateway(
        plain(settings.stripe_secret_key),
        plain(settings.stripe_webhook_secret),
        settings.stripe_api_base,
        ssl_context=trust.context,
    )
    life.on_stop.append(gateway.close)
    return Payments(gateway, settings.stripe_publishable_key, settings.stripe_js_url)


async def _embedded(life: Lifecycle) -> Payments:
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
    life.on_start.append(register_webhook)
    life.on_stop.extend([local.stop, gateway.close])

    def mount(app: web.Application) -> None:
        # The page loads the fake Stripe.js from the bot's own port: one forwarded port is enough.
        app.add_subapp(TEST_STRIPE_PREFIX, local.browser_app())

    life.mounts.append(mount)
    return Payments(gateway, "pk_test_embedded", f"{TEST_STRIPE_PREFIX}/js.stripe.com/v3/")
