"""A bulk file to more people than its programme lets one send reach waits as ONE approval, sent
whole."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core.approval_gate import ApprovalGate
from core.approval_requests import ApprovalPolicy, ApprovalRefused
from core.approvals import Approvals
from core.bulk import HELD, BulkReport, RewardRow, send_rows
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.outbox import MessageKind
from core.recognition import Recognition
from core.rewards import Programme, Recipient
from tests.fakes import MemoryUnitOfWork, SequentialIds
from tests.unit.conftest import ADA, GRACE, World
from tests.unit.test_rewards import HR, dm

MAX = ChatUser("slack", "T0001", "U0MAX", "Max")
PEOPLE = {"ada@harbour.example": ADA, "grace@harbour.example": GRACE, "max@harbour.example": MAX}
BOSS = "slack:U0BOSS"
GIVER_DM = ConversationRef("slack", '{"user": "U0HR"}')


async def find(row: RewardRow) -> Recipient | str:
    user = PEOPLE.get(row.who)
    return Recipient(user, dm(user)) if user else f"No one has the email {row.who}."


async def to_the_approver(identity: str, _near: ConversationRef | None) -> ConversationRef:
    return ConversationRef("slack", f'{{"user": "{identity.partition(":")[2]}"}}')


@dataclass
class Desk:
    world: World
    recognition: Recognition
    approvals: Approvals

    async def send(self, rows: list[RewardRow]) -> BulkReport:
        return await send_rows(self.recognition, HR, "q4.csv", rows, find, GIVER_DM)

    async def budget(self) -> tuple[int, int]:
        async with MemoryUnitOfWork(self.world.store, self.world.clock) as uow:
            b = await uow.ledger.budget("kudos")
        return b.available, b.reserved

    def outbox(self, kind: MessageKind) -> list[ConversationRef]:
        return [m.conversation for m in self.world.store.outbox.values() if m.kind is kind]


@pytest.fixture
async def desk(world: World) -> Desk:
    ids = SequentialIds()
    recognition = Recognition(
        uow=lambda: MemoryUnitOfWork(world.store, world.clock),
        clock=world.clock,
        ids=ids,
        configured_admins={"slack:U0HR"},
        gate=ApprovalGate(world.clock, ids, to_the_approver),
    )
    approvals = Approvals(
        uow=lambda: MemoryUnitOfWork(world.store, world.clock),
        clock=world.clock,
        ids=ids,
        recognition=recognition,
    )
    await recognition.budgets.create_programme(Programme("kudos", "Kudos", "USD"), "setup")
    await recognition.budgets.credit("kudos", Money(100_000, "USD"), "setup")
    await approvals.set_policy(ApprovalPolicy("kudos", (BOSS,), people_above=2), "setup")
    return Desk(world, recognition, approvals)


def q4(key: str = "file-1") -> list[RewardRow]:
    return [
        RewardRow(2, "ada@harbour.example", "25", "Launch", f"{key}:2"),
        RewardRow(3, "grace@harbour.example", "30", "Launch", f"{key}:3"),
        RewardRow(4, "nobody@harbour.example", "25", "Launch", f"{key}:4"),
        RewardRow(5, "max@harbour.example", "10", "Docs sprint", f"{key}:5"),
    ]


async def test_a_file_to_more_people_than_the_policy_allows_waits_as_one_approval_with_its_total_reserved(
    desk: Desk,
) -> None:
    report = await desk.send(q4())

    assert [(o.line, o.reason) for o in report.outcomes] == [
        (2, HELD),
        (3, HELD),
        (4, "No one has the email nobody@harbour.example."),
        (5, HELD),
    ]
    [view] = await desk.approvals.list()
    assert (view.rows, view.recipients, view.total) == (
        3,
        ("Ada", "Grace", "Max"),
        Money(6500, "USD"),
    )
    assert view.budget_after == Money(93_500, "USD") and "Launch; Docs sprint" in view.reason
    assert await desk.budget() == (93_500, 6500)
    assert desk.world.store.rewards == {}
    assert desk.outbox(MessageKind.APPROVAL_REQUEST) == [await to_the_approver(BOSS, None)]


async def test_approving_the_file_sends_every_row_once_and_tells_the_giver(desk: Desk) -> None:
    await desk.send(q4())
    [view] = await desk.approvals.list()

    sent = await desk.approvals.approve(view.approval_id, BOSS)
    again = await desk.send(q4())  # the same file processed twice sends nothing twice

    assert sorted((r.recipient_name, r.amount.minor) for r in sent.sent) == [
        ("Ada", 2500),
        ("Grace", 3000),
        ("Max", 1000),
    ]
    assert len(desk.world.store.rewards) == 3 and await desk.budget() == (93_500, 6500)
    assert [(o.line, o.repeated) for o in again.sent] == [(2, True), (3, True), (5, True)]
    assert len(await desk.approvals.list()) == 1
    assert desk.outbox(MessageKind.APPROVAL_DECIDED) == [GIVER_DM]
    told = await desk.approvals.view(view.approval_id)  # what the giver's notice says, row by row
    assert told.row_outcomes == ("Ada: $25 sent", "Grace: $30 sent", "Max: $10 sent")
    with pytest.raises(ApprovalRefused):
        await desk.approvals.approve(view.approval_id, BOSS)


async def test_rejecting_the_file_releases_its_reservation_and_the_same_file_is_not_sent_around_it(
    desk: Desk,
) -> None:
    await desk.send(q4())
    [view] = await desk.approvals.list()

    await desk.approvals.reject(view.approval_id, BOSS, "Not this quarter")
    again = await desk.send(q4())

    assert await desk.budget() == (100_000, 0) and desk.world.store.rewards == {}
    assert {o.reason for o in again.outcomes if o.line != 4} == {
        "Its approval request was rejected."
    }


async def test_a_file_within_the_people_threshold_is_sent_row_by_row_at_once(desk: Desk) -> None:
    report = await desk.send(q4()[:2])

    assert [(o.line, o.sent) for o in report.outcomes] == [(2, True), (3, True)]
    assert await desk.approvals.list() == []


async def test_a_file_whose_total_is_more_than_the_budget_is_refused_whole_and_reserves_nothing(
    desk: Desk,
) -> None:
    rows = [RewardRow(n, who, "400", "Launch", f"big:{n}") for n, who in enumerate(PEOPLE, start=2)]

    report = await desk.send(rows)

    assert {o.reason for o in report.outcomes} == {"This file needs $1200; $1000 is left."}
    assert await desk.budget() == (100_000, 0) and await desk.approvals.list() == []


async def test_two_rows_to_one_person_count_as_one_person_against_the_threshold(desk: Desk) -> None:
    rows = [*q4()[:2], RewardRow(6, "ada@harbour.example", "5", "Coffee run", "file-1:6")]

    report = await desk.send(rows)

    assert all(o.sent for o in report.outcomes) and await desk.approvals.list() == []
