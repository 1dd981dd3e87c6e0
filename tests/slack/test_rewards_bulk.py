"""Bulk rewards from a CSV file shared with the app in its DM: row by row, reported, paced by the
outbox."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.approval_requests import ApprovalPolicy
from core.outbox import MessageKind, MessageStatus
from core.rewards import Budget, LedgerKind, Programme
from tests.fake_slack import FakeSlack
from tests.slack.conftest import (
    ADA,
    GRACE,
    HR,
    KUDOS,
    LIN,
    ROBOT,
    SAMPLE,
    SlackWorld,
    add_colleagues,
    clicked,
    make_world,
)
from tests.slack.test_requests import section_texts

HR_DM = f"D{HR}"
MALFORMED = b"""email,user_id,amount,reason,currency
ada@harbour.example,,25,Launch hero,
grace@harbour.example,,lots,Careful reviews,

nobody@harbour.example,,10,Who is this,
lin@harbour.example,,10,,
,U0GRACE,15,Kind words in review,
ada@harbour.example,,75,Far too generous,
,U0ROBOT,5,Beep,
lin@harbour.example,,20,Danke,EUR
"""


def file_shared(file_id: str, user: str = HR, channel: str = HR_DM) -> dict[str, Any]:
    return {
        "type": "file_shared",
        "channel_id": channel,
        "file_id": file_id,
        "user_id": user,
        "file": {"id": file_id},
        "event_ts": "1700000300.000300",
    }


async def share(
    slack: SlackWorld, file_id: str, content: bytes, user: str = HR, name: str = "rewards.csv"
) -> None:
    slack.fake.share_file(file_id, name, content, user)
    response = await slack.event(file_shared(file_id, user), event_id=f"Ev{file_id}")
    assert response.status == 200
    await slack.settle()


def pending(slack: SlackWorld) -> bool:
    return any(m.status is MessageStatus.PENDING for m in slack.store.outbox.values())


def report_of(slack: SlackWorld) -> str:
    [update] = slack.fake.calls_to("chat.update")
    assert update.args["channel"] == HR_DM
    return section_texts(update.args["blocks"])


async def test_good_rows_are_sent_bad_rows_are_reported_and_nothing_is_half_done(
    reward_slack: SlackWorld,
) -> None:
    await share(reward_slack, "F0MIXED", MALFORMED)

    rewards = {r.request_key: r for r in reward_slack.store.rewards.values()}
    sent_rows = {
        "slack:T0VB:file:F0MIXED:row:2:slack:T0VB:U0ADA",
        "slack:T0VB:file:F0MIXED:row:7:slack:T0VB:U0GRACE",
    }
    assert set(rewards) == sent_rows
    assert sorted((r.recipient.user_id, r.amount.minor, r.reason) for r in rewards.values()) == [
        (ADA, 2500, "Launch hero"),
        (GRACE, 1500, "Kind words in review"),
    ]
    reserves = [e for e in reward_slack.store.ledger if e.kind is LedgerKind.RESERVE]
    assert sorted(e.reward_id for e in reserves) == sorted(r.id for r in rewards.values())
    notices = [m for m in reward_slack.store.outbox.values() if m.kind is MessageKind.REWARD_NOTICE]
    assert sorted(m.reward_id for m in notices) == sorted(r.id for r in rewards.values())
    assert Budget.of(reward_slack.store.ledger).available == 10000 - 4000

    text = report_of(reward_slack)
    assert "Sent *2* of 8 rows ($40); refused *6*." in text
    for line in (
        "Row 3 · grace@harbour.example · “lots” is not an amount.",
        "Row 5 · nobody@harbour.example · No active member of this workspace has the email "
        "nobody@harbour.example.",
        "Row 6 · lin@harbour.example · Give a reason of 1 to 500 characters.",
        "Row 8 · ada@harbour.example · One reward can be at most $50.",
        "Row 9 · U0ROBOT · U0ROBOT is not an active member of this workspace.",
        "Row 10 · lin@harbour.example · There is no reward programme in EUR yet.",
        "Row 2 · Ada Lovelace · $25",
        "Row 7 · Grace Hopper · $15",
    ):
        assert line in text
    progress = reward_slack.fake.calls_to("chat.postMessage")[0]
    assert progress.args["channel"] == HR_DM and "8 rows" in progress.args["text"]


async def test_a_file_seen_twice_sends_its_rewards_once(reward_slack: SlackWorld) -> None:
    content = b"email,amount,reason\nada@harbour.example,10,Thanks\n"
    reward_slack.fake.share_file("F0TWICE", "twice.csv", content, HR)
    message = {
        "type": "message",
        "subtype": "file_share",
        "channel": HR_DM,
        "channel_type": "im",
        "user": HR,
        "text": "",
        "ts": "1700000400.000400",
        "files": [{"id": "F0TWICE", "name": "twice.csv"}],
    }
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}

    await reward_slack.event(file_shared("F0TWICE"), event_id="Ev1")
    await reward_slack.event(file_shared("F0TWICE"), event_id="Ev1", headers=retry)
    await reward_slack.event(message, event_id="Ev2")
    await reward_slack.settle()

    assert len(reward_slack.store.rewards) == 1
    assert len(reward_slack.fake.calls_to("files.info")) == 1


async def test_a_csv_shared_in_a_message_event_is_read_too_and_the_report_survives_a_failed_update(
    reward_slack: SlackWorld,
) -> None:
    reward_slack.fake.share_file(
        "F0MSG", "team.csv", b"user_id,amount,reason\nU0LIN,10,Calm in the storm\n", HR
    )
    reward_slack.fake.fail_next(1, status=500, method="chat.update")
    message = {
        "type": "message",
        "subtype": "file_share",
        "channel": HR_DM,
        "channel_type": "im",
        "user": HR,
        "text": "",
        "ts": "1700000500.000500",
        "files": [{"id": "F0MSG", "name": "team.csv"}],
    }

    await reward_slack.event(message, event_id="Ev5")
    await reward_slack.settle()

    [reward] = reward_slack.store.rewards.values()
    assert (reward.recipient.user_id, reward.amount.minor, reward.reason) == (
        LIN,
        1000,
        "Calm in the storm",
    )
    report = reward_slack.fake.calls_to("chat.postMessage")[-1]
    assert (
        report.args["channel"] == HR_DM
        and report.args["text"] == "Rewards from team.csv: 1 sent, 0 refused"
    )


async def test_a_csv_from_someone_who_is_not_a_reward_admin_is_refused_and_audited(
    reward_slack: SlackWorld,
) -> None:
    await share(reward_slack, "F0SNEAKY", MALFORMED, user=ADA)

    assert reward_slack.store.rewards == {}
    assert reward_slack.store.audit[-1].action == "reward.refused"
    [reply] = reward_slack.fake.calls_to("chat.postMessage")
    assert reply.args["text"].startswith("Only reward admins can send rewards")
    assert reward_slack.fake.calls_to("files.download") == []


async def test_a_file_without_the_needed_columns_is_explained(reward_slack: SlackWorld) -> None:
    await share(reward_slack, "F0COLS", b"name,value\nAda,25\n")

    [reply] = reward_slack.fake.calls_to("chat.postMessage")
    assert "missing: email (or user_id), amount, reason" in reply.args["text"]
    assert reward_slack.store.rewards == {}


async def test_files_outside_the_app_dm_and_other_kinds_of_file_are_not_reward_lists(
    reward_slack: SlackWorld,
) -> None:
    reward_slack.fake.share_file("F0CHAN", "rewards.csv", MALFORMED, HR)
    reward_slack.fake.share_file("F0PIC", "team.png", b"\x89PNG", HR, filetype="png")

    await reward_slack.event(file_shared("F0CHAN", channel="C0GENERAL"), event_id="Ev3")
    await reward_slack.event(file_shared("F0PIC"), event_id="Ev4")
    await reward_slack.settle()

    assert reward_slack.store.rewards == {}
    [hint] = reward_slack.fake.calls_to("chat.postMessage")
    assert hint.args["text"].startswith("I read reward lists as CSV files")


# --- a thousand rows ------------------------------------------------------------------------------

STAFF = 1000


@pytest.fixture
async def company_slack(fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    """A workspace of a thousand people and a programme that can reward each of them."""
    add_colleagues(fake_slack)
    for n in range(STAFF):
        fake_slack.add_person(
            f"U{n:05d}", f"Colleague {n:04d}", email=f"colleague{n:04d}@harbour.example"
        )
    programme = Programme("anniversaries", "Anniversaries", "USD")
    async for world in make_world(SAMPLE, fake_slack, programme, budget=STAFF * 2500):
        yield world


async def test_a_thousand_row_csv_goes_through_paced_by_the_outbox(
    company_slack: SlackWorld,
) -> None:
    rows = "".join(
        f"colleague{n:04d}@harbour.example,25,Happy work anniversary\n" for n in range(STAFF)
    )
    started = time.monotonic()

    await share(
        company_slack,
        "F0THOUSAND",
        ("email,amount,reason\n" + rows).encode(),
        name="anniversaries.csv",
    )

    assert len(company_slack.store.rewards) == STAFF
    assert "Sent *1,000* of 1,000 rows ($25,000); refused *0*." in report_of(company_slack)
    assert company_slack.fake.calls_to("users.lookupByEmail", ok_only=False) == []
    assert len(company_slack.fake.calls_to("users.list")) == 6  # 1,005 people, 200 a page

    company_slack.fake.fail_next(3, status=429, retry_after=1, method="chat.postMessage")
    runs = 0
    while pending(company_slack) and runs < 30:
        await company_slack.relay.run_once(limit=100)
        company_slack.clock.advance(seconds=2)
        runs += 1

    notices = [
        c
        for c in company_slack.fake.calls_to("chat.postMessage")
        if "sent you a $25 reward" in c.args["text"]
    ]
    assert len(notices) == STAFF and len({c.args["channel"] for c in notices}) == STAFF
    assert runs <= 12
    assert all(m.status is MessageStatus.SENT for m in company_slack.store.outbox.values())
    assert len(company_slack.fake.calls_to("chat.postMessage", ok_only=False)) == STAFF + 1 + 3
    assert time.monotonic() - started < 60
    assert Budget.of(company_slack.store.ledger).reserved == STAFF * 2500
    assert {GRACE, LIN, ROBOT}.isdisjoint(
        r.recipient.user_id for r in company_slack.store.rewards.values()
    )


BOSS = "U0BOSS"
TEAM_FILE = b"""email,amount,reason
ada@harbour.example,25,Launch hero
grace@harbour.example,15,Kind words in review
lin@harbour.example,10,Docs sprint
"""


@pytest.fixture
async def approving_slack(fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    """Kudos holds $100 and holds any send to more than two people for Bo's approval."""
    add_colleagues(fake_slack)
    fake_slack.add_person(BOSS, "Bo the Boss", email="bo@harbour.example")
    kudos = Programme(KUDOS, "Kudos", "USD", per_reward_limit=5000)
    policy = ApprovalPolicy(KUDOS, (f"slack:{BOSS}",), people_above=2)
    async for world in make_world(SAMPLE, fake_slack, kudos, budget=10000, approval=policy):
        yield world


async def test_a_file_to_more_people_than_the_programme_allows_waits_for_one_approval_then_every_row_goes(
    approving_slack: SlackWorld,
) -> None:
    slack = approving_slack
    await share(slack, "F0TEAM", TEAM_FILE)

    text = report_of(slack)
    assert "Held for approval" in text and slack.store.rewards == {}
    assert Budget.of(slack.store.ledger).available == 10000 - 5000  # the file's total, reserved
    await slack.relay.run_once()
    [card] = [m for m in slack.fake.messages_in(f"D{BOSS}") if "asks you to approve" in m.text]
    shown = section_texts(card.blocks) + json.dumps(card.blocks)
    assert (
        "Ada Lovelace" in shown
        and "Grace Hopper" in shown
        and "Lin Yutang" in shown
        and "$50" in shown
    )

    response = await slack.action(
        clicked(card.blocks, "vb_approval_approve"),
        user=BOSS,
        channel=f"D{BOSS}",
        message_ts=card.ts,
        ephemeral=False,
        response_url="bo-approves",
        state={
            "vb_approval_note": {"vb_approval_note": {"type": "plain_text_input", "value": None}}
        },
    )
    assert response.status == 200
    await slack.settle()
    await slack.relay.run_once()

    assert sorted((r.recipient.user_id, r.amount.minor) for r in slack.store.rewards.values()) == [
        (ADA, 2500),
        (GRACE, 1500),
        (LIN, 1000),
    ]
    assert Budget.of(slack.store.ledger).available == 10000 - 5000
    [told] = [m for m in slack.fake.messages_in(HR_DM) if "approved and sent" in m.text]
    rows = section_texts(told.blocks)
    for line in ("Ada Lovelace: $25 sent", "Grace Hopper: $15 sent", "Lin Yutang: $10 sent"):
        assert line in rows
