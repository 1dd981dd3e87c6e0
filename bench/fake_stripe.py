"""A fast fake Stripe for load: creates PaymentIntents at once and sends signed
`payment_intent.succeeded`.

localstripe manages about 60 payments a second and slows down as it fills, so under load it would be
what is measured. This fake answers `POST /v1/payment_intents` (replaying an `Idempotency-Key` like
Stripe) and, when told an order was paid, posts the event Stripe would send to the bot's webhook,
signed with `Stripe-Signature: t=…,v1=…` over the raw body, retrying until the bot answers 2xx.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

WEBHOOK_ATTEMPTS = 10


def stripe_signature(payload: bytes, secret: str) -> str:
    timestamp = int(time.time())
    signed = f"{timestamp}.".encode() + payload
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


class FastFakeStripe:
    """Serve `app()`; set `webhook_url`; `pay(order_id)` settles that order's intent; `close()` at
    the end."""

    def __init__(self, webhook_secret: str) -> None:
        self.webhook_secret = webhook_secret
        self.webhook_url = ""
        self.intents: dict[str, dict[str, Any]] = {}  # by order id
        self.webhook_failures = 0
        self._by_key: dict[str, dict[str, Any]] = {}
        self._paid: set[str] = set()
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/payment_intents", self._create)
        return app

    def pay(self, order_id: str) -> None:
        """The buyer paid: send the signed success event for the order's intent (once)."""
        intent = self.intents.get(order_id)
        if intent is None or order_id in self._paid:
            return
        self._paid.add(order_id)
        task = asyncio.ensure_future(self._deliver(_event(f"evt_{next(self._ids)}", intent)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._session is not None:
            await self._session.close()

    async def _create(self, request: web.Request) -> web.Response:
        key = request.headers.get("Idempotency-Key", "")
        if key and key in self._by_key:
            return web.json_response(self._by_key[key])
        form = dict(parse_qsl(await request.text()))
        number = next(self._ids)
        order_id = form.get("metadata[order_id]", "")
        intent = {
            "id": f"pi_bench{number}",
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "client_secret": f"pi_bench{number}_secret_b3nch",
            "status": "requires_payment_method",
            "payment_method_types": ["card"],
            "metadata": {"order_id": order_id},
            "livemode": False,
        }
        self.intents[order_id] = intent
        if key:
            self._by_key[key] = intent
        return web.json_response(intent)

    async def _deliver(self, event: dict[str, Any]) -> None:
        payload = json.dumps(event).encode()
        if self._session is None:
            self._session = aiohttp.ClientSession()
        for _ in range(WEBHOOK_ATTEMPTS):
            headers = {
                "Content-Type": "application/json",
                "Stripe-Signature": stripe_signature(payload, self.webhook_secret),
            }
            async with self._session.post(
                self.webhook_url, data=payload, headers=headers
            ) as response:
                await response.read()
                if response.status < 300:
                    return
            self.webhook_failures += 1
            await asyncio.sleep(0.2)


def _event(event_id: str, intent: dict[str, Any]) -> dict[str, Any]:
    paid = {**intent, "status": "succeeded", "amount_received": intent["amount"]}
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": "payment_intent.succeeded",
        "data": {"object": paid},
    }
