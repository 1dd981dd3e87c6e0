"""Teams tenants remembered from their activities, and colleagues reached from their id alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams import TeamsChannel, build_teams
from adapters.teams.tenants import TenantPeople, personal_ref
from core.identity import TenantEndpoint
from core.money import Money
from core.views import RewardNotice, RewardSummary
from tests.fake_connector import FakeConnector
from tests.fakes import MemoryPendingConfirmations, MemoryTenantEndpoints
from tests.teams.conftest import TENANT, TIEN_AAD, TeamsWorld

BOT_ID = "28:cd59cf47-aca1-41e0-8441-387faee8331e"  # the bot of the captured personal chat
GRACE_AAD = "0b6cf7a1-5d2e-4a8f-9c3b-7e1d2f4a6b8c"  # has the app, never wrote to the bot
REWARD = RewardSummary(
    reward_id="rwd_000042",
    giver_name="Workday",
    recipient_name="Grace Hopper",
    amount=Money(2500, "USD"),
    available=Money(2500, "USD"),
    reason="Five years of quiet excellence",
    status="sent",
    expires_on="2027-02-24",
    programme_name="Kudos",
)


@dataclass
class Remembering:
    """A Teams channel that remembers tenants, next to the shared Teams test world."""

    world: TeamsWorld
    channel: TeamsChannel
    tenants: MemoryTenantEndpoints
    client: TestClient[Any, Any]

    async def post(self, activity: dict[str, Any]) -> int:
        async with self.client.post("/api/messages", json=activity) as response:
            return response.status


@pytest.fixture
async def remembering(teams: TeamsWorld) -> AsyncIterator[Remembering]:
    tenants = MemoryTenantEndpoints()
    channel = build_teams(
        teams.checkout,
        public_base_url="https://vouchers.example.com",
        recognition=teams.recognition,
        tenants=tenants,
        confirmations=MemoryPendingConfirmations(),
    )
    app = web.Application()
    channel.mount(app)
    client: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1", port=0))
    await client.start_server()
    try:
        yield Remembering(teams, channel, tenants, client)
    finally:
        await client.close()
        await channel.close()


async def test_a_tenant_is_remembered_from_its_first_activity_with_its_connector_url_and_the_bot_account(
    remembering: Remembering, connector: FakeConnector
) -> None:
    world = remembering.world
    statuses = [await remembering.post(world.personal("help")) for _ in range(3)]

    assert set(statuses) <= {200, 201}
    assert remembering.tenants.endpoints == {
        TENANT: TenantEndpoint(TENANT, connector.url, BOT_ID, "TienBotChannelsBot")
    }
    assert (
        remembering.tenants.writes == 1
    )  # not once per turn: the Teams path stays a read-only hot path


async def test_an_activity_that_names_no_teams_tenant_is_not_remembered(
    remembering: Remembering,
) -> None:
    emulator = remembering.world.personal("help")
    emulator.update(channelId="emulator", channelData={})

    await remembering.post(emulator)

    assert remembering.tenants.endpoints == {}


async def test_a_colleague_named_by_entra_id_gets_a_reward_card_in_a_new_1_1_chat_once_the_tenant_was_seen(
    remembering: Remembering, connector: FakeConnector
) -> None:
    people = TenantPeople(remembering.tenants)
    before = await people(TENANT, GRACE_AAD)
    await remembering.post(remembering.world.personal("help"))
    address = await people(TENANT.upper(), GRACE_AAD.upper())  # Entra ids ignore case
    assert before is None and address is not None

    await remembering.channel.sender.send(address, RewardNotice(REWARD))

    (created,) = connector.made("create")
    assert created.body["members"] == [{"id": GRACE_AAD}]
    assert (
        created.body["bot"]["id"] == BOT_ID
        and created.body["channelData"]["tenant"]["id"] == TENANT
    )
    (card,) = connector.in_conversation(f"a:personal-{GRACE_AAD}")
    assert "Workday sent you a reward" in str(card.card) and "Choose your voucher" in str(card.card)


async def test_a_teams_id_makes_an_address_but_not_a_reward_recipient(
    remembering: Remembering, connector: FakeConnector
) -> None:
    await remembering.post(remembering.world.personal("help"))
    endpoint = await remembering.tenants.find(TENANT)
    assert endpoint is not None

    await remembering.channel.sender.send(personal_ref(endpoint, "29:1grace"), RewardNotice(REWARD))

    assert [c.body["members"] for c in connector.made("create")] == [[{"id": "29:1grace"}]]
    # A reward belongs to an Entra object id (what the bot reads when its recipient acts).
    assert await TenantPeople(remembering.tenants)(TENANT, "29:1grace") is None
    assert await TenantPeople(remembering.tenants)(TENANT, TIEN_AAD) is not None
