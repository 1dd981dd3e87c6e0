"""Embedded test payments: localstripe (a fake Stripe, GPL-3.0) served in-process on a loopback
port.

localstripe is an aiohttp application, but its module-level app writes `/tmp/localstripe.pickle` on
every write and its CLI listens on all interfaces. `start_localstripe` builds a fresh app from the
same handlers instead: memory only, bound to one address, in the running event loop. It adds what
the checkout needs and localstripe 1.15.10 lacks:

- `Idempotency-Key` replay, so a retried create returns the first object as Stripe does;
- a Stripe.js `confirmCardPayment` that pays with the card typed into the Card Element
  (localstripe's
  own only completes 3-D Secure on an intent that already has a payment method), served by
  `POST /v1/payment_intents/{id}/_confirm_card`, authorised by the client secret;
- a `charge.refunded` event after a refund, and Stripe's refusal to refund a charge refunded in
  full;
- `browser_app()`: the fake Stripe.js and the two calls it makes, to mount under the bot's own port,
  so a checkout page works through one forwarded port.

localstripe keeps its objects and webhooks in module globals, so one process runs one instance at a
time: a second `start_localstripe` before `stop()` raises RuntimeError; after `stop()` it starts
again with an empty store. Objects never persist between runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Middleware

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_CONFIRM_CARD = re.compile(r"^/v1/payment_intents/\w+/_confirm_card$")
_AUTHENTICATE = "/v1/payment_intents/{id}/_authenticate"  # Stripe.js's 3-D Secure step
_RUNNING: set[str] = set()  # urls of live instances; localstripe's store is process-wide
_REPLAYABLE = frozenset({200, 402})  # Stripe replays results, not rejected requests

_CONFIRM_CARD_JS = """
// voucherbot: confirmCardPayment pays with the card typed into the Card Element, as Stripe.js does;
// localstripe's own version only completes 3-D Secure on an intent that already has a payment
// method.
(function () {
  const makeStripe = Stripe;
  Stripe = (apiKey) => {
    const stripe = makeStripe(apiKey);
    const authenticate = stripe.confirmCardPayment;
    stripe.confirmCardPayment = async (clientSecret, data) => {
      const element = data && data.payment_method && data.payment_method.card;
      if (!element || !element.value) {
        return {error: {type: 'validation_error', message: 'Your card number is incomplete.'}};
      }
      const card = Object.assign({}, element.value.card);
      card.number = String(card.number).replace(/\\s+/g, '');
      const pi = clientSecret.match(/^(pi_\\w+)_secret_/)[1];
      try {
        const url = `${LOCALSTRIPE_BASE_API}/v1/payment_intents/${pi}/_confirm_card`;
        const response = await fetch(url, {
          method: 'POST',
          body: JSON.stringify({key: apiKey, client_secret: clientSecret,
                                payment_method_data: {type: 'card', card: card},
                                receipt_email: (data && data.receipt_email) || null}),
        });
        const body = await response.json().catch(() => ({}));
        if (response.status !== 200 || body.error) {
          return {error: body.error || {message: 'The payment could not be completed.'}};
        }
        if (body.status === 'requires_action') {
          return authenticate(clientSecret, data);
        }
        return {paymentIntent: body};
      } catch (err) {
        const message = 'Could not reach the payment service.';
        return {error: {type: 'api_connection_error', message: message}};
      }
    };
    return stripe;
  };
})();
"""


@dataclass
class LocalStripe:
    """A running embedded localstripe: its API base, its fake Stripe.js, and its webhooks."""

    url: str
    _runner: web.AppRunner
    _stopped: bool = False

    @property
    def js_url(self) -> str:
        return f"{self.url}/js.stripe.com/v3/"

    async def register_webhook(
        self,
        url: str,
        secret: str,
        *,
        webhook_id: str = "voucherbot",
        events: list[str] | None = None,
    ) -> None:
        """Have localstripe sign its events with `secret` and POST them to `url`, about 1 s after
        each."""
        body: dict[str, object] = {"url": url, "secret": secret}
        if events is not None:
            body["events"] = events
        url_of_config = f"{self.url}/_config/webhooks/{webhook_id}"
        async with (
            aiohttp.ClientSession() as session,
            session.post(url_of_config, json=body) as response,
        ):
            response.raise_for_status()

    def browser_app(self) -> web.Application:
        """What a checkout page's Stripe.js needs, served from this process's store under another
        app.

        Only the script and the calls its client secret or publishable key authorise (card
        confirmation and 3-D Secure): the API the secret key opens and the webhook configuration
        stay on the loopback port. The script finds its API beside itself
        (`<prefix>/js.stripe.com/v3/` calls `<prefix>/v1/...`).
        """
        from localstripe import server

        # No key check: both calls compare the intent's client secret, as Stripe does for Stripe.js.
        app = web.Application(middlewares=[server.error_middleware])
        app.router.add_get("/js.stripe.com/v3/", _stripe_js)
        app.router.add_post("/v1/payment_intents/{id}/_confirm_card", _confirm_card)
        for route in server.app.router.routes():
            path = route.resource.canonical if route.resource is not None else ""
            if (route.method, path) == ("POST", _AUTHENTICATE):
                app.router.add_post(_AUTHENTICATE, route.handler)
        return app

    async def stop(self) -> None:
        """Stop serving, drop pending webhook deliveries, and forget every object and webhook
        (idempotent)."""
        from localstripe import resources, webhooks

        if self._stopped:
            return
        self._stopped = True
        await _cancel_pending_deliveries()
        await self._runner.cleanup()
        webhooks._webhooks.clear()
        resources.store.clear()
        _RUNNING.discard(self.url)


class DevPaymentError(Exception):
    """A test payment without a browser could not be made; the message says why, for a person."""


async def pay_with_test_card(
    browser_base: str, intent_id: str, client_secret: str, card_number: str = "4242424242424242"
) -> str:
    """Confirm an intent as the checkout page's Stripe.js does, at `browser_app()` served from
    `browser_base`.

    Returns the intent's new status; its webhook follows as after a payment in the browser.
    """
    card = {"number": card_number, "exp_month": 12, "exp_year": 2099, "cvc": "123"}
    body = {"client_secret": client_secret, "payment_method_data": {"type": "card", "card": card}}
    url = f"{browser_base}/v1/payment_intents/{intent_id}/_confirm_card"
    try:
        async with aiohttp.ClientSession() as session, session.post(url, json=body) as response:
            answer = await response.json(content_type=None)
    except (aiohttp.ClientError, ValueError) as exc:
        raise DevPaymentError(f"could not reach the running bot at {browser_base} ({exc})") from exc
    if not isinstance(answer, dict):
        raise DevPaymentError(f"unexpected answer from {url}")
    error = answer.get("error")
    if response.status != 200 or error:
        message = error.get("message") if isinstance(error, dict) else None
        raise DevPaymentError(str(message or f"the payment was refused ({response.status})"))
    return str(answer.get("status", ""))


async def start_localstripe(host: str = "127.0.0.1", port: int = 0) -> LocalStripe:
    """Serve an empty localstripe on host:port (0 picks a free port) in the running event loop."""
    if _RUNNING:
        raise RuntimeError(
            f"localstripe is already running in this process at {next(iter(_RUNNING))}"
        )
    from localstripe import resources, webhooks

    # The store pickles itself on every write; an instance attribute turns that off for this
    # process.
    resources.store.dump_to_disk = _keep_in_memory
    resources.store.clear()
    webhooks._webhooks.clear()
    runner = web.AppRunner(_build_app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    bound_host, bound_port = runner.addresses[0][:2]
    url = (
        f"http://[{bound_host}]:{bound_port}"
        if ":" in bound_host
        else f"http://{bound_host}:{bound_port}"
    )
    _RUNNING.add(url)
    log.info("localstripe started", extra={"url": url})
    return LocalStripe(url, runner)


def _keep_in_memory() -> None:
    """Replaces localstripe's Store.dump_to_disk."""


def _build_app() -> web.Application:
    from localstripe import server

    app = web.Application(middlewares=[_idempotency(), server.error_middleware, _auth])
    app.on_response_prepare.append(server.add_cors_headers)
    app.router.add_get("/js.stripe.com/v3/", _stripe_js)
    app.router.add_post("/v1/payment_intents/{id}/_confirm_card", _confirm_card)
    for route in server.app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path == "/js.stripe.com/v3/":
            continue
        handler = (
            _announcing_refunds(route.handler)
            if (route.method, path) == ("POST", "/v1/refunds")
            else route.handler
        )
        app.router.add_route(route.method, path, handler)
    return app


@web.middleware
async def _auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    """localstripe's key check, except for card confirmation, which the client secret authorises."""
    from localstripe import server

    if _CONFIRM_CARD.match(request.path):
        return await handler(request)
    response: web.StreamResponse = await server.auth_middleware(request, handler)
    return response


def _idempotency() -> Middleware:
    """Replay the first response to a POST for each Idempotency-Key; a different body under it is a
    400."""
    seen: dict[str, tuple[str, int, bytes]] = {}

    @web.middleware
    async def idempotency(request: web.Request, handler: Handler) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        fingerprint = hashlib.sha256(
            request.path.encode() + b"\n" + await request.read()
        ).hexdigest()
        if key in seen:
            return _replay(seen[key], fingerprint)
        response = await handler(request)
        if isinstance(response, web.Response) and response.status in _REPLAYABLE:
            seen[key] = (fingerprint, response.status, bytes(response.body or b""))  # type: ignore[arg-type]
        return response

    return idempotency


def _replay(first: tuple[str, int, bytes], fingerprint: str) -> web.Response:
    stored_fingerprint, status, body = first
    if stored_fingerprint != fingerprint:
        error = {
            "type": "idempotency_error",
            "message": "This idempotency key was used with other parameters.",
        }
        return web.json_response({"error": error}, status=400)
    return web.Response(
        body=body,
        status=status,
        content_type="application/json",
        headers={"Idempotent-Replayed": "true"},
    )


async def _stripe_js(request: web.Request) -> web.Response:
    import localstripe

    original = (Path(localstripe.__file__).parent / "localstripe-v3.js").read_text()
    return web.Response(text=original + _CONFIRM_CARD_JS, content_type="application/javascript")


async def _confirm_card(request: web.Request) -> web.Response:
    """Stripe.js's client-side confirmation: a card payment method from the form, then confirm."""
    from localstripe.errors import UserError
    from localstripe.resources import PaymentIntent, PaymentMethod
    from localstripe.server import json_response

    data = await _json_body(request)
    intent = PaymentIntent._api_retrieve(request.match_info["id"])
    if data.get("client_secret") != intent.client_secret:
        raise UserError(401, "Unauthorized")
    if intent.status not in ("requires_payment_method", "requires_confirmation"):
        raise UserError(
            400,
            f"This PaymentIntent's status is {intent.status}.",
            {"code": "payment_intent_unexpected_state"},
        )
    method_data = data.get("payment_method_data")
    card = method_data.get("card") if isinstance(method_data, dict) else None
    method = PaymentMethod(type="card", card=card)
    if intent.latest_charge is not None and intent.latest_charge.status == "failed":
        intent.latest_charge = None  # localstripe refuses to charge again after a decline otherwise
    intent.payment_method = method.id
    if isinstance(data.get("receipt_email"), str):
        intent.receipt_email = data["receipt_email"]  # Stripe sends its receipt there once paid
    intent._confirm(on_failure_now=intent._report_failure)
    response: web.Response = json_response(intent._export())
    return response


async def _json_body(request: web.Request) -> dict[str, object]:
    from localstripe.errors import UserError

    try:
        data = json.loads(await request.read())
    except ValueError:
        raise UserError(400, "Bad request") from None
    if not isinstance(data, dict):
        raise UserError(400, "Bad request")
    return data


def _announcing_refunds(create_refund: Handler) -> Handler:
    """localstripe records refunds but sends no `charge.refunded`; Stripe does, and the core
    listens."""

    async def handler(request: web.Request) -> web.StreamResponse:
        from localstripe.resources import Charge, Event
        from localstripe.webhooks import schedule_webhook

        await _refuse_refunding_twice(request)
        response = await create_refund(request)
        if isinstance(response, web.Response) and response.status == 200 and response.body:
            refund = json.loads(bytes(response.body))  # type: ignore[arg-type]
            schedule_webhook(Event("charge.refunded", Charge._api_retrieve(refund["charge"])))
        return response

    return handler


async def _refuse_refunding_twice(request: web.Request) -> None:
    """Stripe answers 400 `charge_already_refunded`; localstripe would refund the same charge
    again."""
    from localstripe.errors import UserError
    from localstripe.resources import Charge, PaymentIntent

    form = await request.post()
    intent_id, charge_id = form.get("payment_intent"), form.get("charge")
    charge = None
    if isinstance(intent_id, str) and intent_id.startswith("pi_"):
        charge = PaymentIntent._api_retrieve(intent_id).latest_charge
    elif isinstance(charge_id, str) and charge_id.startswith("ch_"):
        charge = Charge._api_retrieve(charge_id)
    if charge is not None and charge.refunded:
        message = f"Charge {charge.id} has already been refunded."
        raise UserError(400, message, {"code": "charge_already_refunded"})


async def _cancel_pending_deliveries() -> None:
    """Webhook sends and settlements localstripe scheduled with ensure_future must not outlive
    it."""
    import localstripe

    root = str(Path(localstripe.__file__).parent)
    pending = [task for task in asyncio.all_tasks() if _started_in(task, root)]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def _started_in(task: asyncio.Task[object], root: str) -> bool:
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and code.co_filename.startswith(root)
