"""StripeGateway.parse_event: signed Stripe events become PaymentEvents; anything unverified is
rejected."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import stripe

from adapters.stripe_gateway import StripeGateway
from core.errors import PaymentEventRejected
from core.money import Money
from core.payments import PaymentEvent, PaymentEventKind
from tests.conftest import FIXTURES as RECORDED

FIXTURES = RECORDED / "stripe"
SECRET = "whsec_events_test"


@pytest.fixture
def gateway() -> StripeGateway:
    # parse_event never touches the network, so no HTTP session is opened (nothing to close).
    return StripeGateway("sk_test_events", SECRET, "http://127.0.0.1:9")


def _fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


def _signed(event: dict[str, Any], secret: str = SECRET) -> tuple[bytes, str]:
    body = json.dumps(event, indent=2)
    return body.encode(), stripe.WebhookSignature.generate_signature_header(body, secret)


def _event(
    event_type: str, data_object: dict[str, Any], event_id: str = "evt_1QHarbour"
) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2025-10-29.clover",
        "created": 1764147600,
        "livemode": False,
        "type": event_type,
        "data": {"object": data_object},
    }


def _intent(**changes: Any) -> dict[str, Any]:
    intent = _fixture("mock_fixtures/payment_intent.stripe_mock_fixture.json")
    intent.update(
        {
            "id": "pi_3Harbour",
            "amount": 2500,
            "currency": "usd",
            "metadata": {"order_id": "ord_000001"},
        }
    )
    intent.update(changes)
    return intent


def _parse(gateway: StripeGateway, event: dict[str, Any]) -> PaymentEvent:
    return gateway.parse_event(*_signed(event))


def test_a_succeeded_intent_reports_its_amount_intent_and_order(gateway: StripeGateway) -> None:
    event = _parse(gateway, _event("payment_intent.succeeded", _intent()))

    assert event == PaymentEvent(
        event_id="evt_1QHarbour",
        kind=PaymentEventKind.SUCCEEDED,
        intent_id="pi_3Harbour",
        order_id="ord_000001",
        amount=Money(2500, "USD"),
        provider_type="payment_intent.succeeded",
    )


def test_a_failed_intent_reports_the_reason_stripe_gave(gateway: StripeGateway) -> None:
    declined = _intent(
        last_payment_error={"code": "card_declined", "message": "Your card was declined."}
    )

    event = _parse(gateway, _event("payment_intent.payment_failed", declined))

    assert (event.kind, event.intent_id, event.order_id, event.failure_message) == (
        PaymentEventKind.FAILED,
        "pi_3Harbour",
        "ord_000001",
        "Your card was declined.",
    )


def test_a_failed_intent_without_an_error_reports_no_reason(gateway: StripeGateway) -> None:
    event = _parse(
        gateway, _event("payment_intent.payment_failed", _intent(last_payment_error=None))
    )

    assert (event.kind, event.failure_message) == (PaymentEventKind.FAILED, "")


def test_a_fully_refunded_charge_names_its_payment_intent(gateway: StripeGateway) -> None:
    charge = copy.deepcopy(
        _fixture("captured_data_objects/charge.refunded.data.pay_rails.json")["object"]
    )
    charge.update(payment_intent="pi_3Harbour", refunded=True, amount_refunded=charge["amount"])

    event = _parse(gateway, _event("charge.refunded", charge))

    assert (event.kind, event.intent_id) == (PaymentEventKind.REFUNDED, "pi_3Harbour")


def test_a_partial_refund_from_the_dashboard_leaves_the_order_alone(gateway: StripeGateway) -> None:
    captured = _fixture("captured_data_objects/charge.refunded.data.pay_rails.json")["object"]
    assert captured["refunded"] is False  # the real captured event is a partial refund

    event = _parse(gateway, _event("charge.refunded", captured))

    assert event.kind is PaymentEventKind.IGNORED


def test_an_event_type_voucherbot_does_not_use_is_ignored(gateway: StripeGateway) -> None:
    real = _fixture("event.setup_intent.created.stripe_docs.json")

    event = _parse(gateway, real)

    assert (event.kind, event.event_id, event.provider_type) == (
        PaymentEventKind.IGNORED,
        real["id"],
        "setup_intent.created",
    )


def test_a_payment_event_without_the_fields_it_needs_is_rejected(gateway: StripeGateway) -> None:
    with pytest.raises(PaymentEventRejected):
        _parse(gateway, _event("payment_intent.succeeded", {"id": "pi_3Harbour", "metadata": {}}))


def test_a_payment_event_with_a_fractional_amount_is_rejected(gateway: StripeGateway) -> None:
    with pytest.raises(PaymentEventRejected):
        _parse(gateway, _event("payment_intent.succeeded", _intent(amount=25.5)))


def test_stripes_signature_vector_is_verified_but_too_old_to_accept(gateway: StripeGateway) -> None:
    vector = _fixture("signature_test_vector.json")
    stale_but_genuine = StripeGateway("sk_test_events", vector["secret"], "http://127.0.0.1:9")
    stripe.WebhookSignature.verify_header(
        vector["payload"], vector["header"], vector["secret"], tolerance=None
    )

    with pytest.raises(PaymentEventRejected):
        stale_but_genuine.parse_event(vector["payload"].encode(), vector["header"])


@pytest.mark.parametrize("case", ["tampered_payload", "wrong_secret", "header_without_v1"])
def test_the_vectors_negative_cases_are_rejected(case: str) -> None:
    vector = _fixture("signature_test_vector.json")
    negative = vector["negative_cases"]
    body = (
        negative.get("tampered_payload", vector["payload"])
        if case == "tampered_payload"
        else vector["payload"]
    )
    fresh_header = stripe.WebhookSignature.generate_signature_header(
        vector["payload"], vector["secret"]
    )
    header = {
        "tampered_payload": fresh_header,
        "wrong_secret": stripe.WebhookSignature.generate_signature_header(
            body, negative["wrong_secret"]
        ),
        "header_without_v1": fresh_header.replace("v1=", "v0="),
    }[case]
    gateway = StripeGateway("sk_test_events", vector["secret"], "http://127.0.0.1:9")

    with pytest.raises(PaymentEventRejected):
        gateway.parse_event(body.encode(), header)


@pytest.mark.parametrize("signature", ["", "garbage", "t=notanumber,v1=abc"])
def test_a_missing_or_unreadable_signature_is_rejected(
    gateway: StripeGateway, signature: str
) -> None:
    body, _ = _signed(_event("payment_intent.succeeded", _intent()))

    with pytest.raises(PaymentEventRejected):
        gateway.parse_event(body, signature)


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2, 3]", b'"an event"', b"\xff\xfe", b"{}"])
def test_a_correctly_signed_body_that_is_not_an_event_is_rejected(
    gateway: StripeGateway, body: bytes
) -> None:
    try:
        text = body.decode()
    except UnicodeDecodeError:
        text = body.decode("latin-1")
    signature = stripe.WebhookSignature.generate_signature_header(text, SECRET)

    with pytest.raises(PaymentEventRejected):
        gateway.parse_event(body, signature)
