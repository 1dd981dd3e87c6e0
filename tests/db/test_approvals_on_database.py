"""Approvals on the real database: held sends reserve the budget, one decision wins, expiry releases
it."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from core.approval_gate import ApprovalGate
from core.approval_requests import ApprovalPolicy, ApprovalRefused
from core.approvals import Approvals
from core.bulk import HELD, RewardRow, send_rows
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.outbox import MessageKind
from core.recognition import Recognition
from core.reward_sends import SendRewards
from core.rewards import Programme, Recipient
from tests.db.conftest import ADA, Backend
from tests.fakes import SequentialIds

HR = ChatUser("slack", "T0HARBOUR", "U0HR", "Hana from HR")
LIN = ChatUser("slack", "T0HARBOUR", "U0LIN", "Lin")
BOSS = "slack:U0BOSS"
OTHER_BOSS = "slack:U0MIRA"
KUDOS = Programme("kudos", "Harbour Kudos", "USD")


def dm(user_id: str) -> ConversationRef:
    return ConversationRef("slack", f'{{"user": "{user_id}"}}')


async def near(identity: str, _giver: ConversationRef | None) -> ConversationRef:
    return dm(identity.partition(":")[2])


async def desk(backend: Backend) -> tuple[Recognition, Approvals]:
    ids = SequentialIds()
    uow, clock = backend.database.unit_of_work, backend.clock
    recognition = Recognition(
        uow=uow,
        clock=clock,
        ids=ids,
        configured_admins={"slack:U0HR"},
        gate=ApprovalGate(clock, ids, near),
    )
    approvals = Approvals(uow=uow, clock=clock, ids=ids, recognition=recognition)
    await recognition.budgets.create_programme(replace(KUDOS), "test")
    await recognition.budgets.credit("kudos", Money(100_000, "USD"), "test")
    await approvals.set_policy(
        ApprovalPolicy("kudos", (BOSS, OTHER_BOSS, "slack:U0HR"), above=5000), "test"
    )
    return recognition, approvals


def send(minor: int, key: str = "req-1") -> SendRewards:
    return SendRewards(
        HR,
        (Recipient(ADA, dm("U0ADA")),),
        Money(minor, "USD"),
        "Shipped the harbour map",
        "kudos",
        key,
        dm("U0HR"),
    )


async def budget(backend: Backend) -> tuple[int, int]:
    async with backend.database.unit_of_work() as uow:
        b = await uow.ledger.budget("kudos")
    return b.available, b.reserved


async def outbox_kinds(backend: Backend) -> list[str]:
    async with backend.database.unit_of_work() as uow:
        due = await uow.outbox.claim_due(
            backend.clock.now() + timedelta(days=30), backend.clock.now(), 100
        )
    return sorted(str(m.kind) for m in due)


async def test_a_send_above_the_threshold_waits_with_its_budget_reserved_and_approvers_get_a_card(
    backend: Backend,
) -> None:
    recognition, _approvals = await desk(backend)

    report = await recognition.sender.send(send(7500))

    assert report.sent == () and report.pending is not None and report.pending.status == "pending"
    assert report.pending.budget_after == Money(92_500, "USD")
    assert await budget(backend) == (92_500, 7500)
    assert await recognition.rewards.rewards_for(ADA) == ()
    # The giver is an approver too, but is never asked to approve their own request.
    assert await outbox_kinds(backend) == [MessageKind.APPROVAL_REQUEST] * 2


async def test_a_send_at_or_below_the_threshold_goes_at_once(backend: Backend) -> None:
    recognition, _ = await desk(backend)

    report = await recognition.sender.send(send(5000))

    assert report.pending is None and len(report.sent) == 1


async def test_approving_sends_the_reward_once_and_a_second_approval_is_refused(
    backend: Backend,
) -> None:
    recognition, approvals = await desk(backend)
    pending = (await recognition.sender.send(send(7500))).pending
    assert pending is not None

    report = await approvals.approve(pending.approval_id, BOSS)
    with pytest.raises(ApprovalRefused, match="already approved"):
        await approvals.approve(pending.approval_id, OTHER_BOSS)

    assert len(report.sent) == 1 and report.sent[0].amount == Money(7500, "USD")
    assert await budget(backend) == (92_500, 7500)  # the hold became the reward's reservation
    [view] = await approvals.list()
    assert (view.status, view.decided_by) == ("approved", BOSS)
    assert MessageKind.APPROVAL_DECIDED in await outbox_kinds(backend)
    assert MessageKind.REWARD_NOTICE in await outbox_kinds(backend)


async def test_the_giver_cannot_approve_their_own_request_nor_can_a_stranger(
    backend: Backend,
) -> None:
    recognition, approvals = await desk(backend)
    pending = (await recognition.sender.send(send(7500))).pending
    assert pending is not None

    with pytest.raises(ApprovalRefused, match="your own request"):
        await approvals.approve(pending.approval_id, "slack:U0HR")
    with pytest.raises(ApprovalRefused, match="approvers"):
        await approvals.approve(pending.approval_id, "slack:U0ADA")

    assert (await approvals.view(pending.approval_id)).status == "pending"


async def test_rejecting_needs_a_reason_releases_the_budget_and_tells_the_giver(
    backend: Backend,
) -> None:
    recognition, approvals = await desk(backend)
    pending = (await recognition.sender.send(send(7500))).pending
    assert pending is not None

    with pytest.raises(ApprovalRefused, match="Say why"):
        await approvals.reject(pending.approval_id, BOSS, "  ")
    view = await approvals.reject(pending.approval_id, BOSS, "Over the quarter's plan")

    assert (view.status, view.note) == ("rejected", "Over the quarter's plan")
    assert await budget(backend) == (100_000, 0)
    assert await recognition.rewards.rewards_for(ADA) == ()


async def test_an_expired_request_releases_its_budget_and_cannot_be_approved(
    backend: Backend,
) -> None:
    recognition, approvals = await desk(backend)
    pending = (await recognition.sender.send(send(7500))).pending
    assert pending is not None

    backend.clock.advance(hours=49)
    with pytest.raises(ApprovalRefused, match="expired"):
        await approvals.approve(pending.approval_id, BOSS)
    assert await approvals.expire_due() == 1

    assert (await approvals.view(pending.approval_id)).status == "expired"
    assert await budget(backend) == (100_000, 0)
    assert await recognition.rewards.rewards_for(ADA) == ()


async def test_twenty_concurrent_approvals_of_one_request_send_one_reward(backend: Backend) -> None:
    recognition, approvals = await desk(backend)
    pending = (await recognition.sender.send(send(7500))).pending
    assert pending is not None

    async def approve(n: int) -> str:
        try:
            await approvals.approve(pending.approval_id, BOSS if n % 2 else OTHER_BOSS)
        except ApprovalRefused:
            return "refused"
        return "sent"

    outcomes = await asyncio.gather(*(approve(n) for n in range(20)))

    assert sorted(outcomes) == ["refused"] * 19 + ["sent"]
    assert len(await recognition.rewards.rewards_for(ADA)) == 1
    assert await budget(backend) == (92_500, 7500)


async def test_a_retried_request_is_held_once(backend: Backend) -> None:
    recognition, approvals = await desk(backend)

    first = (await recognition.sender.send(send(7500))).pending
    again = (await recognition.sender.send(send(7500))).pending

    assert first is not None and again is not None and first.approval_id == again.approval_id
    assert await budget(backend) == (92_500, 7500)
    assert len(await approvals.list()) == 1


async def test_a_bulk_row_the_programme_holds_is_reported_as_held_not_as_sent_before(
    backend: Backend,
) -> None:
    recognition, approvals = await desk(backend)
    rows = [
        RewardRow(2, "ada@example.com", "75", "Shipped the harbour map", "csv:f1:2"),
        RewardRow(3, "ada@example.com", "25", "Fixed the lighthouse", "csv:f1:3"),
    ]

    async def find(_row: RewardRow) -> Recipient:
        return Recipient(ADA, dm("U0ADA"))

    report = await send_rows(recognition, HR, "thanks.csv", rows, find)

    held, sent = report.outcomes
    assert (held.sent, held.repeated, held.reason) == (False, False, HELD)
    assert sent.sent and sent.amount == Money(2500, "USD")
    assert [a.status for a in await approvals.list()] == ["pending"]


async def test_a_bulk_file_held_whole_is_stored_row_by_row_and_approving_it_sends_every_row(
    backend: Backend,
) -> None:
    recognition, approvals = await desk(backend)
    await approvals.set_policy(ApprovalPolicy("kudos", (BOSS,), people_above=1), "test")
    people = {
        "ada@example.com": Recipient(ADA, dm("U0ADA")),
        "lin@example.com": Recipient(LIN, dm("U0LIN")),
    }
    rows = [
        RewardRow(2, "ada@example.com", "20", "Shipped the harbour map", "csv:f2:2"),
        RewardRow(3, "lin@example.com", "35", "Fixed the lighthouse", "csv:f2:3"),
    ]

    async def find(row: RewardRow) -> Recipient:
        return people[row.who]

    held = await send_rows(recognition, HR, "q4.csv", rows, find, dm("U0HR"))
    [pending] = await approvals.list()
    report = await approvals.approve(pending.approval_id, BOSS)

    assert {o.reason for o in held.outcomes} == {HELD}
    assert (pending.rows, pending.total) == (2, Money(5500, "USD"))
    assert sorted(r.amount.minor for r in report.sent) == [2000, 3500]
    assert await budget(backend) == (94_500, 5500)
    assert (await approvals.view(pending.approval_id)).row_outcomes == (
        "Ada Lovelace: $20 sent",
        "Lin: $35 sent",
    )
