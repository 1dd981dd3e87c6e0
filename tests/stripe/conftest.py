"""A small shop for Stripe tests: checkout routes and a core Checkout on fakes, paid through
localstripe."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import ClientSession, web

from adapters.stripe_gateway import StripeGateway
from adapters.stripe_local import LocalStripe
from adapters.web.checkout import checkout_routes
from core.catalog import Catalog, Product
from core.checkout import Checkout, PlaceOrder
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.orders import Order
from core.views import OrderSummary
from tests.fakes import FakeProvider, FixedClock, MemoryStore, MemoryUnitOfWork, SequentialIds
from tests.localstripe_server import (
    TEST_PUBLISHABLE_KEY,
    TEST_SECRET_KEY,
    WEBHOOK_SECRET,
    localstripe,
)

__all__ = ["localstripe"]

HARBOUR = Product(
    id="quiet-harbour-books",
    brand="Quiet Harbour Books",
    name="Quiet Harbour Books gift card",
    currency="USD",
    denominations=(1000, 2500, 5000),
    image_url="/test-images/harbour.svg",
)
MISCHIEF = Product(
    id="mischief",
    brand="<b>Bold</b> & Co",
    name='Gift "card" <script>alert(1)</script>',
    currency="EUR",
    denominations=(2000,),
)
ADA = ChatUser("slack", "T0001", "U0ADA", "Ada")
HARBOUR_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 64">
<rect width="96" height="64" fill="#1d3557"/><circle cx="72" cy="20" r="9" fill="#f1c453"/>
<path d="M0 46 C16 38 32 54 48 46 S80 38 96 46 V64 H0Z" fill="#457b9d"/>
<path d="M30 44 L48 14 L48 44Z" fill="#f1faee"/><path d="M26 46 H60 L54 52 H32Z" fill="#e63946"/></svg>"""


@dataclass(frozen=True)
class Delivery:
    """One webhook request exactly as the shop received it."""

    body: bytes
    signature: str

    @property
    def event(self) -> dict[str, object]:
        parsed: dict[str, object] = json.loads(self.body)
        return parsed


@dataclass
class Shop:
    """The test app on a loopback port, with what it stores and what reached its webhook."""

    url: str
    checkout: Checkout
    store: MemoryStore
    clock: FixedClock
    provider: FakeProvider
    gateway: StripeGateway
    local: LocalStripe
    deliveries: list[Delivery] = field(default_factory=list)
    _orders: int = 0

    async def place_order(self, product: Product = HARBOUR, minor: int = 2500) -> OrderSummary:
        self._orders += 1
        conversation = ConversationRef("slack", '{"channel": "DADA"}')
        command = PlaceOrder(
            ADA, product.id, Money(minor, product.currency), conversation, f"req-{self._orders}"
        )
        return await self.checkout.place_order(command)

    def order(self, order_id: str) -> Order:
        return self.store.orders[order_id]

    def page_url(self, order_id: str) -> str:
        return f"{self.url}/checkout/{self.order(order_id).checkout_token}"

    def deliveries_of(self, event_type: str) -> list[Delivery]:
        return [d for d in self.deliveries if d.event.get("type") == event_type]

    async def post_webhook(
        self, session: ClientSession, body: bytes, signature: str
    ) -> tuple[int, object]:
        headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
        async with session.post(
            f"{self.url}/stripe/webhook", data=body, headers=headers
        ) as response:
            return response.status, await response.json()


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _recorder(
    deliveries: list[Delivery],
) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/stripe/webhook" and request.method == "POST":
            body = await request.read()
            deliveries.append(Delivery(body, request.headers.get("Stripe-Signature", "")))
        return await handler(request)

    return record


async def _harbour_image(request: web.Request) -> web.Response:
    return web.Response(text=HARBOUR_SVG, content_type="image/svg+xml")


@pytest.fixture
async def shop(localstripe: LocalStripe) -> AsyncIterator[Shop]:
    store, clock = MemoryStore(), FixedClock()
    gateway = StripeGateway(TEST_SECRET_KEY, WEBHOOK_SECRET, localstripe.url, max_network_retries=0)
    checkout = Checkout(
        uow=lambda: MemoryUnitOfWork(store, clock),
        catalog=Catalog([HARBOUR, MISCHIEF]),
        gateway=gateway,
        providers={"builtin": (provider := FakeProvider())},
        clock=clock,
        ids=SequentialIds(),
        public_base_url="http://127.0.0.1",
    )
    deliveries: list[Delivery] = []
    app = web.Application(middlewares=[_recorder(deliveries)])
    app.router.add_routes(
        checkout_routes(
            checkout,
            gateway,
            publishable_key=TEST_PUBLISHABLE_KEY,
            stripe_js_url=localstripe.js_url,
            test_mode=True,
        )
    )
    app.router.add_get("/test-images/harbour.svg", _harbour_image)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    await localstripe.register_webhook(f"{url}/stripe/webhook", WEBHOOK_SECRET)
    try:
        yield Shop(url, checkout, store, clock, provider, gateway, localstripe, deliveries)
    finally:
        await runner.cleanup()
        await gateway.close()
