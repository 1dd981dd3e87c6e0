"""The dashboard under test: a real database on SQLite, the checkout paid through localstripe, two
users."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import ClientSession, CookieJar, web

from adapters.db import Database, VoucherCipher
from adapters.db.admin_users import SqlAdminAccounts
from adapters.db.oversight import SqlOversight
from adapters.stripe_gateway import StripeGateway
from adapters.stripe_local import LocalStripe
from adapters.web.admin import admin_routes, hash_password
from adapters.web.checkout import checkout_routes
from bot.build.channels import PLATFORMS
from core.catalog import Catalog, ExpiryPolicy, Product
from core.checkout import Checkout, PlaceOrder
from core.delivery import Relay
from core.errors import DeliveryError
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.orders import Order
from core.oversight.accounts import AdminRole, AdminUser
from core.oversight.acts import AdminActs
from core.payments import PaymentEvent, PaymentEventKind
from core.recognition import Recognition
from core.views import Notice
from tests.db.conftest import backend  # the SQLite + PostgreSQL fixture, for the SQL tests
from tests.fakes import FakeProvider, FakeSender, FixedClock, SequentialIds
from tests.localstripe_server import (
    TEST_PUBLISHABLE_KEY,
    TEST_SECRET_KEY,
    WEBHOOK_SECRET,
    confirm_server_side,
    localstripe,
)

__all__ = ["backend", "localstripe"]

BOOKS = Product(
    id="quiet-harbour-books", brand="Quiet Harbour Books", name="Quiet Harbour Books gift card",
    currency="USD", denominations=(1000, 2500, 5000), expiry=ExpiryPolicy(days_after_issue=365),
)  # fmt: skip
COFFEE = Product(
    id="northwind-coffee", brand="Northwind Coffee", name="Northwind Coffee e-gift",
    currency="USD", denominations=(1500, 3000), expiry=ExpiryPolicy(days_after_issue=365),
)  # fmt: skip
OUTDOORS = Product(
    id="pine-and-peak", brand="Pine & Peak Outdoors", name="Pine & Peak Outdoors voucher",
    currency="USD", denominations=(5000, 10000), expiry=ExpiryPolicy(days_after_issue=730),
)  # fmt: skip
TEA = Product(
    id="lantern-tea", brand="Lantern Tea House", name="Lantern Tea e-voucher",
    currency="EUR", denominations=(2000, 4000), voucher_format="code_pin",
)  # fmt: skip
ADA = ChatUser("slack", "T0HARBOUR", "U0ADA", "Ada Lovelace")
GRACE = ChatUser("teams", "8f1c0d2e-tenant", "29:1grace", "Grace Hopper")
KATHERINE = ChatUser("slack", "T0HARBOUR", "U0KJ", "Katherine Johnson")
ALAN = ChatUser("teams", "8f1c0d2e-tenant", "29:1alan", "Alan Turing")
HR = ChatUser("slack", "T0HARBOUR", "U0HR", "Hana from HR")

ADMIN_EMAIL, ADMIN_PASSWORD = "ops@quiet-harbour.example", "correct horse battery staple"
VIEWER_EMAIL, VIEWER_PASSWORD = "auditor@quiet-harbour.example", "viewer password 2026!"
ADMIN_TOKEN = "admin-token-for-tests-0123456789abcdef"
CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


class PickySender(FakeSender):
    """A chat sender that cannot reach some people (Teams: the app is not installed for them)."""

    def __init__(self, platform: str, unreachable: set[str]) -> None:
        super().__init__(platform)
        self.unreachable = unreachable

    async def send(self, conversation: ConversationRef, notice: Notice) -> None:
        if any(user in conversation.address for user in self.unreachable):
            raise DeliveryError(
                "403 BotNotInConversationRoster: the app is not installed for this user"
            )
        await super().send(conversation, notice)


@dataclass
class Console:
    """The app on a loopback port with the services behind it, and ways to make orders happen."""

    url: str
    database: Database
    checkout: Checkout
    recognition: Recognition
    relay: Relay
    clock: FixedClock
    provider: FakeProvider
    local: LocalStripe
    db_path: Path
    teams: PickySender
    _keys: int = 0
    clients: list[ClientSession] = field(default_factory=list)

    async def place(
        self,
        buyer: ChatUser = ADA,
        product: Product = BOOKS,
        minor: int = 2500,
        reward_id: str | None = None,
    ) -> str:
        self._keys += 1
        conversation = ConversationRef(buyer.platform, f'{{"user": "{buyer.user_id}"}}')
        command = PlaceOrder(
            buyer,
            product.id,
            Money(minor, product.currency),
            conversation,
            f"req-{self._keys}",
            reward_id,
        )
        return (await self.checkout.place_order(command)).order_id

    async def pay(self, order_id: str, *, minor: int | None = None) -> None:
        """A payment notification as the webhook would bring it (without the second's wait)."""
        order = await self.order(order_id)
        amount = order.card_amount if minor is None else Money(minor, order.amount.currency)
        event = PaymentEvent(
            f"evt_{order_id}",
            PaymentEventKind.SUCCEEDED,
            order.payment_intent_id or "",
            order_id,
            amount,
        )
        await self.checkout.handle_payment_event(event)

    async def pay_by_card(self, order_id: str) -> None:
        """Pay at localstripe and wait for its signed webhook to mark the order paid and issue the
        voucher."""
        order = await self.order(order_id)
        assert await confirm_server_side(self.local, order.payment_intent_id or "") == "succeeded"
        await self.wait_for_status(order_id, "issued")

    async def wait_for_status(self, order_id: str, status: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while (current := str((await self.order(order_id)).status)) != status:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"order {order_id} stayed {current} for {timeout}s, never became {status}"
                )
            await asyncio.sleep(0.05)

    async def order(self, order_id: str) -> Order:
        async with self.database.unit_of_work() as uow:
            return await uow.orders.get(order_id)

    async def voucher_code(self, order_id: str) -> str:
        async with self.database.unit_of_work() as uow:
            voucher = await uow.vouchers.for_order(order_id)
        assert voucher is not None
        return voucher.code

    async def audit_actions(self) -> list[tuple[str, str, str]]:
        async with self.database.unit_of_work() as uow:
            return [(e.actor, e.action, e.subject) for e in await uow.audit.entries(limit=100_000)]

    async def client(self, email: str | None = None, password: str | None = None) -> Browser:
        """An HTTP client with its own cookie jar, signed in when given a user."""
        session = ClientSession(
            cookie_jar=CookieJar(unsafe=True)
        )  # unsafe: accept cookies from 127.0.0.1
        self.clients.append(session)
        browser = Browser(session, self.url)
        if email is not None and password is not None:
            status, _ = await browser.sign_in(email, password)
            assert status == 303, "the test user could not sign in"
        return browser


@dataclass
class Browser:
    """Requests as a browser makes them: cookies kept, forms posted with the page's CSRF token."""

    session: ClientSession
    url: str

    async def get(self, path: str, **kwargs: object) -> tuple[int, str]:
        async with self.session.get(self.url + path, allow_redirects=False, **kwargs) as response:  # type: ignore[arg-type]
            return response.status, await response.text()

    async def csrf(self, path: str = "/admin") -> str:
        status, html = await self.get(path)
        found = CSRF.search(html)
        assert status == 200 and found, f"no form token on {path} ({status})"
        return found.group(1)

    async def post(
        self,
        path: str,
        data: dict[str, str] | None = None,
        *,
        token: str | None = None,
        from_page: str = "/admin",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """Post `data` with the CSRF token of `from_page`; `headers` (a language) go with it."""
        form = dict(data or {})
        form["csrf_token"] = await self.csrf(from_page) if token is None else token
        async with self.session.post(
            self.url + path, data=form, headers=headers, allow_redirects=False
        ) as response:
            return response.status, await response.text()

    async def sign_in(self, email: str, password: str) -> tuple[int, str]:
        token = await self.csrf("/admin/login")
        form = {"csrf_token": token, "email": email, "password": password, "next": "/admin"}
        async with self.session.post(
            self.url + "/admin/login", data=form, allow_redirects=False
        ) as response:
            return response.status, await response.text()


async def add_user(
    accounts: SqlAdminAccounts, email: str, password: str, role: AdminRole, at: datetime
) -> None:
    await accounts.add(AdminUser(email, role, hash_password(password), at))


@pytest.fixture
async def console(tmp_path: Path, localstripe: LocalStripe) -> AsyncIterator[Console]:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = FixedClock(now - timedelta(days=12))
    db_path = tmp_path / "voucherbot.db"
    database = Database(
        f"sqlite+aiosqlite:///{db_path}", VoucherCipher(VoucherCipher.generate_key()), clock=clock
    )
    await database.upgrade()
    gateway = StripeGateway(TEST_SECRET_KEY, WEBHOOK_SECRET, localstripe.url, max_network_retries=0)
    ids = SequentialIds()
    provider = FakeProvider()
    checkout = Checkout(
        uow=database.unit_of_work, catalog=Catalog([BOOKS, COFFEE, OUTDOORS, TEA]), gateway=gateway,
        providers={"builtin": provider}, clock=clock, ids=ids, public_base_url="http://127.0.0.1",
        curations=database.curations(),
    )  # fmt: skip
    recognition = Recognition(
        uow=database.unit_of_work, clock=clock, ids=ids, configured_admins={"slack:U0HR"}
    )
    teams = PickySender("teams", unreachable=set())
    relay = Relay(
        uow=database.unit_of_work, catalog=lambda: checkout.catalog, clock=clock,
        senders={"slack": FakeSender("slack"), "teams": teams}, checkout_url=checkout.checkout_url,
    )  # fmt: skip
    accounts = SqlAdminAccounts.of(database)
    await add_user(accounts, ADMIN_EMAIL, ADMIN_PASSWORD, AdminRole.ADMIN, clock.now())
    await add_user(accounts, VIEWER_EMAIL, VIEWER_PASSWORD, AdminRole.VIEWER, clock.now())
    app = web.Application()
    app.router.add_routes(
        checkout_routes(
            checkout,
            gateway,
            publishable_key=TEST_PUBLISHABLE_KEY,
            stripe_js_url=localstripe.js_url,
            test_mode=True,
        )
    )
    app.router.add_routes(
        admin_routes(
            oversight=SqlOversight.of(database), checkout=checkout, recognition=recognition, accounts=accounts,
            acts=AdminActs(uow=database.unit_of_work), admin_token=ADMIN_TOKEN, secure_cookies=False, clock=clock,
            platforms=PLATFORMS,
        )
    )  # fmt: skip
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    await localstripe.register_webhook(f"{url}/stripe/webhook", WEBHOOK_SECRET)
    world = Console(
        url, database, checkout, recognition, relay, clock, provider, localstripe, db_path, teams
    )
    try:
        yield world
    finally:
        for session in world.clients:
            await session.close()
        await runner.cleanup()
        await gateway.close()
        await database.dispose()


MARGARET = ChatUser("slack", "T0HARBOUR", "U0MH", "Margaret Hamilton")
PEOPLE = (ADA, GRACE, KATHERINE, ALAN, MARGARET)
PRODUCTS = (BOOKS, COFFEE, OUTDOORS, BOOKS, TEA, COFFEE)
ORDERS_PER_DAY = (2, 3, 1, 4, 2, 5, 3, 2, 4, 3, 2, 3)
OPS = f"admin:{ADMIN_EMAIL}"


@dataclass(frozen=True)
class History:
    """Orders of the seeded shop worth pointing at."""

    delivered: str  # paid, issued and delivered to Grace on Teams
    failed_issuance: str
    undeliverable: str


async def seed_history(console: Console) -> History:
    """Twelve days of a small shop: most orders delivered, some unpaid, declined, cancelled or
    stuck."""
    marks: dict[str, str] = {}
    index = 0
    for day, count in enumerate(ORDERS_PER_DAY):
        if day == 9:
            console.teams.unreachable.add(
                "29:1alan"
            )  # Alan removed the Teams app: his messages bounce
        for _ in range(count):
            buyer, product = PEOPLE[index % len(PEOPLE)], PRODUCTS[index % len(PRODUCTS)]
            order_id = await console.place(buyer, product, product.denominations[index % 2])
            await _settle(console, order_id, index, buyer, marks)
            index += 1
            console.clock.advance(hours=2, minutes=17)
        await console.relay.run_once()
        console.clock.advance(hours=24 - 2.3 * count)
    await _rewards(console)
    await console.relay.run_once()
    console.clock.current = datetime.now(UTC).replace(microsecond=0)
    return History(marks["delivered"], marks["failed_issuance"], marks["undeliverable"])


async def _settle(
    console: Console, order_id: str, index: int, buyer: ChatUser, marks: dict[str, str]
) -> None:
    if index % 9 == 4:
        return  # left unpaid: the buyer closed the checkout page
    if index % 11 == 7:
        await console.checkout.cancel(order_id, OPS)
        return
    if index % 13 == 5:
        order = await console.order(order_id)
        declined = PaymentEvent(
            f"evt_d{order_id}",
            PaymentEventKind.FAILED,
            order.payment_intent_id or "",
            order_id,
            failure_message="Your card was declined.",
        )
        await console.checkout.handle_payment_event(declined)
        return
    if index == 17:
        await console.pay(
            order_id, minor=100
        )  # paid less than the price: issuance stops for an admin
        marks["failed_issuance"] = order_id
        return
    await console.pay(order_id)
    if buyer is GRACE:
        marks["delivered"] = order_id
    if buyer is ALAN:
        marks["undeliverable"] = order_id


async def _rewards(console: Console) -> None:
    from core.reward_sends import SendRewards
    from core.rewards import Programme, Recipient

    recognition = console.recognition
    await recognition.budgets.create_programme(
        Programme("kudos", "Kudos 2026", "USD", per_reward_limit=10000, card_topup=True), OPS
    )
    await recognition.budgets.credit("kudos", Money(500_000, "USD"), OPS, note="Annual budget")
    await recognition.givers.grant_admin("slack:U0KJ", OPS)
    recipients = tuple(
        Recipient(person, ConversationRef(person.platform, f'{{"user": "{person.user_id}"}}'))
        for person in (ADA, KATHERINE, MARGARET)
    )
    await recognition.sender.send(
        SendRewards(
            HR,
            recipients,
            Money(2500, "USD"),
            "Shipped the launch on time",
            "kudos",
            "kudos-launch",
        )
    )
    rewards = await recognition.rewards.rewards_for(ADA)
    await console.place(ADA, BOOKS, 2500, reward_id=rewards[0].reward_id)


@pytest.fixture
async def history(console: Console) -> History:
    return await seed_history(console)
