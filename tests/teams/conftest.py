"""Teams fixtures: the real CloudAdapter (Emulator mode) in aiohttp, a fake Connector, fake core
ports."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams import TeamsChannel, build_teams
from core.catalog import Catalog, Product
from core.checkout import Checkout
from core.delivery import Relay
from core.gifting import Gifts
from core.identity import ChatUser, ConversationRef
from core.orders import Order
from core.payments import PaymentEvent, PaymentEventKind
from core.recognition import Recognition
from core.rewards import Recipient
from tests.fake_connector import FIXTURES, Call, FakeConnector, Member
from tests.fakes import (
    FakeGateway,
    FakeProvider,
    FixedClock,
    MemoryPendingConfirmations,
    MemoryStore,
    MemoryUnitOfWork,
    SequentialIds,
)
from tests.unit.conftest import BOOKS, TEA

ACTIVITIES = FIXTURES / "teams" / "activities"
COFFEE = Product(
    id="copper-kettle-coffee",
    brand="Copper Kettle Coffee",
    name="Copper Kettle coffee card",
    currency="USD",
    description="Any drink, any size, at every Copper Kettle.",
    image_url="https://images.example.com/copper-kettle.png",
    countries=("US",),
    denominations=(500, 1500),
    instructions="Scan the code at the counter.",
    redeem_url="https://copperkettle.example.com/redeem",
)


# The people of the captured activities: Tien writes in a personal chat, Dave in a channel (and
# opens the message extension there). Both are reward admins in these tests.
TIEN_AAD = "6d415fdd-f97e-4f70-ac45-e69601e4ecb2"
DAVE_AAD = "6b703ce3-6d14-4fe6-b90c-dc5f03657ae4"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def fixture_activity(name: str) -> dict[str, Any]:
    return json.loads((ACTIVITIES / f"{name}.json").read_text())


class FakeDirectory:
    """core.ports.Directory over a dict: work email -> the colleague's Teams identity."""

    def __init__(self) -> None:
        self.people: dict[str, Recipient] = {}

    def add(self, member: Member) -> None:
        user = ChatUser("teams", TENANT, member.aad, member.name)
        self.people[member.email.lower()] = Recipient(user, ConversationRef("teams", "{}"))

    async def find_by_email(self, email: str) -> Recipient | None:
        return self.people.get(email.lower())


@dataclass
class TeamsWorld:
    checkout: Checkout
    relay: Relay
    store: MemoryStore
    clock: FixedClock
    gateway: FakeGateway
    provider: FakeProvider
    connector: FakeConnector
    channel: TeamsChannel
    client: TestClient
    recognition: Recognition
    directory: FakeDirectory
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # --- activities as Teams sends them ----------------------------------------------------------

    def activity(self, fixture: str, **changes: Any) -> dict[str, Any]:
        """A captured Teams activity, pointed at the fake Connector, with a fresh id unless
        given."""
        activity = fixture_activity(fixture)
        activity["serviceUrl"] = self.connector.url
        activity["id"] = f"{next(self._ids)}{activity['id'][-6:]}"
        activity.update(changes)
        return activity

    def personal(self, text: str) -> dict[str, Any]:
        return self.activity("message.personal.botbuilder_js_recording", text=text)

    def in_channel(self, text: str) -> dict[str, Any]:
        """A top-level channel post that @mentions the bot, as Teams delivers it."""
        activity = self.activity("message.channel_mention.botbuilder_js_recording")
        mention = activity["entities"][0]["text"]
        activity["text"] = f"{mention} {text}\n"
        root = activity["conversation"]["id"].split(";")[0]
        activity["conversation"]["id"] = f"{root};messageid={activity['id']}"
        return activity

    def submit(self, after: dict[str, Any], card: Call, value: dict[str, Any]) -> dict[str, Any]:
        """An Action.Submit press on `card` (a message the bot sent), in the conversation of
        `after`."""
        activity = copy.deepcopy(after)
        for key in ("text", "textFormat", "attachments"):
            activity.pop(key, None)
        activity["entities"] = [e for e in activity.get("entities", []) if e["type"] != "mention"]
        activity.update(id=f"f:{next(self._ids)}", value=value, replyToId=card.message_id)
        return activity

    def execute(self, after: dict[str, Any], card: Call, data: dict[str, Any]) -> dict[str, Any]:
        """An Action.Execute press (invoke adaptiveCard/action) on `card`, shaped like a captured
        one."""
        activity = self.activity("invoke.adaptiveCard_action.execute.teams_net")
        for key in ("from", "recipient", "conversation", "channelData"):
            activity[key] = copy.deepcopy(after[key])
        activity["value"]["action"]["data"] = data
        activity["replyToId"] = card.message_id
        return activity

    def task_fetch(self, after: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        activity = self.activity("invoke.task_fetch.botbuilder_js_recording")
        for key in ("from", "recipient", "conversation", "channelData"):
            activity[key] = copy.deepcopy(after[key])
        activity["value"]["data"] = {
            **{k: v for k, v in data.items() if k != "msteams"},
            "type": "task/fetch",
        }
        return activity

    async def post(
        self, activity: dict[str, Any], headers: dict[str, str] | None = None
    ) -> ClientResponse:
        return await self.client.post("/api/messages", json=activity, headers=headers)

    # --- the rest of the world -------------------------------------------------------------------

    def order(self) -> Order:
        (order,) = self.store.orders.values()
        return order

    async def pay(self, order: Order, event_id: str = "evt_teams_1") -> None:
        event = PaymentEvent(
            event_id,
            PaymentEventKind.SUCCEEDED,
            order.payment_intent_id or "",
            order.id,
            order.amount,
        )
        await self.checkout.handle_payment_event(event)


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def teams(connector: FakeConnector) -> AsyncIterator[TeamsWorld]:
    store, clock, ids = MemoryStore(), FixedClock(), SequentialIds()
    gateway, provider = FakeGateway(), FakeProvider()

    def uow() -> MemoryUnitOfWork:
        return MemoryUnitOfWork(store, clock)

    checkout = Checkout(
        uow=uow,
        catalog=Catalog([BOOKS, TEA, COFFEE]),
        gateway=gateway,
        providers={"builtin": provider},
        clock=clock,
        ids=ids,
        public_base_url="https://vouchers.example.com",
    )
    recognition = Recognition(
        uow=uow, clock=clock, ids=ids, configured_admins={f"teams:{TIEN_AAD}", f"teams:{DAVE_AAD}"}
    )
    directory = FakeDirectory()
    channel = build_teams(
        checkout,
        public_base_url="https://vouchers.example.com",
        recognition=recognition,
        directory=directory,
        confirmations=MemoryPendingConfirmations(clock),
        gifts=Gifts(uow=uow, checkout=checkout, clock=clock, people=directory),
    )
    relay = Relay(
        uow=uow,
        catalog=lambda: checkout.catalog,
        senders={"teams": channel.sender},
        clock=clock,
        checkout_url=checkout.checkout_url,
    )
    app = web.Application()
    channel.mount(app)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    yield TeamsWorld(
        checkout,
        relay,
        store,
        clock,
        gateway,
        provider,
        connector,
        channel,
        client,
        recognition,
        directory,
    )
    await client.close()
    await channel.close()  # the Connector clients' HTTP connections
    assert connector.errors == [], connector.errors


# --- reading cards the way a person does
# ------------------------------------------------------------


def card_text(card: dict[str, Any]) -> str:
    """Every visible string of a card (texts, fact titles and values, button titles), one per
    line."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "value", "placeholder"):
                if isinstance(node.get(key), str) and node.get("type") != "Input.ChoiceSet":
                    found.append(node[key])
            for key, child in node.items():
                if key != "data":
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card)
    return "\n".join(found)


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button of a card, in reading order (inline ActionSets first, then the card's own)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action."):
                found.append(node)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card.get("body", []))
    walk(card.get("actions", []))
    return found


def button(card: dict[str, Any], title: str, **data: Any) -> dict[str, Any]:
    """The one button with this title (and these data values)."""
    matches = [
        a
        for a in actions(card)
        if a.get("title") == title and all(a.get("data", {}).get(k) == v for k, v in data.items())
    ]
    assert len(matches) == 1, f"expected one {title!r} button with {data}, found {len(matches)}"
    return matches[0]


def press(
    card: dict[str, Any], title: str, inputs: dict[str, Any] | None = None, **data: Any
) -> dict[str, Any]:
    """What Teams sends for an Action.Submit press: the button's data merged with the card's
    inputs."""
    return {**button(card, title, **data)["data"], **(inputs or {})}


# --- rewards
# ----------------------------------------------------------------------------------------

CHANNEL = (
    "19:097e6717fd7245bdbeba6baa13840db8@thread.skype"  # the channel of the captured channel posts
)
ADA = Member(
    "29:1ada-Lov3lace",
    "0a1d2a3e-0000-4000-8000-00000000ada0",
    "Ada Lovelace",
    "ada@harbour.example",
)
GRACE = Member(
    "29:1grace-H0pper",
    "0a1d2a3e-0000-4000-8000-0000000096ac",
    "Grace Hopper",
    "grace@harbour.example",
)
LIN = Member(
    "29:1lin-W3i", "0a1d2a3e-0000-4000-8000-00000000011e", "Lin Wei", "lin@harbour.example"
)


def mention(member: Member) -> dict[str, Any]:
    return {
        "type": "mention",
        "text": f"<at>{member.name}</at>",
        "mentioned": {"id": member.id, "name": member.name},
    }


def with_mentions(activity: dict[str, Any], text: str, *members: Member) -> dict[str, Any]:
    """`text` with {0}, {1}… standing for the members' mentions, as Teams writes them."""
    activity = copy.deepcopy(activity)
    typed = text.format(*(f"<at>{m.name}</at>" for m in members))
    bot_mentions = [e for e in activity.get("entities", []) if e["type"] == "mention"]
    prefix = f"{bot_mentions[0]['text']} " if bot_mentions else ""
    activity["text"] = prefix + typed
    activity["entities"] = [*activity.get("entities", []), *(mention(m) for m in members)]
    return activity


def as_member(teams: TeamsWorld, member: Member, conversation_id: str) -> dict[str, Any]:
    """A message from `member` in their personal chat with the bot (`conversation_id`, as the bot
    created it)."""
    activity = teams.personal("hello")
    activity["from"] = {"id": member.id, "name": member.name, "aadObjectId": member.aad}
    activity["conversation"] = {
        "conversationType": "personal",
        "tenantId": TENANT,
        "id": conversation_id,
    }
    return activity


@pytest.fixture
async def rewarding(teams: TeamsWorld) -> TeamsWorld:
    """A USD programme with $100 of budget, $50 at most per reward; Ada, Grace and Lin in the
    channel."""
    from core.money import Money
    from core.rewards import Programme

    await teams.recognition.budgets.create_programme(
        Programme("kudos", "Kudos", "USD", per_reward_limit=5000, card_topup=True), "setup"
    )
    await teams.recognition.budgets.credit("kudos", Money(10000, "USD"), "setup")
    teams.connector.add_members(CHANNEL, ADA, GRACE, LIN)
    for member in (ADA, GRACE, LIN):
        teams.directory.add(member)
    return teams
