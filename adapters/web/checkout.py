"""The card checkout page, its status poll and the Stripe webhook, as aiohttp routes over the
core."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from aiohttp import web

from adapters.i18n import Localizer, localizer, words
from adapters.i18n.tags import from_accept_language
from core.checkout import Checkout
from core.errors import (
    CheckoutExpired,
    InvalidRequest,
    NotFound,
    PaymentEventRejected,
    PaymentGatewayError,
    ProviderError,
    UnknownCheckout,
    VoucherbotError,
)
from core.orders import OrderStatus
from core.payments import PaymentGateway
from core.views import CheckoutView

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.Response]]

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static" / "checkout"
STATIC_PREFIX = "/static/checkout"
MAX_WEBHOOK_BYTES = 256 * 1024
MAX_TOKEN_LENGTH = 200
TEAMS_ANCESTORS = (
    "https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft"
)
# Real Stripe.js talks to more origins than the one it is served from; localstripe's fake does not.
STRIPE_EXTRA_SOURCES = {
    "script": "https://*.js.stripe.com",
    "connect": "https://api.stripe.com",
    "frame": "https://*.js.stripe.com https://hooks.stripe.com",
}
PAID = frozenset({OrderStatus.PAID, OrderStatus.ISSUING, OrderStatus.ISSUED, OrderStatus.DELIVERED})
CLOSED = {
    OrderStatus.EXPIRED: "expired",
    OrderStatus.CANCELLED: "cancelled",
    OrderStatus.REFUNDED: "refunded",
}


def checkout_routes(
    checkout: Checkout,
    gateway: PaymentGateway,
    *,
    publishable_key: str,
    stripe_js_url: str,
    test_mode: bool,
) -> list[web.AbstractRouteDef]:
    """GET /checkout/{token}, GET /checkout/{token}/status, POST /stripe/webhook and the page's
    assets."""
    page = CheckoutPage(
        checkout=checkout,
        templates=_templates(),
        publishable_key=publishable_key,
        stripe_js_url=stripe_js_url,
        test_mode=test_mode,
        headers=security_headers(stripe_js_url),
    )
    return [
        web.get("/checkout/{token}", page.show),
        web.get("/checkout/{token}/status", page.status),
        web.post("/stripe/webhook", webhook_handler(checkout, gateway)),
        web.static(STATIC_PREFIX, STATIC),
    ]


def http_status(error: VoucherbotError) -> int:
    """The one mapping from core errors to HTTP statuses."""
    if isinstance(error, PaymentEventRejected):
        return 400
    if isinstance(error, CheckoutExpired):
        return 410
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, InvalidRequest):
        return 409
    if isinstance(error, PaymentGatewayError | ProviderError):
        return 502
    return 503  # a lost race or a busy store: worth trying again


def page_state(view: CheckoutView) -> str:
    """Which panel the checkout page shows: pay, failed, paid, problem, expired, cancelled or
    refunded."""
    if view.status in PAID:
        return "paid"
    if view.status is OrderStatus.FAILED:
        return "failed" if view.payable else "problem"
    if view.status is OrderStatus.AWAITING_PAYMENT:
        return "pay" if view.payable else "problem"
    return CLOSED.get(view.status, "problem")


def security_headers(stripe_js_url: str) -> dict[str, str]:
    """No caching, no referrer to other origins (the token is in the URL), and a CSP for
    Stripe.js."""
    stripe_origin = _origin(stripe_js_url)
    extra = STRIPE_EXTRA_SOURCES if stripe_origin == "https://js.stripe.com" else {}
    policy = [
        "default-src 'none'",
        f"script-src 'self' {stripe_origin} {extra.get('script', '')}",
        f"connect-src 'self' {stripe_origin} {extra.get('connect', '')}",
        f"frame-src {stripe_origin} {extra.get('frame', '')}",
        "img-src 'self' https: data:",
        "style-src 'self' 'unsafe-inline'",  # Stripe.js styles the frames it inserts
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors 'self' {TEAMS_ANCESTORS}",
    ]
    return {
        "Content-Security-Policy": "; ".join(" ".join(part.split()) for part in policy),
        "Cache-Control": "no-store",
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "X-Robots-Tag": "noindex",
    }


@dataclass(frozen=True)
class CheckoutPage:
    """Renders the checkout for a token and answers the page's status poll."""

    checkout: Checkout
    templates: jinja2.Environment
    publishable_key: str
    stripe_js_url: str
    test_mode: bool
    headers: dict[str, str]

    async def show(self, request: web.Request) -> web.Response:
        loc = reader_of(request)
        try:
            view = await self._view(request)
        except VoucherbotError as exc:
            return self._notice(exc, loc)
        state = page_state(view)
        html = self.templates.get_template("checkout/page.html").render(
            view=view,
            state=state,
            failure=_failure(view, loc),
            status_label=words.status_label(view.status, loc),
            **_speaking(loc),
            test_mode=self.test_mode,
            publishable_key=self.publishable_key,
            stripe_js_url=self.stripe_js_url,
            status_url=f"{request.path}/status",
            static=STATIC_PREFIX,
        )
        status = 410 if state == "expired" else 200
        return web.Response(
            text=html, status=status, content_type="text/html", headers=self.headers
        )

    async def status(self, request: web.Request) -> web.Response:
        try:
            view = await self._view(request)
        except VoucherbotError as exc:
            code = http_status(exc)
            body = {"status": "expired" if code == 410 else "unknown", "label": str(exc)}
            return web.json_response(body, status=code, headers=self.headers)
        loc = reader_of(request)
        body = {
            "status": str(view.status),
            "label": words.status_label(view.status, loc),
            "state": page_state(view),
        }
        if body["state"] in ("failed", "problem"):
            body["reason"] = _failure(view, loc)
        return web.json_response(body, headers=self.headers)

    async def _view(self, request: web.Request) -> CheckoutView:
        token = request.match_info["token"]
        if len(token) > MAX_TOKEN_LENGTH:
            raise UnknownCheckout()
        return await self.checkout.checkout_view(token)

    def _notice(self, error: VoucherbotError, loc: Localizer) -> web.Response:
        status = http_status(error)
        if status >= 500:
            log.warning("checkout page unavailable", extra={"error": type(error).__name__})
        html = self.templates.get_template("checkout/notice.html").render(
            status=status,
            message=str(error),
            test_mode=self.test_mode,
            static=STATIC_PREFIX,
            **_speaking(loc),
        )
        return web.Response(
            text=html, status=status, content_type="text/html", headers=self.headers
        )


def webhook_handler(checkout: Checkout, gateway: PaymentGateway) -> Handler:
    """POST /stripe/webhook: verify, then apply once; any non-2xx makes Stripe deliver it again."""

    async def stripe_webhook(request: web.Request) -> web.Response:
        body = await _read_at_most(request, MAX_WEBHOOK_BYTES)
        if body is None:
            return web.json_response({"error": "body too large"}, status=413)
        try:
            event = gateway.parse_event(body, request.headers.get("Stripe-Signature", ""))
            await checkout.handle_payment_event(event)
        except VoucherbotError as exc:
            return _webhook_error(exc)
        return web.json_response({"received": True})

    return stripe_webhook


def _webhook_error(error: VoucherbotError) -> web.Response:
    status = http_status(error)
    if status == 400:
        log.warning("stripe webhook rejected", extra={"reason": str(error)})
        return web.json_response({"error": "invalid signature or payload"}, status=400)
    if status == 404:
        log.warning("stripe webhook for something unknown", extra={"reason": str(error)})
        return web.json_response({"received": True})
    log.error("stripe webhook failed; Stripe will retry", exc_info=error)
    return web.json_response({"error": "not processed"}, status=500)


async def _read_at_most(request: web.Request, limit: int) -> bytes | None:
    """The raw body, or None if it is longer than `limit` (the app's client_max_size bounds the
    read)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = await request.read()
    return body if len(body) <= limit else None


def reader_of(request: web.Request) -> Localizer:
    """The page speaks the browser's first language (Accept-Language), English when it names
    none."""
    return localizer(from_accept_language(request.headers.get("Accept-Language")))


def _speaking(loc: Localizer) -> dict[str, object]:
    return {"_": loc._, "money": loc.money, "lang": loc.locale.language}


def _failure(view: CheckoutView, loc: Localizer) -> str:
    """A declined card's reason, and that no money was taken; an issuance failure's refund."""
    if view.issuance_failed:
        return loc._("We could not issue this voucher, so your payment is being refunded.")
    if view.status is OrderStatus.FAILED and view.failure_reason:
        return loc._("{reason} No money was taken.", reason=view.failure_reason.rstrip(". ") + ".")
    return view.failure_reason


def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "'self'"  # a path: served by us
