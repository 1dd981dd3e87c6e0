"""localstripe for tests: an empty fake Stripe on a free 127.0.0.1 port, in the test's own event
loop.

Reuse it from any test package:

    # tests/<yours>/conftest.py
    from tests.localstripe_server import localstripe  # noqa: F401  (the pytest fixture)

    async def test_something(localstripe: LocalStripe) -> None:
        gateway = StripeGateway(TEST_SECRET_KEY, WEBHOOK_SECRET, localstripe.url) await
        localstripe.register_webhook("http://127.0.0.1:<your app port>/stripe/webhook",
        WEBHOOK_SECRET)

or, outside pytest fixtures, `async with running_localstripe() as local: ...`.

localstripe keeps its data in module globals, so one runs at a time per process: the fixture is
function-scoped and each test starts from an empty store. Webhooks arrive about one second after the
payment (localstripe waits on purpose); use `wait_until` rather than sleeping. Card numbers that
localstripe understands: 4242424242424242 pays, 4000000000000341 is declined when charged,
4000002500003155 asks for 3-D Secure. `pm_card_visa` / `pm_card_chargeCustomerFail` are the matching
server-side payment methods (4000000000000002, Stripe's usual decline card, is only declined when
attached to a customer in localstripe, so it pays here).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
import stripe

from adapters.stripe_local import LocalStripe, start_localstripe

TEST_SECRET_KEY = "sk_test_voucherbot"
TEST_PUBLISHABLE_KEY = "pk_test_voucherbot"
WEBHOOK_SECRET = "whsec_voucherbot_tests"
PAYS = "pm_card_visa"
DECLINED = "pm_card_chargeCustomerFail"


def _require_localstripe() -> None:
    try:
        import localstripe  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("localstripe is required in CI (pip install -e '.[test]')")
        pytest.skip("localstripe is not installed (pip install -e '.[test]')")


@asynccontextmanager
async def running_localstripe() -> AsyncIterator[LocalStripe]:
    """An empty localstripe for the duration of the block, stopped (and emptied) afterwards."""
    _require_localstripe()
    local = await start_localstripe("127.0.0.1", 0)
    try:
        yield local
    finally:
        await local.stop()


@pytest.fixture
async def localstripe() -> AsyncIterator[LocalStripe]:
    """A running, empty localstripe; `.url` is the API base, `.js_url` its fake Stripe.js."""
    async with running_localstripe() as local:
        yield local


async def confirm_server_side(
    local: LocalStripe, intent_id: str, payment_method: str = PAYS
) -> str:
    """Pay an intent as the browser would, but from the server; returns the intent's status after.

    localstripe answers 500 to `confirm` with a payment_method, so the method is attached first.
    A declined card leaves the intent in `requires_payment_method` (and sends payment_failed)."""
    http = stripe.AIOHTTPClient()
    client = stripe.StripeClient(
        TEST_SECRET_KEY, base_addresses={"api": local.url}, http_client=http, max_network_retries=0
    )
    try:
        await client.v1.payment_intents.update_async(intent_id, {"payment_method": payment_method})
        try:
            intent = await client.v1.payment_intents.confirm_async(intent_id)
        except stripe.CardError:
            intent = await client.v1.payment_intents.retrieve_async(intent_id)
        return intent.status
    finally:
        await http.close_async()


async def wait_until(
    condition: Callable[[], bool], timeout: float = 8.0, what: str = "condition"
) -> None:
    """Poll `condition` until it holds; fail the test with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)
