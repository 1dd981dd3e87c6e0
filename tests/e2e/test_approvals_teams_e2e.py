"""Approvals end to end in Teams: a large `reward` waits for an approver's card, through the real
server.

Hana (a reward admin) thanks Grace in her personal chat with the bot; Ada approves the seeded USD
"recognition" programme's sends above 50 USD and gets the approval card in her own 1:1 chat, which
the bot creates; her press of Approve or Reject is an Action.Submit there, with the reason typed on
the card.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tests.e2e.approvals_world import Approvals, cli
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import start_bot, stop_bot
from tests.e2e.world import BotDatabase, TeamsChat, card_text, eventually, press
from tests.fake_connector import Call, FakeConnector
from tests.teams.conftest import GRACE, with_mentions

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROGRAMME = "recognition"  # seeded by the server in development: USD, 1,000 USD
HANA_AAD = "0a1d2a3e-0000-4000-8000-0000000000a1"
ADA_AAD = "0a1d2a3e-0000-4000-8000-0000000000ad"
MIRA_AAD = "0a1d2a3e-0000-4000-8000-0000000000b2"


@dataclass
class PersonalChat(TeamsChat):
    """Someone in the 1:1 chat the bot itself opened with them (by Entra id), as the fake Connector
    names it."""

    @property
    def conversation_id(self) -> str:
        return f"a:personal-{self.aad_object_id}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(data_dir: Path, connector: FakeConnector) -> AsyncIterator[BotProcess]:
    env = {
        "REWARD_ADMINS": f"teams:{HANA_AAD}",
        "APPROVAL_EXPIRY_CHECK_SECONDS": "1",
        "RATE_LIMIT_PER_MINUTE": "0",
    }
    process = await start_bot(data_dir, env)
    approvers = f"teams:{ADA_AAD},teams:{MIRA_AAD},teams:{HANA_AAD}"
    await cli(
        process, "programmes", "approvals", PROGRAMME, "--above", "50", "--approvers", approvers
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
async def chats(
    bot: BotProcess, connector: FakeConnector, http: aiohttp.ClientSession
) -> dict[str, TeamsChat]:
    hana = TeamsChat(bot.url, connector, http, "hana", aad_object_id=HANA_AAD)
    connector.add_members(hana.conversation_id, GRACE)
    return {
        "hana": hana,
        "ada": PersonalChat(bot.url, connector, http, "ada", aad_object_id=ADA_AAD),
        "mira": PersonalChat(bot.url, connector, http, "mira", aad_object_id=MIRA_AAD),
    }


async def request(hana: TeamsChat, text: str) -> Call:
    """`reward @Grace …` → confirmation → Send; the card Send showed."""
    confirmation = await hana.answer_to(with_mentions(hana.message(""), text, GRACE))
    send = next(a for a in confirmation.card["actions"] if a["title"].startswith("Send"))
    return await hana.answer_to(hana.submit(confirmation, send["data"]))


def approval_cards(chat: TeamsChat, why: str) -> list[Call]:
    return [
        c
        for c in chat.calls()
        if c.cards and "needs your approval" in card_text(c.card) and why in card_text(c.card)
    ]


def told(chat: TeamsChat, words: str) -> Call | None:
    return next((c for c in chat.calls() if c.cards and words in card_text(c.card)), None)


def grace_notices(connector: FakeConnector) -> list[Call]:
    return [
        c
        for c in connector.delivered()
        if c.cards
        and "Grace" not in card_text(c.card)
        and c.conversation_id == f"a:personal-{GRACE.id}"
    ]


async def test_a_large_reward_waits_then_an_approval_sends_it_and_tells_the_giver(
    chats: dict[str, TeamsChat], db: BotDatabase, approvals: Approvals, connector: FakeConnector
) -> None:
    hana, ada = chats["hana"], chats["ada"]

    held = await request(hana, "reward {0} 60 USD Shipped the harbour map")
    assert "Waiting for approval" in card_text(held.card)
    assert (await db.budget(PROGRAMME)).reserved == 6000

    card = await eventually(
        lambda: (approval_cards(ada, "harbour map") or [None])[0], what="Ada's approval card"
    )
    text = card_text(card.card)
    assert "Grace Hopper" in text and "$60" in text and "$940" in text
    assert approval_cards(hana, "harbour map") == []

    outcome = await ada.answer_to(ada.submit(card, press(card.card, "Approve")))
    assert "Approved by teams:" + ADA_AAD in card_text(outcome.card)

    await eventually(lambda: told(hana, "were approved and sent"), what="Hana told of the approval")
    grace_key = f"teams:{hana.message('')['conversation']['tenantId']}:{GRACE.aad}"
    [reward] = await eventually(lambda: db.rewards_of(grace_key), what="Grace's reward")
    assert reward.amount.minor == 6000
    [approval] = await approvals.all()
    assert approval.status == "approved"

    again = await ada.answer_to(ada.submit(card, press(card.card, "Approve")))
    assert again.text == f"This request was already approved by teams:{ADA_AAD}."


async def test_a_rejection_with_a_reason_releases_the_budget_and_the_giver_cannot_decide(
    chats: dict[str, TeamsChat], db: BotDatabase
) -> None:
    hana, ada = chats["hana"], chats["ada"]
    before = await db.budget(PROGRAMME)
    await request(hana, "reward {0} 70 USD Fixed the lighthouse")
    card = await eventually(
        lambda: (approval_cards(ada, "lighthouse") or [None])[0], what="the second card"
    )

    own = await hana.answer_to(hana.submit(card, press(card.card, "Approve")))  # a forged press
    assert own.text == "You cannot approve or reject your own request."
    rejected = await ada.answer_to(
        ada.submit(card, press(card.card, "Reject", {"note": "Over this quarter's plan"}))
    )

    assert "Rejected by teams:" + ADA_AAD + ": Over this quarter's plan" in card_text(rejected.card)
    assert (await db.budget(PROGRAMME)).reserved == before.reserved
    await eventually(
        lambda: told(hana, "were rejected: Over this quarter's plan"), what="Hana told"
    )


async def test_twenty_simultaneous_approvals_send_one_reward(
    chats: dict[str, TeamsChat], db: BotDatabase, approvals: Approvals
) -> None:
    hana, mira = chats["hana"], chats["mira"]
    await request(hana, "reward {0} 80 USD Twenty presses")
    card = await eventually(
        lambda: (approval_cards(mira, "Twenty presses") or [None])[0], what="Mira's card"
    )

    statuses = await asyncio.gather(
        *(mira.post(mira.submit(card, press(card.card, "Approve"))) for _ in range(20))
    )

    assert all(status in (200, 201) for status, _ in statuses)
    decided = [a for a in await approvals.all() if a.command.reason == "Twenty presses"]
    assert [a.status for a in decided] == ["approved"]
    grace_key = f"teams:{hana.message('')['conversation']['tenantId']}:{GRACE.aad}"
    rewards = [r for r in await db.rewards_of(grace_key) if r.reason == "Twenty presses"]
    assert len(rewards) == 1


async def test_a_request_nobody_decides_expires_and_releases_its_budget(
    bot: BotProcess, chats: dict[str, TeamsChat], db: BotDatabase
) -> None:
    hana, ada = chats["hana"], chats["ada"]
    await cli(
        bot,
        "programmes",
        "approvals",
        PROGRAMME,
        "--above",
        "50",
        "--expires-after",
        "2s",
        "--approvers",
        f"teams:{ADA_AAD}",
    )
    before = await db.budget(PROGRAMME)
    await request(hana, "reward {0} 90 USD Waited too long")

    await eventually(lambda: told(hana, "expired unapproved"), what="Hana told of the expiry")

    assert (await db.budget(PROGRAMME)).reserved == before.reserved
    card = approval_cards(ada, "Waited too long")[0]
    late = await ada.answer_to(ada.submit(card, press(card.card, "Approve")))
    assert late.text == "This request was already expired."


async def test_an_hr_system_send_above_the_threshold_reaches_the_teams_approver_who_approves_it(
    bot: BotProcess, chats: dict[str, TeamsChat], db: BotDatabase, http: aiohttp.ClientSession
) -> None:
    hana, ada = chats["hana"], chats["ada"]
    await cli(
        bot,
        "programmes",
        "approvals",
        PROGRAMME,
        "--above",
        "50",
        "--approvers",
        f"teams:{ADA_AAD}",
    )
    key = (await cli(bot, "apikeys", "create", "workday")).split()[0]
    tenant = hana.message("")["conversation"]["tenantId"]
    body = {
        "recipients": [{"platform": "teams", "user_id": GRACE.aad, "tenant_id": tenant}],
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

    # No chat started this send: Ada's card reaches her 1:1 chat in the recipient's tenant all the
    # same.
    card = await eventually(
        lambda: (approval_cards(ada, "harbour pilots") or [None])[0],
        what="Ada's card for the HR send",
    )
    assert "Workday" in card_text(card.card)
    outcome = await ada.answer_to(ada.submit(card, press(card.card, "Approve")))

    assert "Approved by teams:" + ADA_AAD in card_text(outcome.card)
    grace_key = f"teams:{tenant}:{GRACE.aad}"
    sent = await eventually(
        lambda: _with_reason(db, grace_key, "Charted the harbour pilots"),
        what="Grace's reward from Workday",
    )
    assert sent.amount.minor == 6000 and sent.giver.name == "Workday"


async def _with_reason(db: BotDatabase, user_key: str, reason: str) -> Any:
    return next((r for r in await db.rewards_of(user_key) if r.reason == reason), None)
