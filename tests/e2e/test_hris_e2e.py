"""End to end: a work anniversary in SuccessFactors becomes a reward in Teams, exactly once.

Two real `voucherbot serve` replicas share one PostgreSQL database and sync a strict SuccessFactors
fake (SAML bearer tokens, OData paging). The employee whose anniversary is today never installed the
Teams app: the Bot Connector fake refuses their 1:1 chat until the Graph fake installs it. Both
replicas are then restarted and the employee changes in SuccessFactors, so the milestone pass runs
again on the new processes: still one reward, one message, one installation.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from adapters.db.crypto import VoucherCipher
from adapters.db.database import Database
from core.identity import TenantEndpoint
from core.milestone_calendar import MilestoneKind
from core.milestones import MilestoneRule
from core.money import Money
from core.ports import RandomIds, SystemClock
from core.recognition import Recognition
from core.rewards import Programme
from tests.e2e.bot_process import BotProcess
from tests.e2e.world import eventually
from tests.fake_connector import FakeConnector, Member
from tests.fake_graph import FakeGraph, GraphUser
from tests.fake_successfactors import FakeSuccessFactors, SfPerson
from tests.faults.databases import PostgresUnderTest
from tests.hris.keys import key_pair

KEY = VoucherCipher.generate_key()
TENANT = "5b0c6a1e-7d3f-4a8e-9c2b-1f4e6d8a0b3c"
CATALOG_ID = "b1c5353a-7aca-41b3-830f-27d5218fe0e5"
COMPANY, CLIENT, API_USER = "HarbourCo", "N2FiZTk5YjQ", "sfapi"
TAMA = Member(
    "29:1tama-rangi",
    "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b",
    "Tama Rangi",
    "tama.rangi@harbour.example",
)


@dataclass
class World:
    database: Database
    connector: FakeConnector
    graph: FakeGraph
    sf: FakeSuccessFactors
    env: dict[str, str]
    folder: Path

    def replicas(self, count: int = 2) -> list[BotProcess]:
        return [BotProcess(self.folder, self.env) for _ in range(count)]

    async def rewards_of_tama(self) -> list[object]:
        async with self.database.unit_of_work() as uow:
            return list(await uow.rewards.list_for_recipient(f"teams:{TENANT}:{TAMA.aad}"))

    def tama_chat(self) -> list[object]:
        return self.connector.in_conversation(f"a:personal-{TAMA.id}")


@pytest.fixture
async def world(postgres_url: str, tmp_path: Path) -> AsyncIterator[World]:
    postgres = PostgresUnderTest(postgres_url)
    await postgres.create()
    database = Database(postgres.url, VoucherCipher(KEY))
    connector, sf = FakeConnector(), FakeSuccessFactors(COMPANY, CLIENT, API_USER, key_pair()[1])
    graph = FakeGraph(
        TENANT, "vb-graph-app", "graph-secret-value", CATALOG_ID, connector.install_app
    )
    try:
        await database.upgrade()
        await connector.start()
        await graph.start()
        await sf.start()
        await _set_up(database, connector, graph, sf)
        env = {
            "DATABASE_URL": postgres.url,
            "VOUCHER_ENCRYPTION_KEY": KEY.decode(),
            # every 3 seconds, so the restarted replicas sync again soon
            "HRIS_SYNC_MINUTES": "0.05",
            "SUCCESSFACTORS_API_URL": sf.url,
            "SUCCESSFACTORS_COMPANY_ID": COMPANY,
            "SUCCESSFACTORS_CLIENT_ID": CLIENT,
            "SUCCESSFACTORS_USER_ID": API_USER,
            "SUCCESSFACTORS_PRIVATE_KEY": key_pair()[0],
            "GRAPH_TENANT_ID": TENANT,
            "GRAPH_CLIENT_ID": "vb-graph-app",
            "GRAPH_CLIENT_SECRET": "graph-secret-value",
            "GRAPH_BASE_URL": graph.base_url,
            "GRAPH_TOKEN_URL": graph.token_url,
            "TEAMS_APP_CATALOG_ID": CATALOG_ID,
        }
        yield World(database, connector, graph, sf, env, tmp_path)
        assert connector.errors == [] and graph.errors == [] and sf.errors == []
    finally:
        await sf.close()
        await graph.close()
        await connector.close()
        await database.dispose()
        await postgres.drop()


async def _set_up(
    database: Database, connector: FakeConnector, graph: FakeGraph, sf: FakeSuccessFactors
) -> None:
    """A budget and an anniversary rule; the bot has heard from the tenant; Tama lacks the app."""
    recognition = Recognition(uow=database.unit_of_work, clock=SystemClock(), ids=RandomIds())
    await recognition.budgets.create_programme(Programme("kudos", "Harbour Kudos", "USD"), "setup")
    await recognition.budgets.credit("kudos", Money(100_000, "USD"), "setup")
    rule = MilestoneRule(
        MilestoneKind.ANNIVERSARY, "kudos", Money(5000, "USD"), "Happy {years} years, {name}!"
    )
    await database.hr_stores().rules.put(rule, "setup")
    await database.teams_tenants().remember(
        TenantEndpoint(TENANT, connector.url, "28:voucherbot", "voucherbot")
    )
    connector.without_app(TAMA)
    graph.add_user(GraphUser(TAMA.aad, TAMA.name, TAMA.email))
    today = datetime.now(UTC).date()
    modified = datetime.now(UTC) - timedelta(days=2)
    sf.add(
        SfPerson("tama", TAMA.email, "Tama", "Rangi", today.replace(year=today.year - 7), modified)
    )
    sf.add(
        SfPerson(
            "hemi", "hemi.walker@harbour.example", "Hemi", "Walker", _not_today(today), modified
        )
    )


def _not_today(today: date) -> date:
    return (today + timedelta(days=100)).replace(year=today.year - 3)


@pytest.mark.postgres
async def test_an_anniversary_in_successfactors_reaches_teams_once_through_graph_across_replicas_and_a_restart(
    world: World,
) -> None:
    replicas = world.replicas()
    await asyncio.gather(*(r.start(timeout=90) for r in replicas))
    try:
        await eventually(world.tama_chat, timeout=60, what="Tama's anniversary reward in Teams")
        await asyncio.sleep(
            4
        )  # more sync and milestone passes on both replicas: nothing more may happen
    finally:
        for replica in replicas:
            await replica.stop()

    [reward] = await world.rewards_of_tama()
    assert reward.amount == Money(5000, "USD") and reward.reason == "Happy 7 years, Tama Rangi!"
    assert [c[2] for c in world.graph.made("POST", "/installedApps")] == [201]
    assert world.connector.has_app(TAMA.aad)
    assert len(world.tama_chat()) == 1

    # Restart; Tama's record changes in SuccessFactors, so the new replicas run the milestone pass
    # again.
    world.sf.people["tama"].country, world.sf.people["tama"].modified = "NZ", datetime.now(UTC)
    restarted = world.replicas()
    await asyncio.gather(*(r.start(timeout=90) for r in restarted))
    try:
        employees = world.database.hr_stores().employees
        await eventually(
            lambda: _country_is(employees, "NZ"), timeout=60, what="the change synced after restart"
        )
        await asyncio.sleep(4)
    finally:
        for replica in restarted:
            await replica.stop()

    assert len(await world.rewards_of_tama()) == 1
    assert len(world.tama_chat()) == 1
    assert [c[2] for c in world.graph.made("POST", "/installedApps")] == [201]
    logs = "".join(r.logs() for r in {r.log_path: r for r in replicas + restarted}.values())
    assert "hr directory synced" in logs and "teams app installed for a recipient" in logs
    assert TAMA.email not in logs and "Rangi" not in logs  # nothing from the HR system is logged
    assert '"traceback"' not in logs


async def _country_is(employees: object, country: str) -> bool:
    tama = await employees.by_email(TAMA.email)  # type: ignore[attr-defined]
    return tama is not None and tama.country == country


async def test_scim_is_served_by_the_real_server_only_when_its_token_is_set(tmp_path: Path) -> None:
    token = "s" * 40
    with_scim = BotProcess(tmp_path / "with", {"SCIM_TOKEN": token})
    without = BotProcess(tmp_path / "without")
    for folder in (tmp_path / "with", tmp_path / "without"):
        folder.mkdir()
    await asyncio.gather(with_scim.start(timeout=60), without.start(timeout=60))
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "wiremu@harbour.example",
        "emails": [{"primary": True, "value": "wiremu@harbour.example"}],
        "displayName": "Wiremu Tane",
        "urn:voucherbot:params:scim:schemas:extension:milestones:2.0:User": {
            "startDate": "2015-06-01"
        },
    }
    try:
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
            async with http.post(
                f"{with_scim.url}/scim/v2/Users", json=body, headers=headers
            ) as created:
                assert created.status == 201
                assert created.headers["ETag"] == 'W/"1"'
            async with http.get(
                f"{with_scim.url}/scim/v2/Users", headers={"Authorization": "Bearer no"}
            ) as refused:
                assert refused.status == 401
            async with http.get(f"{without.url}/scim/v2/Users", headers=headers) as absent:
                assert absent.status == 404
    finally:
        await with_scim.stop()
        await without.stop()
    assert "wiremu" not in with_scim.logs().lower()
