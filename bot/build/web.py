"""The web side: the checkout page, the HR API and the admin dashboard, on the bot's one server."""

from __future__ import annotations

from aiohttp import web

from adapters.db.admin_users import SqlAdminAccounts
from adapters.db.database import Database
from adapters.db.oversight import SqlOversight
from adapters.web.admin import admin_routes
from adapters.web.checkout import checkout_routes
from bot.build.lifecycle import Lifecycle, Mount
from bot.build.payments import Payments
from bot.build.secret_text import plain
from bot.providers import ProviderSet
from bot.rewards import Rewards
from bot.settings import Settings
from core.checkout import Checkout
from core.oversight.acts import AdminActs


def mount_web(
    settings: Settings,
    database: Database,
    checkout: Checkout,
    payments: Payments,
    rewards: Rewards,
    providers: ProviderSet,
    life: Lifecycle,
) -> None:
    life.mounts.append(_checkout_page(settings, checkout, payments))
    life.mounts.append(rewards.hr_api.mount)  # /api/v1: rewards, employees, milestones for HR
    life.mounts.append(_admin_dashboard(settings, database, checkout, rewards, providers))


def _checkout_page(settings: Settings, checkout: Checkout, payments: Payments) -> Mount:
    routes = checkout_routes(
        checkout,
        payments.gateway,
        publishable_key=payments.publishable_key,
        stripe_js_url=payments.stripe_js_url,
        test_mode=settings.embedded_payments,
    )
    return _mount(routes)


def _admin_dashboard(
    settings: Settings,
    database: Database,
    checkout: Checkout,
    rewards: Rewards,
    providers: ProviderSet,
) -> Mount:
    """/admin: the dashboard over the same database and use cases; users from `voucherbot users`."""
    routes = admin_routes(
        oversight=SqlOversight.of(database),
        checkout=checkout,
        recognition=rewards.recognition,
        milestones=rewards.milestones,  # the next 30 days' milestones on the rewards page
        accounts=SqlAdminAccounts.of(database),
        acts=AdminActs(uow=database.unit_of_work),
        admin_token=plain(settings.admin_token),
        secure_cookies=settings.public_base_url.startswith("https://"),
        providers=providers,
        approvals=rewards.approvals,
        platforms=rewards.platforms,  # the channel filter's choices
    )
    return _mount(routes)


def _mount(routes: list[web.AbstractRouteDef]) -> Mount:
    def mount(app: web.Application) -> None:
        app.router.add_routes(routes)

    return mount
