"""StripeGateway against localstripe: intents, idempotency, refunds, and failures as
PaymentGatewayError."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
import stripe

from adapters.stripe_gateway import StripeGateway
from adapters.stripe_local import LocalStripe
from core.errors import PaymentGatewayError
from core.money import Money
from tests.localstripe_server import (
    DECLINED,
    TEST_SECRET_KEY,
    WEBHOOK_SECRET,
    confirm_server_side,
    wait_until,
)


@pytest.fixture
async def gateway(localstripe: LocalStripe) -> AsyncIterator[StripeGateway]:
    gateway = StripeGateway(TEST_SECRET_KEY, WEBHOOK_SECRET, localstripe.url, max_network_retries=0)
    yield gateway
    await gateway.close()


@pytest.fixture
async def stripe_api(localstripe: LocalStripe) -> AsyncIterator[stripe.StripeClient]:
    """A plain SDK client to look at what the gateway left in localstripe."""
    http = stripe.AIOHTTPClient()
    yield stripe.StripeClient(
        TEST_SECRET_KEY, base_addresses={"api": localstripe.url}, http_client=http
    )
    await http.close_async()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_intent_carries_the_order_id_the_amount_in_minor_units_and_the_currency(
    gateway: StripeGateway, stripe_api: stripe.StripeClient
) -> None:
    intent = await gateway.create_intent(
        order_id="ord_HARBOUR1", amount=Money(2500, "USD"), idempotency_key="k-1"
    )

    stored = await stripe_api.v1.payment_intents.retrieve_async(intent.id)
    assert (stored.amount, stored.currency, stored.metadata.to_dict()) == (
        2500,
        "usd",
        {"order_id": "ord_HARBOUR1"},
    )
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    assert intent.amount == Money(2500, "USD")


async def test_a_zero_decimal_currency_is_sent_as_whole_units(
    gateway: StripeGateway, stripe_api: stripe.StripeClient
) -> None:
    intent = await gateway.create_intent(
        order_id="ord_LANTERN1", amount=Money(5000, "JPY"), idempotency_key="k-jpy"
    )

    stored = await stripe_api.v1.payment_intents.retrieve_async(intent.id)
    assert (stored.amount, stored.currency) == (5000, "jpy")


async def test_the_same_idempotency_key_returns_the_same_intent(gateway: StripeGateway) -> None:
    first = await gateway.create_intent(
        order_id="ord_1", amount=Money(1000, "USD"), idempotency_key="ord_1:pay:1"
    )
    again = await gateway.create_intent(
        order_id="ord_1", amount=Money(1000, "USD"), idempotency_key="ord_1:pay:1"
    )
    retry = await gateway.create_intent(
        order_id="ord_1", amount=Money(1000, "USD"), idempotency_key="ord_1:pay:2"
    )

    assert again == first
    assert retry.id != first.id


async def test_a_key_reused_with_other_parameters_is_a_gateway_error(
    gateway: StripeGateway,
) -> None:
    await gateway.create_intent(
        order_id="ord_2", amount=Money(1000, "USD"), idempotency_key="ord_2:pay:1"
    )

    with pytest.raises(PaymentGatewayError):
        await gateway.create_intent(
            order_id="ord_2", amount=Money(5000, "USD"), idempotency_key="ord_2:pay:1"
        )


async def test_a_paid_intent_is_refunded_once_per_key(
    gateway: StripeGateway, stripe_api: stripe.StripeClient, localstripe: LocalStripe
) -> None:
    intent = await gateway.create_intent(
        order_id="ord_3", amount=Money(2500, "USD"), idempotency_key="ord_3:pay:1"
    )
    assert await confirm_server_side(localstripe, intent.id) == "succeeded"

    await gateway.refund(intent_id=intent.id, idempotency_key="ord_3:refund")
    await gateway.refund(intent_id=intent.id, idempotency_key="ord_3:refund")

    refunds = await stripe_api.v1.refunds.list_async({"payment_intent": intent.id})
    assert [(r.amount, r.status) for r in refunds.data] == [(2500, "succeeded")]


async def test_refunding_an_intent_refunded_under_another_key_succeeds_without_a_second_refund(
    gateway: StripeGateway, stripe_api: stripe.StripeClient, localstripe: LocalStripe
) -> None:
    intent = await gateway.create_intent(
        order_id="ord_6", amount=Money(2500, "USD"), idempotency_key="ord_6:pay:1"
    )
    assert await confirm_server_side(localstripe, intent.id) == "succeeded"
    await stripe_api.v1.refunds.create_async(
        {"payment_intent": intent.id}
    )  # from Stripe's dashboard

    await gateway.refund(intent_id=intent.id, idempotency_key="ord_6:refund")

    refunds = await stripe_api.v1.refunds.list_async({"payment_intent": intent.id})
    assert [(r.amount, r.status) for r in refunds.data] == [(2500, "succeeded")]


async def test_a_declined_card_leaves_the_intent_waiting_for_another_card(
    gateway: StripeGateway, localstripe: LocalStripe
) -> None:
    intent = await gateway.create_intent(
        order_id="ord_4", amount=Money(2500, "USD"), idempotency_key="ord_4:pay:1"
    )

    assert await confirm_server_side(localstripe, intent.id, DECLINED) == "requires_payment_method"


async def test_refunding_an_unpaid_intent_is_a_gateway_error(gateway: StripeGateway) -> None:
    intent = await gateway.create_intent(
        order_id="ord_5", amount=Money(2500, "USD"), idempotency_key="ord_5:pay:1"
    )

    with pytest.raises(PaymentGatewayError) as raised:
        await gateway.refund(intent_id=intent.id, idempotency_key="ord_5:refund")
    assert isinstance(raised.value.__cause__, stripe.InvalidRequestError)


async def test_an_unreachable_stripe_is_a_gateway_error() -> None:
    gateway = StripeGateway(
        TEST_SECRET_KEY, WEBHOOK_SECRET, f"http://127.0.0.1:{_closed_port()}", max_network_retries=0
    )
    try:
        with pytest.raises(PaymentGatewayError, match="could not be reached") as raised:
            await gateway.create_intent(
                order_id="ord_6", amount=Money(2500, "USD"), idempotency_key="ord_6:pay:1"
            )
    finally:
        await gateway.close()
    assert isinstance(raised.value.__cause__, stripe.APIConnectionError)


async def test_a_stopped_localstripe_is_a_gateway_error(
    gateway: StripeGateway, localstripe: LocalStripe
) -> None:
    await localstripe.stop()

    with pytest.raises(PaymentGatewayError):
        await gateway.create_intent(
            order_id="ord_7", amount=Money(2500, "USD"), idempotency_key="ord_7:pay:1"
        )


async def test_a_rejected_api_key_is_a_gateway_error_that_does_not_echo_the_key(
    localstripe: LocalStripe,
) -> None:
    gateway = StripeGateway(
        "not-a-secret-key-9876", WEBHOOK_SECRET, localstripe.url, max_network_retries=0
    )
    try:
        with pytest.raises(PaymentGatewayError) as raised:
            await gateway.create_intent(
                order_id="ord_8", amount=Money(2500, "USD"), idempotency_key="ord_8:pay:1"
            )
    finally:
        await gateway.close()
    assert "9876" not in str(raised.value)


async def test_localstripe_signs_a_payment_event_the_gateway_accepts(
    gateway: StripeGateway, localstripe: LocalStripe
) -> None:
    from aiohttp import web

    received: list[tuple[bytes, str]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((await request.read(), request.headers["Stripe-Signature"]))
        return web.json_response({"received": True})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await localstripe.register_webhook(
            f"http://127.0.0.1:{runner.addresses[0][1]}/hook", WEBHOOK_SECRET
        )
        intent = await gateway.create_intent(
            order_id="ord_9", amount=Money(1000, "USD"), idempotency_key="k-9"
        )
        await confirm_server_side(localstripe, intent.id)
        await wait_until(lambda: bool(received), what="payment_intent.succeeded")
    finally:
        await runner.cleanup()

    event = gateway.parse_event(*received[0])
    assert (event.kind, event.intent_id, event.order_id, event.amount) == (
        "succeeded",
        intent.id,
        "ord_9",
        Money(1000, "USD"),
    )
