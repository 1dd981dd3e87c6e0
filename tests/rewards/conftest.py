"""The HR side on a real database: Recognition, milestones and the HR API behind an aiohttp test
server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.db.hr_repositories import HrStores
from adapters.web.hr_api import HrApi
from bot.build.channels import PLATFORMS
from core.api_keys import ApiKeys
from core.approval_gate import ApprovalGate
from core.employees import EmployeeDirectory, employee_from_row
from core.identity import ConversationRef
from core.milestones import Milestones
from core.money import Money
from core.platforms import platform_names
from core.recognition import Recognition
from core.rewards import Programme
from tests.db.conftest import Backend, backend  # noqa: F401 - the fixture, on SQLite and PostgreSQL
from tests.fakes import SequentialIds

PLATFORM_NAMES = platform_names(PLATFORMS)  # the platform registry's names

KUDOS = Programme("kudos", "Harbour Kudos", "USD", expiry_days=90)
TEAM = "T0HARBOUR"
ADA_ROW = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "start_date": "2021-11-26",
    "platform": "slack",
    "user_id": "U0ADA",
    "tenant": TEAM,
}
GRACE_ROW = {
    "email": "grace@example.com",
    "name": "Grace Hopper",
    "start_date": "2019-12-03",
    "birthday": "1906-12-09",
    "platform": "slack",
    "user_id": "U0GRACE",
    "tenant": TEAM,
}


async def approver_dm(identity: str, _near: ConversationRef | None) -> ConversationRef:
    """Approvers in the test's one Slack workspace (the address is what slack_dm makes)."""
    return slack_dm(TEAM, identity.partition(":")[2])


def slack_dm(tenant: str, user_id: str) -> ConversationRef:
    """What the Slack adapter's dm_address does, in the test's own words (the format is the
    adapter's)."""
    return ConversationRef("slack", json.dumps({"team": tenant, "user": user_id}))


@dataclass
class Hr:
    """The wired HR side, a test client for its API, and an active key named `workday`."""

    backend: Backend
    recognition: Recognition
    milestones: Milestones
    stores: HrStores
    api_keys: ApiKeys
    client: TestClient[Any, Any]
    key: str
    people: EmployeeDirectory

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = "default",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        sent = dict(headers or {})
        bearer = self.key if key == "default" else key
        if bearer is not None:
            sent["Authorization"] = f"Bearer {bearer}"
        data = (
            None
            if body is None
            else (body if isinstance(body, bytes) else json.dumps(body).encode())
        )
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        async with self.client.request(method, path, data=data, headers=sent) as response:
            text = await response.text()
            return response.status, (json.loads(text) if text else None), dict(response.headers)

    async def budget(self) -> Money:
        return await self.recognition.budgets.budget(KUDOS.id)

    async def rewards_of(self, user_key: str) -> list[Any]:
        async with self.backend.database.unit_of_work() as uow:
            return list(await uow.rewards.list_for_recipient(user_key, limit=500))


def build_hr(on: Backend) -> tuple[Recognition, Milestones, HrStores, ApiKeys, HrApi]:
    ids, clock, database = SequentialIds(), on.clock, on.database
    stores = database.hr_stores()
    recognition = Recognition(
        uow=database.unit_of_work,
        clock=clock,
        ids=ids,
        configured_admins={"slack:U0HR"},
        gate=ApprovalGate(clock, ids, approver_dm),
    )
    people = EmployeeDirectory(stores.employees, {"slack": slack_dm})
    milestones = Milestones(
        recognition=recognition,
        employees=stores.employees,
        rules=stores.rules,
        people=people,
        clock=clock,
    )
    api_keys = ApiKeys(stores.api_keys, clock, ids)
    api = HrApi(
        recognition=recognition,
        milestones=milestones,
        people=people,
        employees=stores.employees,
        api_keys=api_keys,
        idempotency=stores.idempotency,
        clock=clock,
        ids=ids,
        platforms=PLATFORM_NAMES,
    )
    return recognition, milestones, stores, api_keys, api


@pytest.fixture
async def hr(backend: Backend) -> AsyncIterator[Hr]:
    recognition, milestones, stores, api_keys, api = build_hr(backend)
    await recognition.budgets.create_programme(replace(KUDOS), "setup")
    await recognition.budgets.credit(KUDOS.id, Money(100_000, "USD"), "setup")
    await stores.employees.upsert(
        [
            employee_from_row(ADA_ROW, platforms=PLATFORM_NAMES),
            employee_from_row(GRACE_ROW, platforms=PLATFORM_NAMES),
        ],
        "setup",
    )
    key = await api_keys.create("workday", "cli:operator")
    app = web.Application()
    api.mount(app)
    client: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1", port=0))
    await client.start_server()
    try:
        yield Hr(backend, recognition, milestones, stores, api_keys, client, key, api.people)
    finally:
        await client.close()
