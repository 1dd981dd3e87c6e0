"""Cross-platform gifts end to end: a Slack buyer gifts a Teams colleague named by work email, and a
Teams buyer (a `gift` message or the "Send a gift" dialog) a Slack colleague found in the workspace.

One server with both channels (Slack against the fake Web API, Teams in Emulator mode against the
fake Connector); the colleague is an imported employee (`voucherbot employees import`) whose tenant
the bot has heard from, so it can open a 1:1 chat with them.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from adapters.stripe_local import LocalStripe
from adapters.teams.gift_extension import COMMAND_ID as GIFT_COMMAND
from tests.e2e.bot_process import ROOT, BotProcess
from tests.e2e.conftest import start_bot, stop_bot, stripe_env
from tests.e2e.test_slack_e2e import SlackUser, block_text
from tests.e2e.world import TENANT, BotDatabase, TeamsChat, eventually
from tests.fake_connector import FakeConnector
from tests.fake_slack import FakeSlack
from tests.localstripe_server import confirm_server_side
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.teams.conftest import LIN, card_text, press

pytestmark = pytest.mark.asyncio(loop_scope="module")

HOPPER, HOPPER_EMAIL = "U0E2EHOPPER", "grace.hopper@harbour.example"  # a colleague in Slack


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.close()
    assert fake.errors == [], f"Slack would have rejected: {fake.errors}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    data_dir: Path, local: LocalStripe, fake_slack: FakeSlack, connector: FakeConnector
) -> AsyncIterator[BotProcess]:
    env = {
        **stripe_env(local),
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake_slack.api_url,
    }
    process = await start_bot(data_dir, env, local)
    yield process
    await stop_bot(process)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def db(bot: BotProcess) -> AsyncIterator[BotDatabase]:
    database = BotDatabase(bot.data_dir)
    yield database
    await database.close()


async def import_employees(bot: BotProcess, csv_text: str) -> None:
    """`voucherbot employees import` against the running server's database, as an operator would."""
    (bot.data_dir / "people.csv").write_text(csv_text, encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "employees", "import", "people.csv",
        cwd=str(bot.data_dir), env={**bot.env, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()


async def test_a_slack_buyer_gifts_a_teams_colleague_by_email_and_the_gift_arrives_in_teams(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    connector: FakeConnector,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> None:
    someone = TeamsChat(bot.url, connector, http, "tenant-seen")
    await someone.answer_to(someone.message("help"))  # the bot now knows how to reach this tenant
    connector.add_members(someone.conversation_id, LIN)
    await import_employees(
        bot,
        f"email,name,start_date,birthday,platform,user_id,tenant\n{LIN.email},{LIN.name},2022-03-01,,teams,{LIN.aad},{TENANT}\n",
    )
    ada = SlackUser(bot, fake_slack, http, "U0E2EADA")

    await ada.command(
        f"gift <mailto:{LIN.email}|{LIN.email}> quiet-harbour-books 20 Welcome aboard!", "ada-gift"
    )
    summary = await ada.response("ada-gift")
    assert "Pay £20" in block_text(summary["blocks"]), block_text(summary["blocks"])
    order = await db.only_order_of(ada.key)
    assert await confirm_server_side(local, order.payment_intent_id or "") == "succeeded"
    await eventually(lambda: db.delivered(order.id), what="the gift to reach Teams")

    voucher = await db.voucher(order.id)
    assert (
        voucher is not None
        and voucher.owner.platform == "teams"
        and voucher.owner.user_id == LIN.aad
    )
    (gift,) = [
        c for c in connector.delivered() if c.cards and "Welcome aboard!" in card_text(c.card)
    ]
    assert voucher.code in card_text(gift.card) and gift.conversation_id.startswith("a:personal-")
    receipt = [m for m in fake_slack.messages_in(ada.dm) if m.text.startswith("Receipt")]
    assert (
        receipt and "Lin Wei" in block_text(receipt[0].blocks) and voucher.code not in str(receipt)
    )


async def test_a_teams_buyer_gifts_a_slack_colleague_by_email_and_the_gift_arrives_in_slack(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    connector: FakeConnector,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> None:
    # Found through the Slack workspace (users.list with emails), not an imported employee.
    fake_slack.add_person(HOPPER, "Grace Hopper", email=HOPPER_EMAIL, tz="Europe/London")
    chat = TeamsChat(bot.url, connector, http, "teams-to-slack")

    order_card = await chat.answer_to(
        chat.message(f"gift {HOPPER_EMAIL} quiet-harbour-books 20 Thanks from the Teams side")
    )
    order = await db.only_order_of(chat.user_key)
    assert "Quiet Harbour Books" in card_text(order_card.card)
    assert await confirm_server_side(local, order.payment_intent_id or "") == "succeeded"
    await eventually(lambda: db.delivered(order.id), what="the gift to reach Slack")

    voucher = await db.voucher(order.id)
    assert voucher is not None and (voucher.owner.platform, voucher.owner.user_id) == (
        "slack",
        HOPPER,
    )
    (gift,) = [
        m for m in fake_slack.messages_in(f"D{HOPPER}") if voucher.code in block_text(m.blocks)
    ]
    assert "Thanks from the Teams side" in block_text(gift.blocks)
    assert "Ada Lovelace" in gift.text + block_text(gift.blocks)
    receipt = await eventually(
        lambda: [c for c in chat.calls() if c.cards and "Receipt" in card_text(c.card)],
        what="the receipt in Teams",
    )
    assert "Grace Hopper" in card_text(receipt[0].card)
    assert voucher.code not in json.dumps([c.body for c in chat.calls()])


async def test_send_a_gift_in_teams_takes_a_slack_colleagues_work_email(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    connector: FakeConnector,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> None:
    fake_slack.add_person(HOPPER, "Grace Hopper", email=HOPPER_EMAIL, tz="Europe/London")
    chat = TeamsChat(bot.url, connector, http, "extension-to-slack")
    before = len(fake_slack.messages_in(f"D{HOPPER}"))

    status, fetched = await chat.post(chat.extension("composeExtension/fetchTask", GIFT_COMMAND))
    form = fetched["task"]["value"]["card"]["content"]
    typed = {"to": "", "email": HOPPER_EMAIL, "product": "quiet-harbour-books", "amount": "20"}
    data = press(form, "Continue to payment", {**typed, "date": "", "time": "", "note": "Cheers!"})
    status, submitted = await chat.post(
        chat.extension("composeExtension/submitAction", GIFT_COMMAND, data)
    )

    assert status == 200 and submitted["task"]["type"] == "message", submitted
    order = await db.only_order_of(chat.user_key)
    assert await confirm_server_side(local, order.payment_intent_id or "") == "succeeded"
    await eventually(lambda: db.delivered(order.id), what="the gift to reach Slack")
    voucher = await db.voucher(order.id)
    assert voucher is not None
    (gift,) = fake_slack.messages_in(f"D{HOPPER}")[before:]
    assert voucher.code in block_text(gift.blocks) and "Cheers!" in block_text(gift.blocks)
    personal = connector.in_conversation(chat.personal_chat_id)
    assert any("Receipt" in card_text(c.card) for c in personal if c.cards)
    assert voucher.code not in json.dumps([fetched, submitted, *(c.body for c in personal)])
