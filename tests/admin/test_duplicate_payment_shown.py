"""The dashboard shows a second payment for a paid order and its automatic refund: page and API."""

from __future__ import annotations

import asyncio
import json
import time

from adapters.stripe_gateway import StripeGateway
from core.money import Money
from core.orders import PaymentState
from tests.admin.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN, BOOKS, GRACE, Console
from tests.localstripe_server import TEST_SECRET_KEY, WEBHOOK_SECRET, confirm_server_side


async def _second_payment(console: Console, order_id: str) -> str:
    """Another intent for the same order (say, a second checkout tab), paid at localstripe."""
    gateway = StripeGateway(
        TEST_SECRET_KEY, WEBHOOK_SECRET, console.local.url, max_network_retries=0
    )
    try:
        intent = await gateway.create_intent(
            order_id=order_id, amount=Money(5000, "USD"), idempotency_key=f"{order_id}:second-tab"
        )
    finally:
        await gateway.close()
    assert await confirm_server_side(console.local, intent.id) == "succeeded"
    return intent.id


async def _until_refunded(console: Console, order_id: str, intent_id: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        payment = (await console.order(order_id)).payment(intent_id)
        if payment is not None and payment.state is PaymentState.REFUNDED:
            return
        assert time.monotonic() < deadline, f"{intent_id} was never refunded"
        await asyncio.sleep(0.05)


async def test_a_duplicate_payment_and_its_refund_are_shown_on_the_order_page_and_in_the_api(
    console: Console,
) -> None:
    order_id = await console.place(GRACE, BOOKS, 5000)
    await console.pay_by_card(order_id)
    second = await _second_payment(console, order_id)
    await _until_refunded(console, order_id, second)
    admin = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    status, html = await admin.get(f"/admin/orders/{order_id}")
    _, body = await (await console.client()).get(
        f"/admin/api/orders/{order_id}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )

    assert status == 200
    assert "Duplicate payment refunded" in html
    assert f"{second}</span> · 50.00 USD · duplicate payment refunded" in html
    detail = json.loads(body)
    assert [p["status"] for p in detail["payments"]] == [
        "pays for the order",
        "duplicate payment refunded",
    ]
    assert detail["payments"][1]["payment_intent"] == second
    assert "Duplicate payment refunded" in [step["title"] for step in detail["timeline"]]
