"""Buyers on Slack and Teams sending what those platforms send, and Stripe's signed payment events.

Every buyer buys one Quiet Harbour Books voucher (GBP 20) in one request: a `/vouchers buy …` slash
command in Slack, or the "Continue to payment" submit of a product card in Teams. The platforms'
replies to the bot go through the chaos proxies (Slack's response_url, Teams' serviceUrl point at
them).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.orders import Order
from tests.e2e.world import TeamsChat, stripe_signature
from tests.faults.cluster import Answer, Cluster
from tests.localstripe_server import WEBHOOK_SECRET
from tests.slack.conftest import TEAM, sign, slash_command

PRODUCT = "quiet-harbour-books"
AMOUNT = "20"
JSON = {"Content-Type": "application/json"}
FORM = "application/x-www-form-urlencoded"


class _Hooks:
    """What `slash_command` needs from a fake Slack: response_urls, here on the chaos proxy."""

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url

    def response_url(self, name: str) -> str:
        return f"{self._base_url}/hooks/{name}"


@dataclass(frozen=True)
class SlackBuyer:
    user_id: str
    proxy_url: str
    channel: str = "C0FAULTS"

    @property
    def key(self) -> str:
        return f"slack:{TEAM}:{self.user_id}"

    @property
    def hook(self) -> str:
        """The name of this buyer's response_url (one order each)."""
        return f"order-{self.user_id}"

    @property
    def dm(self) -> str:
        return f"D{self.user_id}"  # what the fake's conversations.open answers

    def command(self, text: str, trigger: str | None = None) -> tuple[bytes, dict[str, str]]:
        body = slash_command(
            _Hooks(self.proxy_url),  # type: ignore[arg-type]
            text,
            user=self.user_id,
            channel=self.channel,
            response_url=self.hook,
            trigger=trigger or f"trig-{uuid.uuid4().hex[:12]}",
        )
        return body.encode(), {"Content-Type": FORM, **sign(body)}

    async def buy(self, cluster: Cluster) -> Answer:
        body, headers = self.command(f"buy {PRODUCT} {AMOUNT}")
        return await cluster.post("/slack/events", body, headers)


@dataclass
class ProxiedChat(TeamsChat):
    """A Teams personal chat whose activities name the chaos proxy as their serviceUrl."""

    service_url: str = ""

    def message(self, text: str) -> dict[str, Any]:
        activity = super().message(text)
        activity["serviceUrl"] = self.service_url
        return activity

    def buy_activity(self) -> dict[str, Any]:
        """The Action.Submit of a product card's "Continue to payment" with GBP 20 chosen."""
        activity = self.message("")
        for key in ("text", "textFormat"):
            activity.pop(key, None)
        activity.update(
            id=f"f:{self.tag}-buy",
            value={"cmd": "buy", "product": PRODUCT, "amount": AMOUNT},
            replyToId=self.connector.issue_id(
                self.conversation_id
            ),  # the product card being replaced
        )
        return activity

    async def buy(self, cluster: Cluster) -> Answer:
        return await cluster.post("/api/messages", json.dumps(self.buy_activity()).encode(), JSON)


# --- Stripe
# ------------------------------------------------------------------------------------------


def payment_event(event_type: str, order: Order, event_id: str | None = None) -> bytes:
    """A Stripe event about the order's PaymentIntent, as Stripe would send it (succeeded or
    failed)."""
    assert order.payment_intent_id is not None, f"order {order.id} has no PaymentIntent"
    failed = event_type == "payment_intent.payment_failed"
    intent: dict[str, Any] = {
        "id": order.payment_intent_id,
        "object": "payment_intent",
        "amount": order.card_amount.minor,
        "currency": order.card_amount.currency.lower(),
        "metadata": {"order_id": order.id},
        "status": "requires_payment_method" if failed else "succeeded",
    }
    if failed:
        intent["last_payment_error"] = {
            "message": "Your card was declined.",
            "code": "card_declined",
        }
    event = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": intent},
    }
    return json.dumps(event).encode()


def signed(body: bytes, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    return {**JSON, "Stripe-Signature": stripe_signature(body, secret)}


async def post_event(cluster: Cluster, body: bytes) -> Answer:
    """One delivery attempt, signed now."""
    return await cluster.post("/stripe/webhook", body, signed(body))


async def deliver(
    cluster: Cluster, body: bytes, *, timeout: float = 90.0, pause: float = 0.3
) -> list[int]:
    """Deliver like Stripe: again and again until a replica answers 2xx; the statuses seen on the
    way."""
    statuses: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = await post_event(cluster, body)
        statuses.append(answer.status)
        if 200 <= answer.status < 300:
            return statuses
        await asyncio.sleep(pause)
    raise AssertionError(f"the event was never acknowledged: {statuses[-10:]}")


# --- placing orders
# ----------------------------------------------------------------------------------

Buyer = SlackBuyer | ProxiedChat


def buyer_key(buyer: Buyer) -> str:
    return buyer.key if isinstance(buyer, SlackBuyer) else buyer.user_key


async def place_orders(
    cluster: Cluster, buyers: Sequence[Buyer], *, concurrency: int = 12, timeout: float = 60.0
) -> dict[str, Order]:
    """Each buyer orders once; returns their orders (by buyer key) once all await payment.

    Slack places the order after acknowledging the command, so the wait also covers the order
    message reaching the buyer's response_url: later deliveries can then be counted from a clean
    mark.
    """
    gate = asyncio.Semaphore(concurrency)

    async def buy(buyer: Buyer) -> None:
        async with gate:
            answer = await buyer.buy(cluster)
        assert answer.status in (200, 201), (
            f"{buyer_key(buyer)} got HTTP {answer.status}: {answer.body[:200]!r}"
        )

    await asyncio.gather(*(buy(b) for b in buyers))
    deadline = time.monotonic() + timeout
    while True:
        waiting = await cluster.reader.list_orders("awaiting_payment", limit=100_000)
        orders = {o.buyer.key: o for o in waiting if o.payment_intent_id}
        slack_shown = all(
            cluster.platforms.slack.responses_to(b.hook)
            for b in buyers
            if isinstance(b, SlackBuyer)
        )
        if all(buyer_key(b) in orders for b in buyers) and slack_shown:
            return {buyer_key(b): orders[buyer_key(b)] for b in buyers}
        if time.monotonic() > deadline:
            missing = [buyer_key(b) for b in buyers if buyer_key(b) not in orders]
            raise AssertionError(f"orders not awaiting payment after {timeout}s: {missing[:5]}…")
        await asyncio.sleep(0.2)


def slack_buyers(cluster: Cluster, prefix: str, count: int) -> list[SlackBuyer]:
    """New Slack users (unique per database too: the fakes outlive one cluster)."""
    tag = f"{prefix}{cluster.database.kind[:2]}".upper()
    return [SlackBuyer(f"U{tag}{n:04d}", cluster.platforms.slack_proxy.url) for n in range(count)]


def teams_buyers(cluster: Cluster, prefix: str, count: int) -> list[ProxiedChat]:
    platforms = cluster.platforms
    return [
        ProxiedChat(
            bot_url="",
            connector=platforms.connector,
            http=cluster.http,
            tag=f"{prefix}-{cluster.database.kind}-{n}",
            service_url=platforms.teams_proxy.url + "/",
        )
        for n in range(count)
    ]
