"""POST /stripe/webhook end to end: localstripe signs real events, the core applies each exactly
once."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator

import pytest
import stripe
from aiohttp import ClientSession, web

from adapters.stripe_gateway import StripeGateway
from adapters.web.checkout import checkout_routes
from core.catalog import Catalog
from core.checkout import Checkout
from core.errors import ConcurrentUpdate
from core.orders import OrderStatus
from tests.fakes import FakeProvider, FixedClock, MemoryStore, MemoryUnitOfWork, SequentialIds
from tests.localstripe_server import (
    DECLINED,
    TEST_PUBLISHABLE_KEY,
    WEBHOOK_SECRET,
    confirm_server_side,
    wait_until,
)
from tests.stripe.conftest import HARBOUR, Shop


@pytest.fixture
async def http() -> AsyncIterator[ClientSession]:
    async with ClientSession() as session:
        yield session


def _snapshot(shop: Shop) -> tuple[object, ...]:
    """Everything a payment event may change."""
    orders = {o.id: (o.status, o.version, o.failure_reason) for o in shop.store.orders.values()}
    return (
        orders,
        sorted(shop.store.vouchers),
        sorted(shop.store.outbox),
        sorted(shop.store.events),
        len(shop.store.audit),
        list(shop.provider.issued),
    )


async def _paid_order(shop: Shop) -> str:
    summary = await shop.place_order()
    intent_id = shop.order(summary.order_id).payment_intent_id
    assert intent_id is not None
    assert await confirm_server_side(shop.local, intent_id) == "succeeded"
    await wait_until(
        lambda: shop.order(summary.order_id).status is OrderStatus.ISSUED, what="the voucher"
    )
    return summary.order_id


async def test_a_paid_order_gets_exactly_one_voucher_from_the_signed_webhook(shop: Shop) -> None:
    order_id = await _paid_order(shop)

    assert shop.provider.issued == [order_id]
    assert list(shop.store.vouchers) == [order_id]
    assert [
        d.event["data"]["object"]["metadata"]
        for d in shop.deliveries_of("payment_intent.succeeded")
    ] == [  # type: ignore[index]
        {"order_id": order_id}
    ]


async def test_replaying_the_signed_event_five_times_changes_nothing(
    shop: Shop, http: ClientSession
) -> None:
    await _paid_order(shop)
    [delivery] = shop.deliveries_of("payment_intent.succeeded")
    before = _snapshot(shop)

    answers = [await shop.post_webhook(http, delivery.body, delivery.signature) for _ in range(5)]

    assert answers == [(200, {"received": True})] * 5
    assert _snapshot(shop) == before


async def test_the_same_event_from_ten_concurrent_deliveries_changes_nothing(
    shop: Shop, http: ClientSession
) -> None:
    await _paid_order(shop)
    [delivery] = shop.deliveries_of("payment_intent.succeeded")
    before = _snapshot(shop)

    answers = await asyncio.gather(
        *(shop.post_webhook(http, delivery.body, delivery.signature) for _ in range(10))
    )

    assert {status for status, _ in answers} == {200}
    assert _snapshot(shop) == before


async def test_concurrent_first_deliveries_issue_one_voucher(
    shop: Shop, http: ClientSession
) -> None:
    summary = await shop.place_order()
    intent_id = shop.order(summary.order_id).payment_intent_id
    event = {
        "id": "evt_concurrent_first",
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": 1764147600,
        "data": {
            "object": {
                "id": intent_id,
                "object": "payment_intent",
                "amount": 2500,
                "currency": "usd",
                "metadata": {"order_id": summary.order_id},
            }
        },
    }
    body = json.dumps(event)
    signature = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)

    answers = await asyncio.gather(
        *(shop.post_webhook(http, body.encode(), signature) for _ in range(10))
    )

    assert {status for status, _ in answers} == {200}
    assert shop.provider.issued == [summary.order_id]
    assert shop.order(summary.order_id).status is OrderStatus.ISSUED


async def test_a_forged_signature_is_refused_and_changes_nothing(
    shop: Shop, http: ClientSession
) -> None:
    order_id = await _paid_order(shop)
    [delivery] = shop.deliveries_of("payment_intent.succeeded")
    forged_event = copy.deepcopy(delivery.event)
    forged_event["id"] = "evt_forged"
    forged = json.dumps(forged_event).encode()
    before = _snapshot(shop)

    wrong_secret = stripe.WebhookSignature.generate_signature_header(
        forged.decode(), "whsec_attacker"
    )
    answers = [
        await shop.post_webhook(http, forged, wrong_secret),
        await shop.post_webhook(http, forged, delivery.signature),
        await shop.post_webhook(http, forged, ""),
    ]

    assert [status for status, _ in answers] == [400, 400, 400]
    assert all(set(body) == {"error"} for _, body in answers)  # type: ignore[arg-type]
    assert _snapshot(shop) == before
    assert shop.order(order_id).status is OrderStatus.ISSUED


async def test_a_declined_card_fails_the_order_with_stripes_reason(shop: Shop) -> None:
    summary = await shop.place_order()
    intent_id = shop.order(summary.order_id).payment_intent_id
    assert intent_id is not None

    assert await confirm_server_side(shop.local, intent_id, DECLINED) == "requires_payment_method"
    await wait_until(
        lambda: shop.order(summary.order_id).status is OrderStatus.FAILED, what="the failure"
    )

    assert shop.order(summary.order_id).failure_reason == "Your card was declined."
    assert shop.provider.issued == []


async def test_a_refund_voids_the_voucher_and_its_charge_refunded_event_is_a_no_op(
    shop: Shop,
) -> None:
    order_id = await _paid_order(shop)

    await shop.checkout.refund(order_id, "admin:grace")
    await wait_until(lambda: bool(shop.deliveries_of("charge.refunded")), what="charge.refunded")
    await wait_until(lambda: len(shop.store.events) == 2, what="the refund event to be recorded")

    assert shop.order(order_id).status is OrderStatus.REFUNDED
    assert shop.store.vouchers[order_id].status == "void"


async def test_an_event_for_an_order_voucherbot_never_made_is_acknowledged(
    shop: Shop, http: ClientSession
) -> None:
    event = {
        "id": "evt_stranger",
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": 1764147600,
        "data": {"object": {"id": "pi_stranger", "amount": 700, "currency": "usd", "metadata": {}}},
    }
    body = json.dumps(event)
    before = _snapshot(shop)

    status, answer = await shop.post_webhook(
        http, body.encode(), stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
    )

    assert (status, answer) == (200, {"received": True})
    assert _snapshot(shop)[:3] == before[:3]


async def test_a_body_over_256_kilobytes_is_refused(shop: Shop, http: ClientSession) -> None:
    body = b'{"id": "evt_big", "padding": "' + b"x" * (256 * 1024) + b'"}'
    signature = stripe.WebhookSignature.generate_signature_header(body.decode(), WEBHOOK_SECRET)

    async with http.post(
        f"{shop.url}/stripe/webhook", data=body, headers={"Stripe-Signature": signature}
    ) as response:
        assert response.status == 413
    assert "evt_big" not in shop.store.events


class _LockedStore(MemoryUnitOfWork):
    """A store that always loses the race on commit, as a busy database might."""

    async def commit(self) -> None:
        raise ConcurrentUpdate("orders")


async def test_a_core_that_cannot_apply_the_event_answers_500_so_stripe_retries(
    http: ClientSession,
) -> None:
    store, clock = MemoryStore(), FixedClock()
    gateway = StripeGateway("sk_test_locked", WEBHOOK_SECRET, "http://127.0.0.1:9")
    checkout = Checkout(
        uow=lambda: _LockedStore(store, clock),
        catalog=Catalog([HARBOUR]),
        gateway=gateway,
        providers={"builtin": FakeProvider()},
        clock=clock,
        ids=SequentialIds(),
        public_base_url="http://127.0.0.1",
    )
    app = web.Application()
    app.router.add_routes(
        checkout_routes(
            checkout,
            gateway,
            publishable_key=TEST_PUBLISHABLE_KEY,
            stripe_js_url="https://js.stripe.com/v3/",
            test_mode=False,
        )
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    event = {
        "id": "evt_busy",
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": 1764147600,
        "data": {"object": {"id": "pi_busy", "amount": 2500, "currency": "usd", "metadata": {}}},
    }
    body = json.dumps(event)
    headers = {
        "Stripe-Signature": stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
    }
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/stripe/webhook"
        async with http.post(url, data=body, headers=headers) as response:
            assert response.status == 500
    finally:
        await runner.cleanup()
    assert store.events == set()
