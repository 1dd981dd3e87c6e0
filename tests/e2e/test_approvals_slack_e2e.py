"""Approvals end to end in Slack: a large /reward waits for an approver's card, through the real
server.

Hana from HR (a reward admin) thanks Grace with more than the programme lets her send alone. Ada and
Lin approve the seeded USD "recognition" programme's large sends; Hana is named as an approver too,
and is never asked (nor allowed) to approve her own request. Pending requests are expired by the
server's job, checked every second here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio

from tests.e2e.approvals_world import Approvals, cli
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import start_bot, stop_bot
from tests.e2e.test_rewards_e2e import reward_command, reward_notice
from tests.e2e.test_slack_e2e import FORM, SlackUser, block_text
from tests.e2e.world import BotDatabase, eventually
from tests.fake_slack import FakeSlack, PostedMessage
from tests.slack.conftest import (
    ADA,
    BOT_TOKEN,
    GRACE,
    HR,
    LIN,
    SIGNING_SECRET,
    TEAM,
    add_colleagues,
    block_actions,
    clicked,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROGRAMME = "recognition"  # seeded by the server in development: USD, 1,000 USD
APPROVERS = f"slack:{ADA},slack:{LIN},slack:{HR}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    add_colleagues(fake)
    yield fake
    await fake.close()
    assert fake.errors == [], f"Slack would have rejected: {fake.errors}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(data_dir: Path, fake_slack: FakeSlack) -> AsyncIterator[BotProcess]:
    env = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake_slack.api_url,
        "REWARD_ADMINS": f"slack:{HR}",
        "APPROVAL_EXPIRY_CHECK_SECONDS": "1",
        "RATE_LIMIT_PER_MINUTE": "0",  # twenty clicks of one approver at once
    }
    process = await start_bot(data_dir, env)
    await cli(
        process, "programmes", "approvals", PROGRAMME, "--above", "50", "--approvers", APPROVERS
    )
    yield process
    await stop_bot(process)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def db(bot: BotProcess) -> AsyncIterator[BotDatabase]:
    database = BotDatabase(bot.data_dir)
    yield database
    await database.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def approvals(bot: BotProcess) -> AsyncIterator[Approvals]:
    found = Approvals(bot.data_dir)
    yield found
    await found.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def people(
    bot: BotProcess, fake_slack: FakeSlack, http: aiohttp.ClientSession
) -> dict[str, SlackUser]:
    return {u: SlackUser(bot, fake_slack, http, u) for u in (HR, ADA, GRACE, LIN)}


async def request(hana: SlackUser, text: str, name: str) -> dict[str, Any]:
    """`/reward …` → confirmation → Send; what the Send click showed."""
    assert await reward_command(hana, text, name) == 200
    confirmation = await hana.response(name)
    return await hana.click(clicked(confirmation["blocks"], "vb_reward_send"), f"{name}-send")


def cards_in(user: SlackUser) -> list[PostedMessage]:
    return [m for m in user.fake.messages_in(user.dm) if "asks you to approve" in m.text]


async def press(
    user: SlackUser, message: PostedMessage, action_id: str, name: str, note: str = ""
) -> dict[str, Any]:
    """Press Approve or Reject on the approval card in `user`'s DM (the reason typed, if any)."""
    state = {
        "vb_approval_note": {
            "vb_approval_note": {"type": "plain_text_input", "value": note or None}
        }
    }
    payload = block_actions(
        user.fake,
        clicked(message.blocks, action_id),
        user=user.user_id,
        channel=user.dm,
        message_ts=message.ts,
        ephemeral=False,
        response_url=name,
        state=state,
    )
    status, _ = await user.post(urlencode({"payload": json.dumps(payload)}), FORM)
    assert status == 200
    return await user.response(name)


async def test_a_large_reward_waits_for_approval_then_the_approver_approves_and_the_recipient_is_notified(
    people: dict[str, SlackUser], db: BotDatabase, approvals: Approvals
) -> None:
    hana, ada, grace, lin = people[HR], people[ADA], people[GRACE], people[LIN]

    shown = await request(hana, f"<@{GRACE}|grace> 60 USD Shipped the harbour map", "big")
    assert "Waiting for approval" in block_text(shown["blocks"])
    assert (await db.budget(PROGRAMME)).reserved == 6000 and reward_notice(grace) is None

    card = await eventually(
        lambda: (cards_in(ada) or [None])[0], what="the approval card in Ada's DM"
    )
    text = block_text(card.blocks)
    assert "Hana from HR" in text and "Grace Hopper" in text and "Shipped the harbour map" in text
    assert "$60" in text and "$940" in text  # each, and the budget after
    assert await eventually(lambda: cards_in(lin), what="the approval card in Lin's DM")
    assert cards_in(hana) == []  # the giver is never asked to approve their own request

    outcome = await press(ada, card, "vb_approval_approve", "ada-approve")
    assert "Approved by <@U0ADA>" in outcome["text"]

    notice = await eventually(partial(reward_notice, grace), what="Grace's reward DM")
    assert notice.text == "Hana from HR sent you a $60 reward"
    told = await eventually(
        lambda: next(
            (m for m in hana.fake.messages_in(hana.dm) if "approved and sent" in m.text), None
        ),
        what="Hana told of the approval",
    )
    assert "Grace Hopper" in told.text
    budget = await db.budget(PROGRAMME)
    assert (budget.reserved, budget.available) == (6000, 94_000)
    [approval] = await approvals.all()
    assert (approval.status, approval.decided_by) == ("approved", f"slack:{ADA}")
    actions = [e.action for e in await db.audit() if e.action.startswith("approval.")]
    assert actions == ["approval.requested", "approval.approved"]

    again = await press(lin, cards_in(lin)[0], "vb_approval_approve", "lin-approve-late")
    assert again["text"] == f"This request was already approved by slack:{ADA}."
    assert len(await db.rewards_of(grace.key)) == 1


async def test_the_giver_cannot_approve_their_own_request(
    people: dict[str, SlackUser], approvals: Approvals
) -> None:
    hana, ada = people[HR], people[ADA]
    await request(hana, f"<@{LIN}|lin> 70 USD Fixed the lighthouse", "own")
    await eventually(lambda: len(cards_in(ada)) == 2, what="a second approval card for Ada")

    refused = await press(
        hana, cards_in(ada)[-1], "vb_approval_approve", "hana-own"
    )  # a forged click

    assert refused["text"] == "You cannot approve or reject your own request."
    assert (await approvals.all())[0].status == "pending"


async def test_a_rejection_with_a_reason_releases_the_budget_and_tells_the_giver(
    people: dict[str, SlackUser], db: BotDatabase, approvals: Approvals
) -> None:
    hana, ada, lin = people[HR], people[ADA], people[LIN]
    card = cards_in(ada)[-1]  # Lin's 70 USD, from the test before
    before = await db.budget(PROGRAMME)

    without = await press(ada, card, "vb_approval_reject", "ada-reject-bare")
    outcome = await press(
        ada, card, "vb_approval_reject", "ada-reject", note="Over this quarter's plan"
    )

    assert without["text"].startswith("Say why you reject it")
    assert "Rejected by <@U0ADA>: Over this quarter's plan" in outcome["text"]
    assert (await db.budget(PROGRAMME)).reserved == before.reserved - 7000
    assert await db.rewards_of(lin.key) == []
    told = await eventually(
        lambda: next(
            (m for m in hana.fake.messages_in(hana.dm) if "were rejected" in m.text), None
        ),
        what="Hana told of the rejection",
    )
    assert "Over this quarter's plan" in told.text


async def test_twenty_simultaneous_approvals_send_one_reward(
    people: dict[str, SlackUser], db: BotDatabase
) -> None:
    hana, ada, lin = people[HR], people[ADA], people[LIN]
    await request(hana, f"<@{ADA}|ada> 80 USD Twenty clicks", "twenty")
    card = await eventually(
        lambda: next((c for c in cards_in(lin) if "Twenty clicks" in block_text(c.blocks)), None),
        what="Lin's card for Ada's reward",
    )

    outcomes = await asyncio.gather(
        *(press(lin, card, "vb_approval_approve", f"twenty-{n}") for n in range(20))
    )

    assert sum("Approved by" in o["text"] for o in outcomes) == 1
    assert (
        sum(o["text"] == f"This request was already approved by slack:{LIN}." for o in outcomes)
        == 19
    )
    await eventually(partial(reward_notice, ada), what="Ada's reward DM")
    assert len(await db.rewards_of(ada.key)) == 1


async def test_a_request_nobody_decides_expires_and_releases_its_budget(
    bot: BotProcess, people: dict[str, SlackUser], db: BotDatabase, approvals: Approvals
) -> None:
    hana, ada, grace = people[HR], people[ADA], people[GRACE]
    await cli(
        bot,
        "programmes",
        "approvals",
        PROGRAMME,
        "--above",
        "50",
        "--approvers",
        APPROVERS,
        "--expires-after",
        "2s",
    )
    before = await db.budget(PROGRAMME)
    await request(hana, f"<@{GRACE}|grace> 90 USD Waited too long", "slow")
    assert (await db.budget(PROGRAMME)).reserved == before.reserved + 9000

    expired = await eventually(
        lambda: next(
            (m for m in hana.fake.messages_in(hana.dm) if "expired unapproved" in m.text), None
        ),
        what="Hana told of the expiry",
    )
    assert "Grace Hopper" in expired.text
    assert (await db.budget(PROGRAMME)).reserved == before.reserved
    card = next(c for c in cards_in(ada) if "Waited too long" in block_text(c.blocks))
    late = await press(ada, card, "vb_approval_approve", "ada-late")
    assert late["text"] == "This request was already expired."
    assert len(await db.rewards_of(grace.key)) == 1  # only the approved one from the first test
    listing = await cli(bot, "approvals", "list")
    assert "expired" in listing and "approved" in listing and "rejected" in listing


async def test_an_hr_system_send_above_the_threshold_reaches_the_slack_approver_who_approves_it(
    bot: BotProcess, people: dict[str, SlackUser], db: BotDatabase, http: aiohttp.ClientSession
) -> None:
    ada, lin = people[ADA], people[LIN]
    await cli(bot, "programmes", "approvals", PROGRAMME, "--above", "50", "--approvers", APPROVERS)
    key = (await cli(bot, "apikeys", "create", "workday")).split()[0]
    body = {
        "recipients": [{"platform": "slack", "user_id": LIN, "team_id": TEAM}],
        "amount": "60.00",
        "currency": "USD",
        "reason": "Charted the harbour pilots",
        "programme": PROGRAMME,
        "giver": "Workday",
    }

    async with http.post(
        f"{bot.url}/api/v1/rewards", json=body, headers={"Authorization": f"Bearer {key}"}
    ) as response:
        assert response.status == 202, await response.text()
        assert (await response.json())["state"] == "pending_approval"

    # No chat started this send: Ada's card reaches her DM in the recipient's workspace all the
    # same.
    card = await eventually(
        lambda: next(
            (c for c in cards_in(ada) if "Charted the harbour pilots" in block_text(c.blocks)), None
        ),
        what="Ada's card for the HR system's send",
    )
    assert "Workday" in block_text(card.blocks) and "$60" in block_text(card.blocks)
    outcome = await press(ada, card, "vb_approval_approve", "ada-approve-hr")

    assert "Approved by <@U0ADA>" in outcome["text"]
    notice = await eventually(partial(reward_notice, lin), what="Lin's reward DM")
    assert notice.text == "Workday sent you a $60 reward"
    assert len(await db.rewards_of(lin.key)) == 1
