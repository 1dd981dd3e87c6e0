"""The dashboard shows where each order went and why, provider health, and lets admins edit the
rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import ClientSession, CookieJar, web

from adapters.db import Database, VoucherCipher
from adapters.db.admin_users import SqlAdminAccounts
from adapters.db.oversight import SqlOversight
from adapters.providers.routes_file import load_routes, save_routes
from adapters.web.admin import admin_routes
from core.checkout import Checkout, PlaceOrder
from core.identity import ConversationRef
from core.money import Money
from core.oversight.accounts import AdminRole
from core.oversight.acts import AdminActs
from core.payments import PaymentEvent, PaymentEventKind
from core.provider_health import ProviderHealth, ProviderStatus
from core.recognition import Recognition
from core.routing import Router, merge_catalogs
from tests.admin.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    BOOKS,
    GRACE,
    VIEWER_EMAIL,
    VIEWER_PASSWORD,
    Browser,
    add_user,
)
from tests.fakes import FakeGateway, FixedClock, ScriptedProvider, SequentialIds

NAMES = ("xoxoday", "tango")
PLUM_BOOKS = replace(BOOKS, id="plum-1001", provider="xoxoday", countries=("US",))
TANGO_BOOKS = replace(BOOKS, id="tango-b916708-usd-us", provider="tango", countries=("US",))
RULES = "rules:\n  - countries: [US]\n    prefer: [tango, xoxoday]\n"


class Panel:
    """The server's provider set as the dashboard sees it, over a real rules file and health
    record."""

    def __init__(self, checkout: Checkout, health: ProviderHealth, routes_file: Path) -> None:
        self.checkout, self.health, self.routes_file = checkout, health, routes_file

    def status(self) -> tuple[ProviderStatus, ...]:
        return self.health.status(NAMES, self.checkout._clock.now())

    def routes_text(self) -> str:
        return self.routes_file.read_text(encoding="utf-8")

    async def save_routes_text(self, text: str) -> None:
        rules = save_routes(self.routes_file, text, NAMES)
        self.checkout.routing = Router(_offers(), rules, self.health.balance)


def _offers() -> dict[str, tuple]:
    return dict(merge_catalogs({"xoxoday": [PLUM_BOOKS], "tango": [TANGO_BOOKS]}, NAMES).offers)


@dataclass
class Shop:
    url: str
    checkout: Checkout
    tango: ScriptedProvider
    health: ProviderHealth
    routes: Path
    clock: FixedClock
    database: Database
    sessions: list[ClientSession]

    async def browser(self, email: str, password: str) -> Browser:
        session = ClientSession(cookie_jar=CookieJar(unsafe=True))
        self.sessions.append(session)
        browser = Browser(session, self.url)
        assert (await browser.sign_in(email, password))[0] == 303
        return browser

    async def paid_order(self, key: str) -> str:
        conversation = ConversationRef("teams", '{"conversation": "a:1grace"}')
        placed = await self.checkout.place_order(
            PlaceOrder(GRACE, "plum-1001", Money(2500, "USD"), conversation, key)
        )
        async with self.database.unit_of_work() as uow:
            order = await uow.orders.get(placed.order_id)
        await self.checkout.handle_payment_event(
            PaymentEvent(
                f"evt-{key}",
                PaymentEventKind.SUCCEEDED,
                order.payment_intent_id or "",
                order.id,
                order.amount,
            )
        )
        return order.id


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Shop]:
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    database = Database(
        f"sqlite+aiosqlite:///{tmp_path / 'vb.db'}",
        VoucherCipher(VoucherCipher.generate_key()),
        clock=clock,
    )
    await database.upgrade()
    routes = tmp_path / "routes.yaml"
    routes.write_text(RULES, encoding="utf-8")
    health = ProviderHealth({"USD": 10000})
    plum, tango = ScriptedProvider("xoxoday"), ScriptedProvider("tango")
    ids = SequentialIds()
    checkout = Checkout(
        uow=database.unit_of_work,
        catalog=merge_catalogs({"xoxoday": [PLUM_BOOKS], "tango": [TANGO_BOOKS]}, NAMES).catalog,
        gateway=FakeGateway(),
        providers={"xoxoday": plum, "tango": tango},
        clock=clock,
        ids=ids,
        public_base_url="http://127.0.0.1",
        routing=Router(_offers(), load_routes(routes, NAMES), health.balance),
        health=health,
    )
    accounts = SqlAdminAccounts.of(database)
    await add_user(accounts, ADMIN_EMAIL, ADMIN_PASSWORD, AdminRole.ADMIN, clock.now())
    await add_user(accounts, VIEWER_EMAIL, VIEWER_PASSWORD, AdminRole.VIEWER, clock.now())
    app = web.Application()
    app.router.add_routes(
        admin_routes(
            oversight=SqlOversight.of(database),
            checkout=checkout,
            recognition=Recognition(uow=database.unit_of_work, clock=clock, ids=ids),
            accounts=accounts,
            acts=AdminActs(uow=database.unit_of_work),
            admin_token="",
            secure_cookies=False,
            clock=clock,
            providers=Panel(checkout, health, routes),
        )
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    found = Shop(
        f"http://127.0.0.1:{runner.addresses[0][1]}",
        checkout,
        tango,
        health,
        routes,
        clock,
        database,
        [],
    )
    try:
        yield found
    finally:
        for session in found.sessions:
            await session.close()
        await runner.cleanup()
        await database.dispose()


async def test_a_rerouted_order_shows_its_provider_the_reason_and_who_said_no(shop: Shop) -> None:
    shop.tango.refuse = "insufficient funds"
    order_id = await shop.paid_order("req-rerouted")
    admin = await shop.browser(ADMIN_EMAIL, ADMIN_PASSWORD)

    _, page = await admin.get(f"/admin/orders/{order_id}")
    _, listing = await admin.get("/admin/orders")

    assert "<dt>Provider</dt><dd>xoxoday" in page
    assert (
        "fallback after tango said no (tango: insufficient funds)" in page
        and "said no: tango" in page
    )
    assert "rerouted" in listing and ">xoxoday" in listing


async def test_the_overview_shows_balances_failure_rates_and_alerts_on_a_low_balance(
    shop: Shop,
) -> None:
    shop.health.set_balance("tango", Money(4200, "USD"), shop.clock.now())
    shop.health.set_balance("xoxoday", Money(250000, "USD"), shop.clock.now())
    shop.tango.refuse = "insufficient funds"
    await shop.paid_order("req-health")
    viewer = await shop.browser(VIEWER_EMAIL, VIEWER_PASSWORD)

    status, overview = await viewer.get("/admin")

    assert status == 200
    assert "Low balance: tango $42" in overview
    assert "2,500" in overview or "$2,500" in overview
    assert "1 of 1 (100%)" in overview  # tango refused the one order it was asked for


async def test_an_admin_saves_new_routing_rules_and_the_next_order_follows_them(shop: Shop) -> None:
    admin = await shop.browser(ADMIN_EMAIL, ADMIN_PASSWORD)
    new_rules = "rules:\n  - countries: [US]\n    prefer: [xoxoday, tango]\n"

    status, _ = await admin.post(
        "/admin/providers/rules", {"rules": new_rules}, from_page="/admin/providers"
    )
    order_id = await shop.paid_order("req-after-edit")

    assert status == 303 and shop.routes.read_text(encoding="utf-8") == new_rules
    async with shop.database.unit_of_work() as uow:
        order = await uow.orders.get(order_id)
        audit = await uow.audit.entries("routing")
    assert order.provider == "xoxoday" and order.route_reason == "preferred by rule 1 (US)"
    assert [e.action for e in audit] == ["routing.rules_saved"]


async def test_rules_naming_an_unknown_provider_are_refused_with_the_reason_and_the_file_is_kept(
    shop: Shop,
) -> None:
    admin = await shop.browser(ADMIN_EMAIL, ADMIN_PASSWORD)
    status, page = await admin.post(
        "/admin/providers/rules",
        {"rules": "rules:\n  - prefer: [giftly]\n"},
        from_page="/admin/providers",
    )
    assert status == 400 and "rule 1 prefer: giftly is not a configured provider" in page
    assert shop.routes.read_text(encoding="utf-8") == RULES


async def test_a_viewer_cannot_change_the_routing_rules(shop: Shop) -> None:
    viewer = await shop.browser(VIEWER_EMAIL, VIEWER_PASSWORD)
    status, _ = await viewer.post(
        "/admin/providers/rules", {"rules": "rules: []\n"}, from_page="/admin/providers"
    )
    assert status == 403 and shop.routes.read_text(encoding="utf-8") == RULES


async def test_the_providers_page_and_its_low_balance_alert_are_in_german(shop: Shop) -> None:
    german = {"Accept-Language": "de-DE,de;q=0.9"}
    shop.health.set_balance("tango", Money(4200, "USD"), shop.clock.now())
    admin = await shop.browser(ADMIN_EMAIL, ADMIN_PASSWORD)

    _, page = await admin.get("/admin/providers", headers=german)
    _, overview = await admin.get("/admin", headers=german)
    _, too_long = await admin.post(
        "/admin/providers/rules", {"rules": "x" * 20_001}, from_page="/admin/providers",
        headers=german,
    )  # fmt: skip

    assert "YAML mit den Schlüsseln default, strategy, discounts, rules" in page
    assert "die erste passende Regel gilt" in page and "first matching rule" not in page
    assert "Niedriges Guthaben: tango 42\xa0US$." in overview and "Low balance" not in overview
    assert "Die Regeln sind länger als 20000 Zeichen." in too_long
