"""Teams reach through Microsoft Graph: a recipient without the app gets it installed, then the
reward."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.graph.client import GraphClient
from adapters.graph.teams_reach import GraphInstaller
from adapters.teams.sender import TeamsSender
from core.delivery import Relay
from core.outbox import MessageKind
from tests.fake_graph import INSTALL, FakeGraph, GraphUser
from tests.fakes import MemoryUnitOfWork
from tests.teams.conftest import LIN, TENANT, TeamsWorld, card_text
from tests.teams.test_rewards import personal_chat, send_three

CATALOG_ID = "b1c5353a-7aca-41b3-830f-27d5218fe0e5"


@pytest.fixture
async def graph(rewarding: TeamsWorld) -> AsyncIterator[FakeGraph]:
    fake = FakeGraph(
        TENANT, "vb-graph-app", "graph-secret", CATALOG_ID, rewarding.connector.install_app
    )
    fake.add_user(GraphUser(LIN.aad, LIN.name, LIN.email or "lin@contoso.example"))
    await fake.start()
    yield fake
    await fake.close()
    assert fake.errors == [], fake.errors


def installing_relay(teams: TeamsWorld, graph: FakeGraph) -> tuple[Relay, GraphClient]:
    client = GraphClient(
        base_url=graph.base_url,
        token_url=graph.token_url,
        client_id="vb-graph-app",
        client_secret="graph-secret",
    )
    sender = TeamsSender(teams.channel.adapter, "", GraphInstaller(client, CATALOG_ID))
    relay = Relay(
        uow=lambda: MemoryUnitOfWork(teams.store, teams.clock),
        catalog=lambda: teams.checkout.catalog,
        senders={"teams": sender},
        clock=teams.clock,
        checkout_url=teams.checkout.checkout_url,
    )
    return relay, client


async def test_a_recipient_without_the_app_gets_it_installed_and_then_the_reward(
    rewarding: TeamsWorld, graph: FakeGraph
) -> None:
    rewarding.connector.without_app(LIN)
    await send_three(rewarding)
    relay, client = installing_relay(rewarding, graph)
    try:
        results = await relay.run_once()
        again = await relay.run_once()
    finally:
        await client.close()

    assert sorted(r.outcome for r in results) == ["sent", "sent", "sent"]
    assert again == []  # nothing to tell the giver: everyone was reached
    assert rewarding.connector.has_app(LIN.aad)
    assert [c[2] for c in graph.made("POST", "/installedApps")] == [201]
    [reward_card] = rewarding.connector.in_conversation(personal_chat(LIN))
    assert "a reward of $25." in card_text(
        reward_card.card
    )  # CLDR en-US: no cents when there are none


async def test_graph_throttling_is_waited_out_as_retry_after_says(
    rewarding: TeamsWorld, graph: FakeGraph
) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    client = GraphClient(
        base_url=graph.base_url,
        token_url=graph.token_url,
        client_id="vb-graph-app",
        client_secret="graph-secret",
        sleep=sleep,
    )
    graph.throttle(2, retry_after=1.5)
    try:
        chat = await GraphInstaller(client, CATALOG_ID).install_for(LIN.aad)
    finally:
        await client.close()

    assert waits == [1.5, 1.5]
    assert chat == personal_chat(LIN)
    assert [c[2] for c in graph.calls if "/v1.0/" in c[1]][:3] == [429, 429, 201]


async def test_an_app_already_installed_is_not_an_error_and_its_chat_is_used(
    rewarding: TeamsWorld, graph: FakeGraph
) -> None:
    client = GraphClient(
        base_url=graph.base_url,
        token_url=graph.token_url,
        client_id="vb-graph-app",
        client_secret="graph-secret",
    )
    installer = GraphInstaller(client, CATALOG_ID)
    try:
        first = await installer.install_for(LIN.aad)
        second = await installer.install_for(LIN.aad)
    finally:
        await client.close()

    assert first == second
    assert [c[2] for c in graph.made("POST", "/installedApps")] == [201, 409]


async def test_without_the_installation_permission_the_giver_is_told_as_before(
    rewarding: TeamsWorld, graph: FakeGraph
) -> None:
    graph.granted.discard(INSTALL)
    rewarding.connector.without_app(LIN)
    post, _ = await send_three(rewarding)
    relay, client = installing_relay(rewarding, graph)
    try:
        first = await relay.run_once()
        second = await relay.run_once()
    finally:
        await client.close()

    assert sorted(r.outcome for r in first) == ["dead", "sent", "sent"]
    assert [(r.kind, r.outcome) for r in second] == [(MessageKind.REWARD_UNDELIVERABLE, "sent")]
    assert "I couldn't reach Lin Wei" in card_text(
        rewarding.connector.in_conversation(post["conversation"]["id"])[-1].card
    )


async def test_a_new_chat_that_refuses_the_first_message_is_retried_and_then_reached(
    rewarding: TeamsWorld, graph: FakeGraph
) -> None:
    rewarding.connector.without_app(LIN)
    rewarding.connector.settling(personal_chat(LIN))
    await send_three(rewarding)
    relay, client = installing_relay(rewarding, graph)
    try:
        first = await relay.run_once()
        rewarding.clock.advance(seconds=120)
        later = await relay.run_once()
    finally:
        await client.close()

    assert sorted(r.outcome for r in first) == ["retry", "sent", "sent"]
    assert [r.outcome for r in later] == ["sent"]
    assert len(rewarding.connector.in_conversation(personal_chat(LIN))) == 1
    assert [c[2] for c in graph.made("POST", "/installedApps")] == [
        201
    ]  # installed once, not twice
