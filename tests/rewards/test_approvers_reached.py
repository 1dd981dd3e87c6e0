"""Approvers get their card whatever started the send: an HR system, or a giver on another
platform."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from bot.build.channels import PLATFORMS
from bot.rewards import approver_address
from core.approval_gate import ApprovalGate
from core.approval_requests import ApprovalPolicy
from core.employees import employee_from_row
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.outbox import MessageKind, OutboxMessage
from core.platforms import platform_names
from core.recognition import Recognition
from core.reward_sends import SendRewards
from core.rewards import Recipient
from tests.db.conftest import Backend, backend  # noqa: F401 - the fixture, on SQLite and PostgreSQL
from tests.fakes import SequentialIds
from tests.rewards.conftest import KUDOS, TEAM, slack_dm

PLATFORM_NAMES = platform_names(PLATFORMS)  # the platform registry's names

TENANT = "0f5b7c1e-aaaa-bbbb-cccc-000000000001"
MIRA_AAD = "6a1c2d3e-1111-2222-3333-444455556666"
API = ChatUser("api", "", "workday", "Workday")
GRACE = ChatUser("slack", TEAM, "U0GRACE", "Grace Hopper")


def teams_chat(tenant: str, user_id: str) -> ConversationRef:
    """What the Teams adapter's TenantPeople makes, in the test's own words."""
    return ConversationRef("teams", json.dumps({"tenant": tenant, "user": user_id}))


async def wired(backend: Backend, approvers: tuple[str, ...]) -> Recognition:
    ids, clock, database = SequentialIds(), backend.clock, backend.database
    employees = database.hr_stores().employees
    mira = {
        "email": "mira@example.com",
        "name": "Mira",
        "start_date": "2020-01-01",
        "platform": "teams",
        "user_id": MIRA_AAD,
        "tenant": TENANT,
    }
    await employees.upsert([employee_from_row(mira, platforms=PLATFORM_NAMES)], "setup")
    address = approver_address({"slack": slack_dm, "teams": teams_chat}, employees, PLATFORMS)
    recognition = Recognition(
        uow=database.unit_of_work,
        clock=clock,
        ids=ids,
        configured_admins={"slack:U0HR"},
        gate=ApprovalGate(clock, ids, address),
    )
    await recognition.budgets.create_programme(replace(KUDOS), "setup")
    await recognition.budgets.credit(KUDOS.id, Money(100_000, "USD"), "setup")
    async with database.unit_of_work() as uow:
        await uow.approval_policies.put(ApprovalPolicy(KUDOS.id, approvers, above=4000))
        await uow.commit()
    return recognition


def hr_send(giver: ChatUser = API, reply_to: ConversationRef | None = None) -> SendRewards:
    grace = Recipient(GRACE, slack_dm(TEAM, "U0GRACE"))
    return SendRewards(giver, (grace,), Money(6000, "USD"), "Ten years", KUDOS.id, "hr-1", reply_to)


async def approval_cards(backend: Backend) -> list[OutboxMessage]:
    async with backend.database.unit_of_work() as uow:
        due = await uow.outbox.claim_due(
            backend.clock.now() + timedelta(days=1), backend.clock.now(), 100
        )
    return [m for m in due if m.kind is MessageKind.APPROVAL_REQUEST]


async def test_an_hr_system_send_reaches_a_slack_approver_in_the_recipients_workspace(
    backend: Backend,
) -> None:
    recognition = await wired(backend, ("slack:U0BOSS",))

    report = await recognition.sender.send_trusted(hr_send())  # as the HR API sends

    assert report.pending is not None
    [card] = await approval_cards(backend)
    assert card.conversation == slack_dm(TEAM, "U0BOSS")


async def test_a_teams_approver_of_a_slack_or_hr_send_is_reached_in_the_tenant_their_employee_record_names(
    backend: Backend,
) -> None:
    recognition = await wired(backend, (f"teams:{MIRA_AAD}",))
    hana = ChatUser("slack", TEAM, "U0HR", "Hana from HR")

    report = await recognition.sender.send(hr_send(hana, slack_dm(TEAM, "U0HR")))

    assert report.pending is not None
    [card] = await approval_cards(backend)
    assert card.conversation == teams_chat(TENANT, MIRA_AAD)


async def test_an_approver_whom_neither_the_send_nor_a_record_places_gets_no_card_and_the_send_still_waits(
    backend: Backend,
) -> None:
    recognition = await wired(backend, ("teams:7b000000-0000-0000-0000-000000000000",))

    report = await recognition.sender.send_trusted(hr_send())  # as the HR API sends

    assert report.pending is not None and report.pending.status == "pending"
    assert await approval_cards(backend) == []
