"""Slack adapter fixtures: the real Bolt app mounted in aiohttp, a strict fake Slack, signed
requests."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.slack import SLACK, SlackChannel, build_slack
from adapters.slack.reward_text import dm_address
from bot.rewards import approver_address
from core.approval_gate import ApprovalGate
from core.approval_requests import ApprovalPolicy
from core.approvals import Approvals
from core.catalog import Catalog, ExpiryPolicy, Product, ValueRange
from core.checkout import Checkout
from core.delivery import Relay
from core.gifting import Gifts
from core.money import Money
from core.orders import Order
from core.payments import PaymentEvent, PaymentEventKind
from core.recognition import Recognition
from core.rewards import Programme
from tests.conftest import FIXTURES as RECORDED
from tests.fake_slack import FakeSlack, wait_until
from tests.fakes import (
    FakeGateway,
    FakeProvider,
    FixedClock,
    MemoryPendingConfirmations,
    MemoryStore,
    MemoryUnitOfWork,
    SequentialIds,
)

FIXTURES = RECORDED / "slack"
SIGNING_SECRET = "d1f0c3a5e7b9d1f0c3a5e7b9d1f0c3a5"
BOT_TOKEN = "xoxb-voucherbot-test"
TEAM = "T0VB"
ADA = "U0ADA"
GRACE = "U0GRACE"
LIN = "U0LIN"
HR = "U0HR"  # a reward admin (REWARD_ADMINS=slack:U0HR)
ROBOT = "U0ROBOT"  # a bot user: never rewarded
LIGHTHOUSE = "S0LIGHT"  # the @lighthouse user group: Grace, Lin, Hana from HR and a bot
GENERAL = "C0GENERAL"
KUDOS = "kudos"
PUBLIC_BASE_URL = "https://vouchers.example.com"

BOOKS = Product(
    id="quiet-harbour-books",
    brand="Quiet Harbour Books",
    name="Quiet Harbour Books gift card",
    currency="USD",
    description="Any book, any branch.",
    image_url="https://images.example.com/quiet-harbour.png",
    countries=("US",),
    denominations=(1000, 2500, 5000),
    instructions="Show the code at the till or enter it online.",
    redeem_url="https://quietharbour.example.com/redeem",
    expiry=ExpiryPolicy(days_after_issue=365),
)
TEA = Product(
    id="lantern-tea",
    brand="Lantern Tea House",
    name="Lantern Tea e-voucher",
    currency="EUR",
    countries=("DE", "FR"),
    value_range=ValueRange(500, 20000, 100),
    voucher_format="code_pin",
    instructions="Enter the code and PIN at checkout.",
    terms="Not exchangeable for cash.",
    expiry=ExpiryPolicy(days_after_issue=None, fixed_date=date(2027, 12, 31)),
)
COFFEE = Product(
    id="copper-kettle-coffee",
    brand="Copper Kettle Coffee",
    name="Copper Kettle coffee card",
    currency="EUR",
    countries=("DE",),
    image_url="https://images.example.com/copper-kettle.png",
    denominations=(1000, 2000),
)
SAMPLE = (BOOKS, TEA, COFFEE)
BRANDS = (
    "Amber Lane Cinema",
    "Birch & Bloom Florist",
    "Cobalt Coffee Roasters",
    "Driftwood Outdoor",
    "Ember Pizza",
)


def big_catalog(size: int = 5000) -> list[Product]:
    """`size` products over five brands; every fifth is a coffee roaster's card."""
    return [
        Product(
            id=f"p{n:05d}",
            brand=BRANDS[n % len(BRANDS)],
            name=f"{BRANDS[n % len(BRANDS)]} card no. {n:05d}",
            currency=("EUR", "USD", "GBP")[n % 3],
            countries=(("DE", "US", "GB")[n % 3],),
            denominations=(1000 + (n % 7) * 500, 5000),
        )
        for n in range(size)
    ]


@dataclass
class SlackWorld:
    """The Slack channel under test, the core it drives, and the fake Slack it talks to."""

    http: TestClient
    fake: FakeSlack
    channel: SlackChannel
    checkout: Checkout
    relay: Relay
    store: MemoryStore
    clock: FixedClock
    gateway: FakeGateway
    provider: FakeProvider
    recognition: Recognition | None = None
    triggers: Iterable[int] = field(default_factory=lambda: iter(range(1, 10_000)))

    # --- signed requests -------------------------------------------------------------------

    async def post(
        self,
        body: str,
        content_type: str,
        headers: dict[str, str] | None = None,
        signed: bool = True,
        timestamp: int | None = None,
    ) -> Any:
        all_headers = {
            "Content-Type": content_type,
            **(sign(body, timestamp) if signed else {}),
            **(headers or {}),
        }
        return await self.http.post("/slack/events", data=body.encode(), headers=all_headers)

    async def command(
        self,
        text: str,
        *,
        user: str = ADA,
        channel: str = GENERAL,
        trigger: str | None = None,
        response_url: str = "cmd",
        headers: dict[str, str] | None = None,
        command: str = "/vouchers",
    ) -> Any:
        body = slash_command(
            self.fake,
            text,
            user=user,
            channel=channel,
            response_url=response_url,
            trigger=trigger or f"{next(iter(self.triggers))}.1.trigger",
            command=command,
        )
        return await self.post(body, "application/x-www-form-urlencoded", headers)

    async def action(
        self,
        action: dict[str, Any],
        *,
        user: str = ADA,
        channel: str = GENERAL,
        message_ts: str = "1700000100.000100",
        ephemeral: bool = True,
        response_url: str = "act",
        state: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        payload = block_actions(
            self.fake,
            action,
            user=user,
            channel=channel,
            message_ts=message_ts,
            ephemeral=ephemeral,
            response_url=response_url,
            state=state,
        )
        return await self.post(
            urlencode({"payload": json.dumps(payload)}),
            "application/x-www-form-urlencoded",
            headers,
        )

    async def options(self, value: str, *, user: str = ADA) -> Any:
        payload = {
            "type": "block_suggestion",
            "user": {"id": user, "username": "ada", "team_id": TEAM},
            "team": {"id": TEAM, "domain": "voucherbot"},
            "api_app_id": "A0VB",
            "token": "legacy",
            "container": {
                "type": "message",
                "message_ts": "1700000100.000100",
                "channel_id": GENERAL,
                "is_ephemeral": True,
            },
            "action_id": "vb_pick_product",
            "block_id": "vb_picker",
            "value": value,
        }
        return await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )

    async def reward(self, text: str, **kwargs: Any) -> Any:
        """`/reward <text>`, as Slack sends it (mentions escaped)."""
        return await self.command(text, command="/reward", **kwargs)

    async def submit_view(
        self, view: dict[str, Any], values: dict[str, Any], *, user: str = HR
    ) -> Any:
        """The person fills in the modal `view` (as the app opened it) with `values` and submits
        it."""
        payload = json.loads(
            (FIXTURES / "payloads" / "view_submission.bolt_python.json").read_text()
        )
        payload["team"] = {"id": TEAM, "domain": "voucherbot"}
        payload["user"] = {
            "id": user,
            "username": user.lower(),
            "name": user.lower(),
            "team_id": TEAM,
        }
        payload["api_app_id"] = "A0VB"
        payload["view"].update(
            id="V0MODAL",
            team_id=TEAM,
            blocks=view["blocks"],
            callback_id=view["callback_id"],
            private_metadata=view.get("private_metadata", ""),
            state={"values": values},
            app_installed_team_id=TEAM,
        )
        return await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str = "Ev0001",
        headers: dict[str, str] | None = None,
    ) -> Any:
        """An Events API callback carrying `event`, for our team."""
        envelope = json.loads(
            (FIXTURES / "payloads" / "app_home_opened.event_callback.slack_docs.json").read_text()
        )
        envelope.update(team_id=TEAM, api_app_id="A0VB", event=event, event_id=event_id)
        envelope["authorizations"][0].update(team_id=TEAM, user_id="U0BOT", is_bot=True)
        return await self.post(json.dumps(envelope), "application/json", headers)

    async def home_opened(self, user: str = ADA, tab: str = "home") -> Any:
        envelope = json.loads(
            (FIXTURES / "payloads" / "app_home_opened.event_callback.slack_docs.json").read_text()
        )
        envelope["team_id"] = TEAM
        envelope["event"].update(user=user, tab=tab, channel=f"D{user}")
        envelope["event"]["view"]["team_id"] = TEAM
        envelope["authorizations"][0].update(team_id=TEAM, user_id="U0BOT", is_bot=True)
        return await self.post(json.dumps(envelope), "application/json")

    # --- the rest of the world -----------------------------------------------------------

    def only_order(self) -> Order:
        assert len(self.store.orders) == 1, f"expected one order, found {len(self.store.orders)}"
        return next(iter(self.store.orders.values()))

    async def pay(self, order: Order, event_id: str = "evt_paid") -> None:
        event = PaymentEvent(
            event_id,
            PaymentEventKind.SUCCEEDED,
            order.payment_intent_id or "",
            order.id,
            order.amount,
        )
        await self.checkout.handle_payment_event(event)

    async def settle(self) -> None:
        """Let the work Bolt handed to the background finish."""
        await self.channel.drain()

    def responses(self, name: str) -> list[dict[str, Any]]:
        return [c.args for c in self.fake.responses_to(name)]

    async def wait_for_response(self, name: str, count: int = 1) -> dict[str, Any]:
        await wait_until(lambda: len(self.fake.responses_to(name)) >= count)
        return self.responses(name)[count - 1]


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """The headers Slack sends: v0= HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing
    secret."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def slash_command(
    fake: FakeSlack,
    text: str,
    *,
    user: str,
    channel: str,
    response_url: str,
    trigger: str,
    command: str = "/vouchers",
) -> str:
    """Bolt's captured slash command body, re-addressed to our team, command and fake
    response_url."""
    fields = dict(
        parse_qsl(
            (FIXTURES / "payloads" / "slash_command.bolt_python.form.txt").read_text().strip()
        )
    )
    for key in ("enterprise_id", "enterprise_name"):
        fields.pop(key)
    fields.update(
        team_id=TEAM,
        team_domain="voucherbot",
        channel_id=channel,
        user_id=user,
        user_name=user.lower(),
        command=command,
        text=text,
        response_url=fake.response_url(response_url),
        trigger_id=trigger,
        api_app_id="A0VB",
    )
    return urlencode(fields)


def block_actions(
    fake: FakeSlack,
    action: dict[str, Any],
    *,
    user: str,
    channel: str,
    message_ts: str,
    ephemeral: bool,
    response_url: str,
    state: dict[str, Any] | None,
) -> dict[str, Any]:
    """Bolt's captured block_actions payload, carrying `action` on our team's message."""
    payload = json.loads(
        (FIXTURES / "payloads" / "block_actions.button.bolt_python.json").read_text()
    )
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM}
    payload["team"] = {"id": TEAM, "domain": "voucherbot"}
    payload["api_app_id"] = "A0VB"
    payload["container"] = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": ephemeral,
    }
    payload["channel"] = {"id": channel, "name": "general"}
    payload["response_url"] = fake.response_url(response_url)
    payload["actions"] = [{"block_id": "b", "action_ts": "1700000200.000200", **action}]
    if state is not None:
        payload["state"] = {"values": state}
    return payload


def button(action_id: str, value: str, text: str = "Button") -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "value": value,
        "text": {"type": "plain_text", "text": text, "emoji": True},
    }


def element(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    """The first element with `action_id` in rendered blocks: what the user would click."""
    for block in blocks:
        for candidate in [
            *(block.get("elements") or []),
            block.get("accessory"),
            block.get("element"),
        ]:
            if isinstance(candidate, dict) and candidate.get("action_id") == action_id:
                return candidate
    raise AssertionError(f"no element {action_id!r} in the blocks")


def clicked(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    """The action payload Slack sends when the user clicks the button `action_id`."""
    found = element(blocks, action_id)
    return {
        "type": found["type"],
        "action_id": action_id,
        "value": found.get("value", ""),
        "text": found["text"],
    }


async def make_world(
    products: Iterable[Product],
    fake: FakeSlack,
    programme: Programme | None = None,
    budget: int = 0,
    approval: ApprovalPolicy | None = None,
    gifts: bool = False,
) -> AsyncIterator[SlackWorld]:
    """The Slack channel over in-memory fakes; with `programme`, rewards are on and it holds
    `budget`; with `approval`, that policy holds its sends for approvers reached by DM (as the
    server wires it)."""
    store, clock, ids = MemoryStore(), FixedClock(), SequentialIds()
    gateway, provider = FakeGateway(), FakeProvider()

    def uow() -> MemoryUnitOfWork:
        return MemoryUnitOfWork(store, clock)

    recognition, approvals = None, None
    if programme is not None:
        gate = (
            ApprovalGate(clock, ids, approver_address({"slack": dm_address}, None, (SLACK,)))
            if approval
            else None
        )
        recognition = Recognition(
            uow=uow, clock=clock, ids=ids, configured_admins={f"slack:{HR}"}, gate=gate
        )
        await recognition.budgets.create_programme(programme, "setup")
        await recognition.budgets.credit(programme.id, Money(budget, programme.currency), "setup")
        if approval is not None:
            approvals = Approvals(uow=uow, clock=clock, ids=ids, recognition=recognition)
            await approvals.set_policy(approval, "setup")

    checkout = Checkout(
        uow=uow,
        catalog=Catalog(products),
        gateway=gateway,
        providers={"builtin": provider},
        clock=clock,
        ids=ids,
        public_base_url=PUBLIC_BASE_URL,
    )
    channel = build_slack(
        checkout,
        signing_secret=SIGNING_SECRET,
        bot_token=BOT_TOKEN,
        api_url=fake.api_url,
        public_base_url=PUBLIC_BASE_URL,
        recognition=recognition,
        approvals=approvals,
        confirmations=MemoryPendingConfirmations(clock),
        gifts=Gifts(uow=uow, checkout=checkout, clock=clock) if gifts else None,
    )
    relay = Relay(
        uow=uow,
        catalog=lambda: checkout.catalog,
        senders={"slack": channel.sender},
        clock=clock,
        checkout_url=checkout.checkout_url,
    )
    web_app = web.Application()
    channel.mount(web_app)
    http = TestClient(TestServer(web_app, host="127.0.0.1", port=0))
    await http.start_server()
    try:
        yield SlackWorld(
            http, fake, channel, checkout, relay, store, clock, gateway, provider, recognition
        )
    finally:
        await http.close()


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.close()
    assert fake.errors == [], f"Slack would have rejected: {fake.errors}"


@pytest.fixture
async def slack(fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    async for world in make_world(SAMPLE, fake_slack):
        yield world


@pytest.fixture
async def gift_slack(fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    async for world in make_world(SAMPLE, fake_slack, gifts=True):
        yield world


def add_colleagues(fake: FakeSlack) -> None:
    """The people of the reward tests, their @lighthouse user group and #general."""
    fake.add_person(HR, "Hana from HR", email="hana@harbour.example")
    fake.add_person(ADA, "Ada Lovelace", email="ada@harbour.example")
    fake.add_person(GRACE, "Grace Hopper", email="grace@harbour.example")
    fake.add_person(LIN, "Lin Yutang", email="lin@harbour.example")
    fake.add_person(ROBOT, "Deploy Robot", is_bot=True)
    fake.add_usergroup(LIGHTHOUSE, [GRACE, LIN, HR, ROBOT])
    fake.set_members(GENERAL, [HR, ADA, GRACE, LIN, ROBOT])


@pytest.fixture
async def reward_slack(fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    """Slack with rewards: the Kudos programme (USD, at most $50 a reward) holding $100."""
    add_colleagues(fake_slack)
    kudos = Programme(KUDOS, "Kudos", "USD", per_reward_limit=5000, card_topup=True)
    async for world in make_world(SAMPLE, fake_slack, kudos, budget=10000):
        yield world


@pytest.fixture
async def big_slack(fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    async for world in make_world([*big_catalog(), *SAMPLE], fake_slack):
        yield world
