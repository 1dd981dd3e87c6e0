"""What the end-to-end tests share: the bot's own database, Teams chats, Stripe's signed events,
polling."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import inspect
import itertools
import json
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.db.crypto import VoucherCipher
from adapters.db.database import Database
from adapters.providers.catalog_file import SAMPLE_CATALOG, load_catalog
from core.catalog import Product
from core.orders import Order, OrderStatus
from core.outbox import MessageStatus, OutboxMessage
from core.rewards import Budget, LedgerEntry, Reward
from core.vouchers import Voucher
from tests.fake_connector import Call, FakeConnector
from tests.teams.conftest import card_text, fixture_activity, press


async def eventually(
    probe: Callable[[], Any], *, timeout: float = 15.0, what: str = "the condition"
) -> Any:
    """Poll `probe` (sync or async) until it returns something truthy, and return that; fail after
    `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


def sample_product(product_id: str) -> Product:
    """A product of the sample catalog the server runs with (image URLs aside)."""
    (product,) = [
        p for p in load_catalog(SAMPLE_CATALOG, public_base_url="http://x") if p.id == product_id
    ]
    return product


# --- the bot's database, read the way the bot writes it
# ---------------------------------------------------


class BotDatabase:
    """The server's SQLite database and key file in its DATA_DIR, opened from the test (read only in
    use)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "voucherbot.db"
        key = (data_dir / "voucher.key").read_bytes().strip()
        self._db = Database(f"sqlite+aiosqlite:///{self.path}", VoucherCipher(key))

    async def close(self) -> None:
        await self._db.dispose()

    async def orders_of(self, user_key: str) -> list[Order]:
        async with self._db.unit_of_work() as uow:
            return list(await uow.orders.list_for_buyer(user_key))

    async def only_order_of(self, user_key: str) -> Order:
        orders = await self.orders_of(user_key)
        assert len(orders) == 1, f"expected one order for {user_key}, found {len(orders)}"
        return orders[0]

    async def order(self, order_id: str) -> Order:
        async with self._db.unit_of_work() as uow:
            return await uow.orders.get(order_id)

    async def voucher(self, order_id: str) -> Voucher | None:
        async with self._db.unit_of_work() as uow:
            return await uow.vouchers.for_order(order_id)

    async def outbox(self, order_id: str) -> list[OutboxMessage]:
        async with self._db.unit_of_work() as uow:
            return list(await uow.outbox.for_order(order_id))

    async def all_sent(self, order_id: str) -> bool:
        messages = await self.outbox(order_id)
        return bool(messages) and all(m.status is MessageStatus.SENT for m in messages)

    async def delivered(self, order_id: str) -> bool:
        """The voucher reached its owner and nothing more is owed for the order."""
        order = await self.order(order_id)
        return order.status is OrderStatus.DELIVERED and await self.all_sent(order_id)

    async def vouchers_issued(self) -> int:
        return await self._db.vouchers_issued()

    async def outbox_depth(self) -> int:
        return await self._db.outbox_depth()

    async def audit(self, subject: str | None = None) -> list[Any]:
        async with self._db.unit_of_work() as uow:
            return list(await uow.audit.entries(subject, limit=100_000))

    async def synced_catalog(self, provider: str) -> list[Product]:
        """A provider's catalog as the server cached it after a sync."""
        return list(await self._db.catalog_store().load(provider))

    async def last_synced(self, provider: str) -> datetime | None:
        return await self._db.catalog_store().last_synced(provider)

    async def budget(self, programme_id: str) -> Budget:
        """The programme's balance as the database sums its ledger."""
        async with self._db.unit_of_work() as uow:
            return await uow.ledger.budget(programme_id)

    async def ledger(self, programme_id: str) -> list[LedgerEntry]:
        async with self._db.unit_of_work() as uow:
            return list(await uow.ledger.entries(programme_id, limit=100_000))

    async def rewards_of(self, user_key: str) -> list[Reward]:
        async with self._db.unit_of_work() as uow:
            return list(await uow.rewards.list_for_recipient(user_key))

    async def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table: two equal dumps mean nothing at all changed."""
        return await asyncio.to_thread(_dump, self.path)

    def raw_bytes(self) -> bytes:
        """The database as it lies on disk: the main file plus its write-ahead log."""
        parts = [self.path, self.path.with_name(self.path.name + "-wal")]
        return b"".join(p.read_bytes() for p in parts if p.exists())


def _dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    connection = sqlite3.connect(path, timeout=10)
    try:
        tables = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            t: sorted(map(tuple, connection.execute(f'SELECT * FROM "{t}"')), key=repr)
            for t in tables
        }
    finally:
        connection.close()


# --- Stripe: every event localstripe sends, and signing them as Stripe does
# ------------------------------


def stripe_signature(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header: `t=…,v1=` hex HMAC-SHA256 of `{t}.{body}` with the endpoint
    secret."""
    at = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


@dataclass
class StripeEvents:
    """A second webhook endpoint registered with localstripe: keeps each event body exactly as
    sent."""

    bodies: list[bytes] = field(default_factory=list)
    _server: TestServer | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/events", self._receive)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return str(self._server.make_url("/events"))

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    async def _receive(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.read())
        return web.json_response({"received": True})

    def of(self, event_type: str, intent_id: str) -> list[bytes]:
        """Bodies of `event_type` events about the PaymentIntent `intent_id`."""
        return [b for b in self.bodies if _is_about(json.loads(b), event_type, intent_id)]


def _is_about(event: dict[str, Any], event_type: str, intent_id: str) -> bool:
    thing = event.get("data", {}).get("object", {})
    return event.get("type") == event_type and intent_id in (
        thing.get("id"),
        thing.get("payment_intent"),
    )


# --- Teams: one person's personal chat with the bot
# --------------------------------------------------------

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@dataclass
class TeamsChat:
    """A person in a personal chat with the bot: activities as Teams sends them, to the real
    server."""

    bot_url: str
    connector: FakeConnector
    http: aiohttp.ClientSession
    tag: str
    aad_object_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    # With Bot Framework credentials: the headers (a signed token) Teams sends with each activity.
    signed: Callable[[dict[str, Any]], dict[str, str]] | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def conversation_id(self) -> str:
        return f"a:e2e-{self.tag}"

    @property
    def user_key(self) -> str:
        return f"teams:{TENANT}:{self.aad_object_id}"

    def calls(self) -> list[Call]:
        """What reached Teams in this chat (failed attempts excluded)."""
        return self.connector.in_conversation(self.conversation_id)

    def voucher_cards(self) -> list[Call]:
        return [c for c in self.calls() if c.cards and "Code" in card_text(c.card)]

    # --- activities -----------------------------------------------------------------------------

    def message(self, text: str) -> dict[str, Any]:
        activity = fixture_activity("message.personal.botbuilder_js_recording")
        activity.update(
            id=f"{self.tag}-{next(self._ids)}",
            text=text,
            serviceUrl=self.connector.url,
            conversation={
                **activity["conversation"],
                "id": self.conversation_id,
                "tenantId": TENANT,
            },
            channelData={"tenant": {"id": TENANT}},
        )
        activity["from"] = {
            "id": f"29:e2e-{self.tag}",
            "name": "Ada Lovelace",
            "aadObjectId": self.aad_object_id,
        }
        return activity

    def submit(self, card: Call, value: dict[str, Any]) -> dict[str, Any]:
        """An Action.Submit press on `card`: a message activity with the button's data as its
        value."""
        activity = self.message("")
        for key in ("text", "textFormat"):
            activity.pop(key, None)
        activity.update(
            id=f"f:{self.tag}-{next(self._ids)}", value=value, replyToId=card.message_id
        )
        return activity

    def execute(self, card: Call, data: dict[str, Any]) -> dict[str, Any]:
        """An Action.Execute press (invoke adaptiveCard/action) on `card`."""
        return self._invoke(
            "invoke.adaptiveCard_action.execute.teams_net",
            replyToId=card.message_id,
            value={
                "action": {"type": "Action.Execute", "title": "", "data": data},
                "trigger": "manual",
            },
        )

    def task_fetch(self, data: dict[str, Any]) -> dict[str, Any]:
        """A button whose data says task/fetch: Teams asks the bot what dialog to open."""
        clean = {k: v for k, v in data.items() if k != "msteams"}
        return self._invoke(
            "invoke.task_fetch.botbuilder_js_recording",
            value={"data": {**clean, "type": "task/fetch"}, "context": {"theme": "default"}},
        )

    def extension(
        self, name: str, command_id: str, data: dict[str, Any] | None = None, **value: Any
    ) -> dict[str, Any]:
        """A message extension invoke (composeExtension/fetchTask or /submitAction) from this
        person."""
        body: dict[str, Any] = {"commandId": command_id, "commandContext": "compose", **value}
        if data is not None:
            body["data"] = data
        return self._invoke(
            "invoke.composeExtension_fetchTask.botbuilder_js_recording", name=name, value=body
        )

    @property
    def personal_chat_id(self) -> str:
        """The 1:1 chat the fake Connector opens for this person when the bot starts one."""
        return f"a:personal-29:e2e-{self.tag}"

    def _invoke(self, fixture: str, **changes: Any) -> dict[str, Any]:
        activity = fixture_activity(fixture)
        base = self.message("")
        for key in ("from", "recipient", "conversation", "channelData", "serviceUrl"):
            activity[key] = copy.deepcopy(base[key])
        activity.update(id=f"f:{self.tag}-{next(self._ids)}", **changes)
        return activity

    # --- talking to the server ------------------------------------------------------------------

    async def post(
        self, activity: dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        if headers is None and self.signed is not None:
            headers = self.signed(activity)
        async with self.http.post(
            f"{self.bot_url}/api/messages", json=activity, headers=headers
        ) as response:
            body = (
                await response.json()
                if response.content_type == "application/json"
                else await response.text()
            )
            return response.status, body

    async def answer_to(self, activity: dict[str, Any]) -> Call:
        """Post an activity and return what the bot then sent or updated in this chat."""
        before = len(self.calls())
        status, _ = await self.post(activity)
        assert status in (200, 201), f"the bot answered HTTP {status}"
        # The HTTP answer waits for the turn, so what the turn sent is already here; an outbox
        # message for this chat (a card redrawn in place looks like the turn's own update) may
        # land any moment after, so it is only taken when the turn sent nothing of its own.
        within_turn = [c for c in self.calls()[before:] if answers(c, activity)]
        if within_turn:
            return within_turn[-1]
        await eventually(lambda: len(self.calls()) > before, what="the bot's answer in Teams")
        new = self.calls()[before:]
        # the turn's own reply (or its card replaced) is the answer; an outbox message for this
        # chat may land just after it, so the last call is only the answer when there is no such
        direct = [c for c in new if answers(c, activity)]
        return direct[-1] if direct else new[-1]

    async def reply_to(self, activity: dict[str, Any]) -> Call:
        """Post an activity and return the bot's reply to it. Unlike `answer_to`, an outbox redraw
        of the card it was pressed on, landing meanwhile, is never taken for the answer."""
        before = len(self.calls())
        status, _ = await self.post(activity)
        assert status in (200, 201), f"the bot answered HTTP {status}"
        return await eventually(
            lambda: next(
                (c for c in self.calls()[before:] if c.kind == "reply" and answers(c, activity)),
                None,
            ),
            what="the bot's reply in Teams",
        )


def answers(call: Call, activity: dict[str, Any]) -> bool:
    """Whether the bot made `call` within its turn for `activity`: a reply to it, or the card it
    was pressed on, updated."""
    if call.kind == "reply":
        return call.activity_id == activity.get("id")
    return call.kind == "update" and call.activity_id == activity.get("replyToId")


def choices(card: dict[str, Any], input_id: str = "amount") -> list[str]:
    """The values an Input.ChoiceSet offers."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Input.ChoiceSet" and node.get("id") == input_id:
                found.extend(str(c["value"]) for c in node["choices"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card)
    return found


async def order_in_teams(
    chat: TeamsChat, search: str, product_id: str, amount: str | None = None
) -> Call:
    """`vouchers <search>` → Choose → amount → Continue to payment, with Action.Submit; the order
    card."""
    catalog = await chat.answer_to(chat.message(f"vouchers {search}"))
    product = await chat.answer_to(
        chat.submit(catalog, press(catalog.card, "Choose", product=product_id))
    )
    chosen = amount or choices(product.card)[0]
    return await chat.answer_to(
        chat.submit(product, press(product.card, "Continue to payment", {"amount": chosen}))
    )
