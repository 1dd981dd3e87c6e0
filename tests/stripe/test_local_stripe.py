"""The embedded localstripe: loopback only, memory only, one per process, and card payments from the
page."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession

from adapters.stripe_gateway import StripeGateway
from adapters.stripe_local import LocalStripe, start_localstripe
from core.errors import PaymentGatewayError
from core.money import Money
from core.payments import PaymentIntent
from tests.localstripe_server import TEST_PUBLISHABLE_KEY, TEST_SECRET_KEY, WEBHOOK_SECRET

PICKLE = "/tmp/localstripe.pickle"


@pytest.fixture
async def gateway(localstripe: LocalStripe) -> AsyncIterator[StripeGateway]:
    gateway = StripeGateway(TEST_SECRET_KEY, WEBHOOK_SECRET, localstripe.url, max_network_retries=0)
    yield gateway
    await gateway.close()


@pytest.fixture
async def http() -> AsyncIterator[ClientSession]:
    async with ClientSession() as session:
        yield session


async def _confirm_card(
    http: ClientSession,
    local: LocalStripe,
    intent: PaymentIntent,
    number: str,
    secret: str | None = None,
) -> tuple[int, dict[str, object]]:
    """What the served Stripe.js posts when the buyer presses Pay."""
    card = {"number": number, "exp_month": "12", "exp_year": "2031", "cvc": "123"}
    body = {
        "key": TEST_PUBLISHABLE_KEY,
        "client_secret": secret or intent.client_secret,
        "payment_method_data": {"type": "card", "card": card},
    }
    async with http.post(
        f"{local.url}/v1/payment_intents/{intent.id}/_confirm_card", data=json.dumps(body)
    ) as r:
        return r.status, await r.json()


def _pickle_state() -> float | None:
    return os.stat(PICKLE).st_mtime if os.path.exists(PICKLE) else None


async def test_it_listens_on_loopback_and_writes_nothing_to_disk(
    localstripe: LocalStripe, gateway: StripeGateway
) -> None:
    before = _pickle_state()

    await gateway.create_intent(
        order_id="ord_disk", amount=Money(1000, "USD"), idempotency_key="disk-1"
    )

    assert localstripe.url.startswith("http://127.0.0.1:")
    assert _pickle_state() == before


async def test_a_second_instance_in_the_same_process_is_refused(localstripe: LocalStripe) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        await start_localstripe()


async def test_a_restarted_instance_starts_empty(
    localstripe: LocalStripe, gateway: StripeGateway
) -> None:
    intent = await gateway.create_intent(
        order_id="ord_old", amount=Money(1000, "USD"), idempotency_key="old-1"
    )
    await localstripe.stop()

    restarted = await start_localstripe()
    fresh = StripeGateway(TEST_SECRET_KEY, WEBHOOK_SECRET, restarted.url, max_network_retries=0)
    try:
        with pytest.raises(PaymentGatewayError):
            await fresh.refund(intent_id=intent.id, idempotency_key="old-1:refund")
    finally:
        await fresh.close()
        await restarted.stop()


async def test_its_stripe_js_pays_with_the_card_typed_in_the_element(
    localstripe: LocalStripe, http: ClientSession
) -> None:
    async with http.get(localstripe.js_url) as response:
        script = await response.text()

    assert response.content_type == "application/javascript"
    assert "confirmCardPayment" in script and "_confirm_card" in script


async def test_a_declined_card_can_be_followed_by_a_good_one_on_the_same_intent(
    localstripe: LocalStripe, gateway: StripeGateway, http: ClientSession
) -> None:
    intent = await gateway.create_intent(
        order_id="ord_retry", amount=Money(2500, "USD"), idempotency_key="retry-1"
    )

    declined_status, declined = await _confirm_card(http, localstripe, intent, "4000000000000341")
    paid_status, paid = await _confirm_card(http, localstripe, intent, "4242424242424242")

    assert declined_status == 402
    assert declined["error"]["code"] == "card_declined"  # type: ignore[index]
    assert (paid_status, paid["status"]) == (200, "succeeded")


async def test_card_confirmation_needs_the_intents_client_secret(
    localstripe: LocalStripe, gateway: StripeGateway, http: ClientSession
) -> None:
    intent = await gateway.create_intent(
        order_id="ord_theft", amount=Money(2500, "USD"), idempotency_key="theft-1"
    )

    status, _ = await _confirm_card(
        http, localstripe, intent, "4242424242424242", secret=f"{intent.id}_secret_guess"
    )

    assert status == 401


async def test_a_paid_intent_cannot_be_paid_twice(
    localstripe: LocalStripe, gateway: StripeGateway, http: ClientSession
) -> None:
    intent = await gateway.create_intent(
        order_id="ord_twice", amount=Money(2500, "USD"), idempotency_key="twice-1"
    )
    await _confirm_card(http, localstripe, intent, "4242424242424242")

    status, answer = await _confirm_card(http, localstripe, intent, "4242424242424242")

    assert status == 400
    assert answer["error"]["code"] == "payment_intent_unexpected_state"  # type: ignore[index]


async def test_a_3d_secure_card_asks_the_page_to_authenticate(
    localstripe: LocalStripe, gateway: StripeGateway, http: ClientSession
) -> None:
    intent = await gateway.create_intent(
        order_id="ord_3ds", amount=Money(2500, "USD"), idempotency_key="3ds-1"
    )

    status, answer = await _confirm_card(http, localstripe, intent, "4000002500003155")

    assert (status, answer["status"]) == (200, "requires_action")
