"""PaymentGateway over the stripe SDK: payment intents, refunds, and signed webhook events in our
terms."""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import aiohttp
import stripe

from core.errors import PaymentEventRejected, PaymentGatewayError
from core.money import Money
from core.payments import PaymentEvent, PaymentEventKind, PaymentIntent

log = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300
StripeObject = Mapping[str, Any]


class StripeGateway:
    """Card payments through Stripe, or through localstripe when given its `api_base`."""

    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        *,
        max_network_retries: int = 2,
        timeout_seconds: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """`ssl_context` replaces the CA certificates the SDK bundles (a TLS-intercepting
        proxy's)."""
        self._webhook_secret = webhook_secret
        self._ssl = ssl_context
        self._timeout = timeout_seconds
        self._client_settings: dict[str, Any] = {
            "api_key": secret_key,
            "base_addresses": {"api": api_base} if api_base else None,
            "max_network_retries": max_network_retries,
        }
        self._http: stripe.AIOHTTPClient | None = None
        self._stripe: stripe.StripeClient | None = None

    @property
    def _client(self) -> stripe.StripeClient:
        # Built on first use, in the event loop: an aiohttp connector (for the SSL context) needs
        # one.
        if self._stripe is None:
            connector = aiohttp.TCPConnector(ssl=self._ssl) if self._ssl is not None else None
            self._http = stripe.AIOHTTPClient(timeout=self._timeout, connector=connector)
            self._stripe = stripe.StripeClient(http_client=self._http, **self._client_settings)
        return self._stripe

    async def create_intent(
        self, *, order_id: str, amount: Money, idempotency_key: str
    ) -> PaymentIntent:
        # Only parameters localstripe knows too: it answers 400 to any other (e.g. `description`).
        params: Any = {
            "amount": amount.minor,
            "currency": amount.currency.lower(),
            "payment_method_types": ["card"],
            "metadata": {"order_id": order_id},
        }
        with _stripe_errors("create a payment intent", order_id):
            intent = await self._client.v1.payment_intents.create_async(
                params, {"idempotency_key": idempotency_key}
            )
        return PaymentIntent(id=intent.id, client_secret=intent.client_secret or "", amount=amount)

    async def refund(self, *, intent_id: str, idempotency_key: str) -> None:
        with _stripe_errors("refund a payment", intent_id):
            try:
                await self._client.v1.refunds.create_async(
                    {"payment_intent": intent_id}, {"idempotency_key": idempotency_key}
                )
            except stripe.InvalidRequestError as exc:
                # Refunded already (an idempotency key older than Stripe's 24 hours, or a refund
                # made in Stripe's dashboard): the money is back, which is what was asked.
                if exc.code != "charge_already_refunded":
                    raise
                log.info("payment already refunded", extra={"subject": intent_id})

    def parse_event(self, payload: bytes, signature: str) -> PaymentEvent:
        # Stripe's own check of the signature, then plain JSON: what construct_event does, without
        # building a StripeObject tree only to turn it back into dicts (0.2 ms of CPU a webhook,
        # ten times the rest of this parse).
        not_an_event = PaymentEventRejected("The notification body is not a Stripe event.")
        try:
            stripe.WebhookSignature.verify_header(
                payload, signature, self._webhook_secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
            )
            event = json.loads(payload)
        except stripe.SignatureVerificationError as exc:
            raise PaymentEventRejected(
                "The Stripe-Signature header does not match the body."
            ) from exc
        except (ValueError, AttributeError, TypeError) as exc:  # JSON or UTF-8
            raise not_an_event from exc
        # a v2 "thin" notification is not a snapshot event (construct_event refuses it too)
        if not isinstance(event, dict) or event.get("object") == "v2.core.event":
            raise not_an_event
        return translate_event(event)

    async def close(self) -> None:
        """Close the HTTP session (call on shutdown, in the loop that used the gateway)."""
        if self._http is not None:
            await self._http.close_async()  # type: ignore[no-untyped-call]


@contextmanager
def _stripe_errors(action: str, subject: str) -> Iterator[None]:
    """The one place stripe SDK errors become PaymentGatewayError."""
    try:
        yield
    except stripe.StripeError as exc:
        log.warning(
            "stripe request failed",
            extra={
                "action": action,
                "subject": subject,
                "error": type(exc).__name__,
                "code": exc.code,
                "http_status": exc.http_status,
                "request_id": exc.request_id,
            },
        )
        unreachable = isinstance(exc, stripe.APIConnectionError)
        reason = (
            "the payment service could not be reached"
            if unreachable
            else exc.user_message or type(exc).__name__
        )
        raise PaymentGatewayError(f"Could not {action}: {reason}") from exc


def translate_event(event: StripeObject) -> PaymentEvent:
    """A verified Stripe event in our terms; PaymentEventRejected if it lacks what its type
    promises."""
    event_type = event.get("type")
    translate = _TRANSLATORS.get(event_type, _ignored) if isinstance(event_type, str) else _ignored
    try:
        return translate(event["id"], str(event_type), event["data"]["object"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PaymentEventRejected(f"A {event_type} event without the fields it needs.") from exc


def _succeeded(event_id: str, event_type: str, intent: StripeObject) -> PaymentEvent:
    return PaymentEvent(
        event_id=event_id,
        kind=PaymentEventKind.SUCCEEDED,
        intent_id=intent["id"],
        order_id=_order_id(intent),
        amount=Money(intent["amount"], intent["currency"]),
        provider_type=event_type,
    )


def _failed(event_id: str, event_type: str, intent: StripeObject) -> PaymentEvent:
    error = intent.get("last_payment_error") or {}
    return PaymentEvent(
        event_id=event_id,
        kind=PaymentEventKind.FAILED,
        intent_id=intent["id"],
        order_id=_order_id(intent),
        failure_message=error.get("message") or "",
        provider_type=event_type,
    )


def _refunded(event_id: str, event_type: str, charge: StripeObject) -> PaymentEvent:
    if charge.get("refunded") is False:
        # Stripe sends charge.refunded for partial refunds too; voucherbot only refunds in full, so
        # a partial one (made in the Stripe dashboard) leaves the voucher alone for an admin to
        # decide.
        log.warning(
            "partial refund ignored", extra={"event_id": event_id, "charge": charge.get("id")}
        )
        return _ignored(event_id, event_type, charge)
    intent = charge["payment_intent"]
    intent_id = intent["id"] if isinstance(intent, Mapping) else intent
    if not isinstance(intent_id, str) or not intent_id:
        raise ValueError("charge.refunded without a payment intent")
    return PaymentEvent(
        event_id=event_id,
        kind=PaymentEventKind.REFUNDED,
        intent_id=intent_id,
        order_id=_order_id(charge),
        provider_type=event_type,
    )


def _ignored(event_id: str, event_type: str, _object: StripeObject) -> PaymentEvent:
    return PaymentEvent(event_id=event_id, kind=PaymentEventKind.IGNORED, provider_type=event_type)


def _order_id(stripe_object: StripeObject) -> str:
    metadata = stripe_object.get("metadata") or {}
    return str(metadata.get("order_id") or "")


_TRANSLATORS: dict[str, Callable[[str, str, StripeObject], PaymentEvent]] = {
    "payment_intent.succeeded": _succeeded,
    "payment_intent.payment_failed": _failed,
    "charge.refunded": _refunded,
}
