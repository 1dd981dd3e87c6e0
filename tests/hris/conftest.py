"""The HR-systems side on a real database: HrPeople, the SCIM server behind a test client, a reward
budget."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.scim import ScimApi
from core.employees import EmployeeDirectory
from core.hris import HrPeople, RecognitionRewards
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.recognition import Recognition
from core.rewards import Programme, Recipient
from tests.db.conftest import Backend, backend  # noqa: F401 - the fixture, on SQLite and PostgreSQL
from tests.fakes import SequentialIds

KUDOS = Programme("kudos", "Harbour Kudos", "USD", expiry_days=90)
TEAM = "T0HARBOUR"
SCIM_TOKEN = "scim-token-for-tests-0123456789abcdef"


class SlackByEmail:
    """core.ports.Directory: the workspace's members by email, as Slack's users.lookupByEmail
    answers."""

    def __init__(self) -> None:
        self.members: dict[str, str] = {}

    async def find_by_email(self, email: str) -> Recipient | None:
        user_id = self.members.get(email)
        if user_id is None:
            return None
        address = ConversationRef("slack", json.dumps({"team": TEAM, "user": user_id}))
        return Recipient(ChatUser("slack", TEAM, user_id, ""), address)


@dataclass
class HrSide:
    backend: Backend
    recognition: Recognition
    people: HrPeople
    slack: SlackByEmail
    client: TestClient[Any, Any]

    async def scim(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = SCIM_TOKEN,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, Any]:
        sent = {"Content-Type": "application/scim+json", **(headers or {})}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        async with self.client.request(
            method, f"/scim/v2{path}", data=data, headers=sent
        ) as response:
            text = await response.text()
            return response.status, (json.loads(text) if text else None), response.headers.copy()

    async def employee(self, email: str) -> Any:
        return await self.backend.database.hr_stores().employees.by_email(email)

    async def rewards_of(self, user_key: str) -> list[Any]:
        async with self.backend.database.unit_of_work() as uow:
            return list(await uow.rewards.list_for_recipient(user_key, limit=500))


def hr_people(on: Backend, slack: SlackByEmail) -> tuple[Recognition, HrPeople, EmployeeDirectory]:
    database = on.database
    recognition = Recognition(
        uow=database.unit_of_work,
        clock=on.clock,
        ids=SequentialIds(),
        configured_admins={"slack:U0HR"},
    )
    directory = EmployeeDirectory(database.hr_stores().employees, {}, [slack])
    people = HrPeople(database.hr_people(), RecognitionRewards(recognition.rewards, directory))
    return recognition, people, directory


@pytest.fixture
async def hr(backend: Backend) -> AsyncIterator[HrSide]:
    slack = SlackByEmail()
    recognition, people, _ = hr_people(backend, slack)
    await recognition.budgets.create_programme(replace(KUDOS), "setup")
    await recognition.budgets.credit(KUDOS.id, Money(100_000, "USD"), "setup")
    api = ScimApi(
        backend.database.pushed_users(), people, SCIM_TOKEN, backend.clock, "https://vb.example"
    )
    app = web.Application()
    api.mount(app)
    client: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1", port=0))
    await client.start_server()
    try:
        yield HrSide(backend, recognition, people, slack, client)
    finally:
        await client.close()
