"""A second payment for a paid order: refunded once, audited and shown, whatever order its webhooks
arrive in.

The scenario from issue 12: a declined PaymentIntent is retried with a new intent, then the declined
one succeeds late (say, a 3-D Secure step the buyer finished afterwards) and the retry succeeds too.
Real signed webhooks from localstripe, the core on a real database (SQLite and PostgreSQL) so
concurrent deliveries race for real.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
import stripe
from aiohttp import ClientSession, web

from adapters.db import Database
from adapters.db.oversight import SqlOversight
from adapters.stripe_gateway import StripeGateway
from adapters.stripe_local import LocalStripe
from adapters.web.admin.wording import shown_timeline
from adapters.web.checkout import checkout_routes
from core.catalog import Catalog
from core.checkout import Checkout, PlaceOrder
from core.errors import PaymentGatewayError
from core.identity import ConversationRef
from core.money import Money
from core.orders import Order, OrderStatus, PaymentState
from tests.db.conftest import Backend, backend  # noqa: F401  (the database fixture, SQLite and PostgreSQL)
from tests.fakes import FakeProvider, SequentialIds
from tests.localstripe_server import (
    DECLINED,
    TEST_PUBLISHABLE_KEY,
    TEST_SECRET_KEY,
    WEBHOOK_SECRET,
    confirm_server_side,
    wait_until,
)
from tests.stripe.conftest import ADA, HARBOUR

SUCCEEDED = "payment_intent.succeeded"


@dataclass
class Captured:
    """Webhook deliveries held back by the test, to be replayed at the shop when and how it
    likes."""

    bodies: list[tuple[bytes, str]] = field(default_factory=list)

    def of_type(self, event_type: str) -> list[tuple[bytes, str]]:
        return [(b, s) for b, s in self.bodies if json.loads(b).get("type") == event_type]


class RefundsDown(StripeGateway):
    """The real gateway, except that the next `down` refunds fail as if Stripe could not be
    reached."""

    down = 0

    async def refund(self, *, intent_id: str, idempotency_key: str) -> None:
        if self.down:
            self.down -= 1
            raise PaymentGatewayError(
                "Could not refund a payment: the service could not be reached"
            )
        await super().refund(intent_id=intent_id, idempotency_key=idempotency_key)


@dataclass
class DbShop:
    url: str
    checkout: Checkout
    database: Database
    local: LocalStripe
    provider: FakeProvider
    http: ClientSession
    gateway: RefundsDown

    async def order(self, order_id: str) -> Order:
        async with self.database.unit_of_work() as uow:
            return await uow.orders.get(order_id)

    async def post(self, body: bytes, signature: str) -> int:
        headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
        async with self.http.post(
            f"{self.url}/stripe/webhook", data=body, headers=headers
        ) as response:
            return response.status

    async def refunds_of(self, intent_id: str) -> int:
        async with self._stripe() as client:
            refunds = await client.v1.refunds.list_async({"payment_intent": intent_id})
            return len(refunds.data)

    async def refund_in_dashboard(self, intent_id: str) -> None:
        """An operator refunds from Stripe's dashboard: Stripe sends charge.refunded, nothing
        else."""
        async with self._stripe() as client:
            await client.v1.refunds.create_async({"payment_intent": intent_id})

    @asynccontextmanager
    async def _stripe(self) -> AsyncIterator[stripe.StripeClient]:
        http = stripe.AIOHTTPClient()
        api = {"api": self.local.url}
        try:
            yield stripe.StripeClient(TEST_SECRET_KEY, base_addresses=api, http_client=http)
        finally:
            await http.close_async()


@pytest.fixture
async def db_shop(localstripe: LocalStripe, backend: Backend) -> AsyncIterator[DbShop]:
    gateway = RefundsDown(TEST_SECRET_KEY, WEBHOOK_SECRET, localstripe.url, max_network_retries=0)
    checkout = Checkout(
        uow=backend.database.unit_of_work,
        catalog=Catalog([HARBOUR]),
        gateway=gateway,
        providers={"builtin": (provider := FakeProvider())},
        clock=backend.clock,
        ids=SequentialIds(),
        public_base_url="http://127.0.0.1",
    )
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
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with ClientSession() as http:
            yield DbShop(url, checkout, backend.database, localstripe, provider, http, gateway)
    finally:
        await runner.cleanup()
        await gateway.close()


@pytest.fixture
async def held_back(localstripe: LocalStripe) -> AsyncIterator[Captured]:
    """localstripe's webhooks go here instead of to the shop."""
    captured = Captured()

    async def keep(request: web.Request) -> web.Response:
        captured.bodies.append((await request.read(), request.headers.get("Stripe-Signature", "")))
        return web.json_response({"received": True})

    app = web.Application()
    app.router.add_post("/hold", keep)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    await localstripe.register_webhook(
        f"http://127.0.0.1:{runner.addresses[0][1]}/hold", WEBHOOK_SECRET
    )
    try:
        yield captured
    finally:
        await runner.cleanup()


async def _pay_in_browser(shop: DbShop, intent_id: str, client_secret: str) -> str:
    """What the checkout page's Stripe.js does with a card that pays; returns the intent's
    status."""
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    method = {"type": "card", "card": card}
    body = {
        "key": TEST_PUBLISHABLE_KEY,
        "client_secret": client_secret,
        "payment_method_data": method,
    }
    url = f"{shop.local.url}/v1/payment_intents/{intent_id}/_confirm_card"
    async with shop.http.post(url, json=body) as response:
        assert response.status == 200, await response.text()
        status: str = (await response.json())["status"]
        return status


async def _place_order(shop: DbShop, key: str) -> str:
    conversation = ConversationRef("slack", '{"channel": "DADA"}')
    command = PlaceOrder(ADA, HARBOUR.id, Money(2500, "USD"), conversation, key)
    return (await shop.checkout.place_order(command)).order_id


async def _declined_then_retried(
    shop: DbShop, captured: Captured, key: str
) -> tuple[str, str, str]:
    """An order whose first intent was declined, then paid late in the browser, and whose retry has
    its own intent; both payments' webhooks are held back. Returns (order, first, retry)."""
    order_id = await _place_order(shop, key)
    order = await shop.order(order_id)
    first, secret = order.payment_intent_id, order.payment_client_secret
    assert first is not None and secret is not None
    assert await confirm_server_side(shop.local, first, DECLINED) == "requires_payment_method"
    await wait_until(
        lambda: bool(captured.of_type("payment_intent.payment_failed")), what="the decline"
    )
    for body, signature in captured.of_type("payment_intent.payment_failed"):
        assert await shop.post(body, signature) == 200
    await shop.checkout.retry_payment(order_id, ADA)
    retry = (await shop.order(order_id)).payment_intent_id
    assert retry is not None and retry != first
    assert await _pay_in_browser(shop, first, secret) == "succeeded"
    assert await confirm_server_side(shop.local, retry) == "succeeded"
    await wait_until(lambda: len(captured.of_type(SUCCEEDED)) == 2, what="both successes")
    return order_id, first, retry


async def _audit_actions(shop: DbShop, order_id: str) -> list[str]:
    async with shop.database.unit_of_work() as uow:
        return [entry.action for entry in await uow.audit.entries(order_id)]


def _payments(order: Order) -> dict[str, tuple[bool, PaymentState]]:
    return {p.intent_id: (p.duplicate, p.state) for p in order.payments}


async def test_a_late_success_of_a_declined_attempt_and_its_retry_keep_one_payment_and_refund_the_other(
    db_shop: DbShop, held_back: Captured
) -> None:
    order_id, first, retry = await _declined_then_retried(db_shop, held_back, "req-late-first")
    [late, retried] = held_back.of_type(SUCCEEDED)

    assert await db_shop.post(*late) == 200
    assert await db_shop.post(*retried) == 200

    order = await db_shop.order(order_id)
    assert order.status is OrderStatus.ISSUED and db_shop.provider.issued == [order_id]
    assert _payments(order) == {
        first: (False, PaymentState.CAPTURED),
        retry: (True, PaymentState.REFUNDED),
    }
    assert (await db_shop.refunds_of(first), await db_shop.refunds_of(retry)) == (0, 1)
    actions = await _audit_actions(db_shop, order_id)
    assert (
        actions.count("payment.duplicate") == 1 and actions.count("payment.duplicate_refunded") == 1
    )
    detail = await SqlOversight.of(db_shop.database).order(order_id)
    [shown] = [
        step
        for step in shown_timeline(detail.timeline)
        if step.title == "Duplicate payment refunded"
    ]
    assert retry in shown.detail and "25.00" in shown.detail


async def test_replays_of_both_successes_and_the_refund_notification_refund_nothing_more(
    db_shop: DbShop, held_back: Captured
) -> None:
    order_id, first, retry = await _declined_then_retried(db_shop, held_back, "req-replayed")
    successes = held_back.of_type(SUCCEEDED)
    for delivery in successes:
        assert await db_shop.post(*delivery) == 200
    await wait_until(lambda: bool(held_back.of_type("charge.refunded")), what="charge.refunded")

    answers = [
        await db_shop.post(*d) for d in [*successes, *held_back.of_type("charge.refunded")] * 3
    ]

    assert set(answers) == {200}
    order = await db_shop.order(order_id)
    assert order.status is OrderStatus.ISSUED and db_shop.provider.issued == [order_id]
    assert _payments(order)[retry] == (True, PaymentState.REFUNDED)
    assert (await db_shop.refunds_of(first), await db_shop.refunds_of(retry)) == (0, 1)
    assert (await _audit_actions(db_shop, order_id)).count("payment.duplicate_refunded") == 1


async def test_both_successes_arriving_at_once_keep_exactly_one_intent_and_refund_the_other_once(
    db_shop: DbShop, held_back: Captured
) -> None:
    order_id, first, retry = await _declined_then_retried(db_shop, held_back, "req-race")
    successes = held_back.of_type(SUCCEEDED)

    answers = await asyncio.gather(*(db_shop.post(*delivery) for delivery in successes * 4))
    replayed = [await db_shop.post(*delivery) for delivery in successes * 2]

    assert set(answers) | set(replayed) == {200}
    order = await db_shop.order(order_id)
    kept = [intent for intent, (duplicate, _) in _payments(order).items() if not duplicate]
    [refunded] = [intent for intent, (duplicate, _) in _payments(order).items() if duplicate]
    assert len(kept) == 1 and {kept[0], refunded} == {first, retry}
    assert _payments(order)[refunded] == (True, PaymentState.REFUNDED)
    assert (await db_shop.refunds_of(kept[0]), await db_shop.refunds_of(refunded)) == (0, 1)
    assert order.status is OrderStatus.ISSUED and db_shop.provider.issued == [order_id]
    assert (await _audit_actions(db_shop, order_id)).count("payment.duplicate_refunded") == 1


async def test_a_duplicate_refund_stripe_could_not_take_is_made_by_the_recovery_loop(
    db_shop: DbShop, held_back: Captured
) -> None:
    order_id, first, retry = await _declined_then_retried(db_shop, held_back, "req-recovered")
    db_shop.gateway.down = 1
    for delivery in held_back.of_type(SUCCEEDED):
        assert await db_shop.post(*delivery) == 200
    assert [p.intent_id for p in (await db_shop.order(order_id)).refunds_due] == [retry]

    await db_shop.checkout.recover()

    assert (await db_shop.order(order_id)).refunds_due == ()
    assert (await db_shop.refunds_of(first), await db_shop.refunds_of(retry)) == (0, 1)


async def test_an_admin_refund_gives_back_every_payment_the_order_holds_each_once(
    db_shop: DbShop, held_back: Captured
) -> None:
    order_id, first, retry = await _declined_then_retried(db_shop, held_back, "req-admin")
    db_shop.gateway.down = 1  # the duplicate is still due when the admin refunds
    for delivery in held_back.of_type(SUCCEEDED):
        assert await db_shop.post(*delivery) == 200

    await db_shop.checkout.refund(order_id, "admin:grace@example.com")
    await db_shop.checkout.recover()

    order = await db_shop.order(order_id)
    assert order.status is OrderStatus.REFUNDED and order.refunds_due == ()
    assert {p.state for p in order.payments} == {PaymentState.REFUNDED}
    assert (await db_shop.refunds_of(first), await db_shop.refunds_of(retry)) == (1, 1)


async def test_a_stripe_dashboard_refund_of_the_kept_earlier_attempt_refunds_the_order(
    db_shop: DbShop, held_back: Captured
) -> None:
    order_id, first, retry = await _declined_then_retried(db_shop, held_back, "req-dashboard")
    for delivery in held_back.of_type(SUCCEEDED):
        assert await db_shop.post(*delivery) == 200
    await wait_until(
        lambda: len(held_back.of_type("charge.refunded")) == 1, what="the duplicate's refund"
    )
    assert (
        await db_shop.order(order_id)
    ).payment_intent_id == retry  # the kept one is the earlier attempt

    await db_shop.refund_in_dashboard(first)
    await wait_until(
        lambda: len(held_back.of_type("charge.refunded")) == 2, what="the dashboard refund"
    )
    for delivery in held_back.of_type("charge.refunded"):
        assert await db_shop.post(*delivery) == 200

    order = await db_shop.order(order_id)
    assert order.status is OrderStatus.REFUNDED
    assert _payments(order) == {
        first: (False, PaymentState.REFUNDED),
        retry: (True, PaymentState.REFUNDED),
    }
    async with db_shop.database.unit_of_work() as uow:
        voucher = await uow.vouchers.for_order(order_id)
    assert voucher is not None and voucher.status == "void"
