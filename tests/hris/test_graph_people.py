"""Finding Teams colleagues by email or Entra object id through Graph
(core.reach.LookupDirectory)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.graph.client import GraphClient
from adapters.graph.teams_reach import GraphPeople
from core.identity import ConversationRef
from core.reach import LookupDirectory
from tests.fake_graph import FakeGraph, GraphUser

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
ROSA = GraphUser(
    "0d3a4b2c-1111-4e5f-9a8b-7c6d5e4f3a2b", "Rosa Quispe", "rosa.quispe@contoso.example"
)
TWIN_A = GraphUser("0d3a4b2c-2222-4e5f-9a8b-7c6d5e4f3a2b", "Sam One", "sam@contoso.example")
TWIN_B = GraphUser(
    "0d3a4b2c-3333-4e5f-9a8b-7c6d5e4f3a2b",
    "Sam Two",
    "other@contoso.example",
    upn="sam@contoso.example",
)


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph(TENANT, "vb-graph-app", "graph-secret", "catalog", lambda user: f"a:{user}")
    for user in (ROSA, TWIN_A, TWIN_B):
        fake.add_user(user)
    await fake.start()
    yield fake
    await fake.close()
    assert fake.errors == [], fake.errors


def addresses(tenant: str, user_id: str) -> ConversationRef:
    return ConversationRef("teams", f"{tenant}/{user_id}")


async def test_people_are_found_by_email_or_object_id_and_ambiguous_or_unknown_emails_are_not(
    graph: FakeGraph,
) -> None:
    client = GraphClient(
        base_url=graph.base_url,
        token_url=graph.token_url,
        client_id="vb-graph-app",
        client_secret="graph-secret",
    )
    directory = LookupDirectory(GraphPeople(client, TENANT), addresses)
    try:
        by_email = await directory.find_by_email("Rosa.Quispe@contoso.example")
        by_id = await directory.find_by_email(ROSA.id)
        ambiguous = await directory.find_by_email("sam@contoso.example")
        unknown = await directory.find_by_email("nobody@contoso.example")
        missing_id = await directory.find_by_email("0d3a4b2c-9999-4e5f-9a8b-7c6d5e4f3a2b")
    finally:
        await client.close()

    assert by_email is not None and by_id is not None
    assert (
        by_email.user.platform,
        by_email.user.tenant,
        by_email.user.user_id,
        by_email.user.name,
    ) == ("teams", TENANT, ROSA.id, "Rosa Quispe")
    assert by_email.conversation == addresses(TENANT, ROSA.id) == by_id.conversation
    assert ambiguous is None and unknown is None and missing_id is None


async def test_a_wrong_client_secret_finds_nobody_rather_than_failing_the_send(
    graph: FakeGraph,
) -> None:
    client = GraphClient(
        base_url=graph.base_url,
        token_url=graph.token_url,
        client_id="vb-graph-app",
        client_secret="not-it",
    )
    try:
        assert await GraphPeople(client, TENANT).user_id_for("rosa.quispe@contoso.example") is None
    finally:
        await client.close()
