"""HR-system rewards reach people in both chats, as the bot wires them: Teams users by Entra id once
their tenant was seen, and Slack members by an email only Slack knows (single-workspace install)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.slack import build_slack
from adapters.teams import TeamsChannel, build_teams
from bot.build.channels import PLATFORMS
from bot.rewards import Rewards, build_rewards, find_people_in_slack
from bot.settings import load_settings
from core.catalog import Catalog
from core.checkout import Checkout
from core.delivery import Relay
from core.money import Money
from tests.db.conftest import Backend, backend  # noqa: F401 - the fixture, on SQLite and PostgreSQL
from tests.fake_connector import FakeConnector
from tests.fake_slack import FakeSlack
from tests.fakes import FakeGateway, FakeProvider, SequentialIds
from tests.rewards.conftest import KUDOS
from tests.teams.conftest import TENANT, fixture_activity
from tests.unit.conftest import BOOKS

REWARDS = "/api/v1/rewards"
GRACE_AAD = "0b6cf7a1-5d2e-4a8f-9c3b-7e1d2f4a6b8c"  # in Teams, has the app, never wrote to the bot
SLACK_TEAM, SLACK_TOKEN = "T0VB", "xoxb-voucherbot-test"  # the fake Slack's single workspace
LIN = "U0LIN"  # in Slack only; HR never imported her


@dataclass
class Bot:
    """Rewards, Teams and Slack wired as bot/bootstrap.py wires them, on a real database."""

    backend: Backend
    rewards: Rewards
    teams: TeamsChannel
    relay: Relay
    connector: FakeConnector
    slack: FakeSlack
    client: TestClient[Any, Any]
    key: str

    async def send_reward(self, *recipients: dict[str, str]) -> tuple[int, Any]:
        body = {
            "recipients": list(recipients),
            "amount": "25.00",
            "reason": "Shipped the harbour release",
        }
        headers = {"Authorization": f"Bearer {self.key}"}
        async with self.client.post(REWARDS, json=body, headers=headers) as response:
            return response.status, await response.json()

    async def teams_activity(self, text: str) -> None:
        """Tien, in the captured Contoso tenant, writes to the bot in their 1:1 chat."""
        activity = fixture_activity("message.personal.botbuilder_js_recording")
        activity.update(serviceUrl=self.connector.url, text=text)
        async with self.client.post("/api/messages", json=activity) as response:
            assert response.status in (200, 201)

    async def deliver(self) -> None:
        while await self.relay.run_once():
            pass


@pytest.fixture
async def bot(backend: Backend, tmp_path: Path) -> AsyncIterator[Bot]:
    connector, slack = FakeConnector(), await FakeSlack().start()
    await connector.start()
    clock, ids, database = backend.clock, SequentialIds(), backend.database
    rewards = build_rewards(
        load_settings(_env_file=None, data_dir=tmp_path), database, clock, ids, platforms=PLATFORMS
    )
    await rewards.recognition.budgets.create_programme(KUDOS, "setup")
    await rewards.recognition.budgets.credit(KUDOS.id, Money(10_000, "USD"), "setup")
    checkout = Checkout(
        uow=database.unit_of_work,
        catalog=Catalog([BOOKS]),
        gateway=FakeGateway(),
        providers={"builtin": FakeProvider()},
        clock=clock,
        ids=ids,
        public_base_url="https://vouchers.example.com",
    )
    teams = build_teams(
        checkout,
        public_base_url="https://vouchers.example.com",
        recognition=rewards.recognition,
        directory=rewards.people,
        tenants=rewards.tenants,
        confirmations=rewards.confirmations,
        approvals=rewards.approvals,
    )
    slack_channel = build_slack(
        checkout,
        signing_secret="d1f0c3a5e7b9d1f0c3a5e7b9d1f0c3a5",
        bot_token=SLACK_TOKEN,
        api_url=slack.api_url,
        public_base_url="https://vouchers.example.com",
        recognition=rewards.recognition,
        confirmations=rewards.confirmations,
        approvals=rewards.approvals,
    )
    find_people_in_slack(rewards, slack_channel)
    relay = Relay(
        uow=database.unit_of_work,
        catalog=lambda: checkout.catalog,
        senders={"teams": teams.sender, "slack": slack_channel.sender},
        clock=clock,
        checkout_url=checkout.checkout_url,
    )
    app = web.Application()
    teams.mount(app)
    rewards.hr_api.mount(app)
    client: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1", port=0))
    await client.start_server()
    key = await rewards.api_keys.create("workday", "cli:operator")
    try:
        yield Bot(backend, rewards, teams, relay, connector, slack, client, key)
    finally:
        await client.close()
        await slack_channel.close()
        await teams.close()
        await connector.close()
        await slack.close()
    assert connector.errors == [] and slack.errors == []


async def test_a_teams_user_named_by_id_gets_the_reward_card_once_the_bot_has_seen_their_tenant(
    bot: Bot,
) -> None:
    grace = {"platform": "teams", "user_id": GRACE_AAD.upper(), "tenant_id": TENANT.upper()}

    unseen_status, unseen = await bot.send_reward(grace)
    await bot.teams_activity("help")  # anyone in the tenant talking to the bot is enough
    status, body = await bot.send_reward(grace)
    await bot.deliver()

    assert unseen_status == 422 and unseen["error"]["code"] == "unknown_recipients"
    assert unseen["error"]["recipients"] == [f"teams:{TENANT}:{GRACE_AAD}"]
    assert f"teams:{TENANT}:{GRACE_AAD}" in unseen["error"]["message"]
    assert "Entra object id" in unseen["error"]["message"]
    assert status == 201 and [r["recipient"]["user_id"] for r in body["rewards"]] == [GRACE_AAD]
    (created,) = bot.connector.made("create")
    assert created.body["members"] == [{"id": GRACE_AAD}]
    (card,) = bot.connector.in_conversation(f"a:personal-{GRACE_AAD}")
    assert "$25" in json.dumps(card.card) and "Choose your voucher" in json.dumps(card.card)
    async with bot.backend.database.unit_of_work() as uow:
        (reward,) = await uow.rewards.list_for_recipient(f"teams:{TENANT}:{GRACE_AAD}")
    assert reward.amount == Money(2500, "USD")


async def test_a_teams_user_named_by_their_teams_id_is_refused_with_a_422_that_names_them(
    bot: Bot,
) -> None:
    await bot.teams_activity("help")

    status, body = await bot.send_reward(
        {"platform": "teams", "user_id": "29:1grace", "tenant_id": TENANT}
    )

    assert status == 422 and body["error"]["recipients"] == [f"teams:{TENANT}:29:1grace"]
    assert bot.connector.made("create") == []


async def test_an_email_only_slack_knows_reaches_that_slack_member_by_dm(bot: Bot) -> None:
    bot.slack.add_person(LIN, "Lin Yutang", email="lin@harbour.example")
    bot.slack.add_person("U0ADA", "Ada Lovelace", email="ada@harbour.example")

    status, body = await bot.send_reward(
        {"email": "LIN@harbour.example"}, {"email": "ada@harbour.example"}
    )
    await bot.deliver()

    assert status == 201
    assert [(r["recipient"]["user_id"], r["recipient"]["name"]) for r in body["rewards"]] == [
        (LIN, "Lin Yutang"),
        ("U0ADA", "Ada Lovelace"),
    ]
    (notice,) = bot.slack.messages_in(f"D{LIN}")
    assert notice.text == "workday sent you a $25 reward"  # the API key's name, as giver
    assert "Shipped the harbour release" in json.dumps(notice.blocks)
    assert len(bot.slack.calls_to("auth.test")) == 1  # the workspace is learnt once, on first use
    async with bot.backend.database.unit_of_work() as uow:
        assert len(await uow.rewards.list_for_recipient(f"slack:{SLACK_TEAM}:{LIN}")) == 1


async def test_an_email_neither_hr_nor_slack_knows_is_refused_and_nothing_is_sent(bot: Bot) -> None:
    status, body = await bot.send_reward({"email": "nobody@harbour.example"})

    assert status == 422 and body["error"]["recipients"] == ["nobody@harbour.example"]
    assert bot.slack.calls_to("chat.postMessage") == []
    assert await bot.rewards.recognition.budgets.budget(KUDOS.id) == Money(10_000, "USD")
