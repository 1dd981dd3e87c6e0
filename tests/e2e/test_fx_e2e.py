"""A USD reward redeemed for a EUR voucher through the real server: rates fetched from FX_RATES_URL.

The server runs as its own process with Slack at a strict fake Web API, STRIPE_* at localstripe and
FX_RATES_URL at a loopback server serving the ECB file in tests/fixtures. Ada's Slack locale is
de-DE.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.i18n import localizer
from adapters.stripe_local import LocalStripe
from core.money import Money
from core.orders import OrderStatus
from core.rewards import LedgerKind
from tests.conftest import FIXTURES
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import start_bot, stop_bot, stripe_env
from tests.e2e.test_rewards_e2e import choose_button, click_in_dm, labelled, reward_command
from tests.e2e.test_slack_e2e import SlackUser, block_text
from tests.e2e.world import BotDatabase, eventually
from tests.fake_slack import FakeSlack, PostedMessage
from tests.slack.conftest import ADA, BOT_TOKEN, HR, SIGNING_SECRET, add_colleagues, clicked

pytestmark = pytest.mark.asyncio(loop_scope="module")

RATES = (FIXTURES / "fx" / "ecb-eurofxref-daily.xml").read_bytes()
COFFEE = (
    "copper-kettle-roasters"  # the sample catalog's EUR 5 / 10 / 25 / 50 card for DE, AT, NL, FR
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def ecb() -> AsyncIterator[TestServer]:
    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=RATES, content_type="text/xml")

    app = web.Application()
    app.router.add_get("/eurofxref-daily.xml", serve)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    add_colleagues(fake)
    fake.locales[ADA] = "de-DE"
    yield fake
    await fake.close()
    assert fake.errors == [], f"Slack would have rejected: {fake.errors}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    data_dir: Path, local: LocalStripe, fake_slack: FakeSlack, ecb: TestServer
) -> AsyncIterator[BotProcess]:
    env = {
        **stripe_env(local),
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake_slack.api_url,
        "REWARD_ADMINS": f"slack:{HR}",
        "FX_RATES_URL": str(ecb.make_url("/eurofxref-daily.xml")),
        # the fixture's rates are dated 2026-11-25; the server's clock is real
        "FX_MAX_AGE_HOURS": "744",
    }
    process = await start_bot(data_dir, env, local)
    yield process
    await stop_bot(process)


async def test_a_recipient_in_germany_buys_a_eur_voucher_with_a_usd_reward_and_no_card(
    bot: BotProcess, fake_slack: FakeSlack, http: aiohttp.ClientSession, local: LocalStripe
) -> None:
    db = BotDatabase(bot.data_dir)
    german = localizer("de-DE")  # Ada's Slack speaks German: the bot answers her in German
    try:
        hana, ada = SlackUser(bot, fake_slack, http, HR), SlackUser(bot, fake_slack, http, ADA)
        assert await reward_command(hana, f"<@{ADA}|ada> 25 USD Thank you", "hr-reward") == 200
        confirmation = await hana.response("hr-reward")
        await hana.click(clicked(confirmation["blocks"], "vb_reward_send"), "hr-send")
        notice = await eventually(lambda: choose_your_voucher(ada), what="Ada's reward DM")
        before = len(fake_slack.messages_in(ada.dm))
        await click_in_dm(ada, notice, clicked(notice.blocks, "vb_reward_choose"), "ada-open")
        await eventually(
            lambda: len(fake_slack.messages_in(ada.dm)) > before, what="the reward catalog"
        )
        catalog = fake_slack.messages_in(ada.dm)[-1]

        text = block_text(catalog.blocks)
        # Ada's Slack locale is German: the rate note is in German, with German numbers and dates
        assert (
            "Ihre 25\u00a0US$ reichen für bis zu 23,04\u00a0€ zum Kurs 1 EUR = 1,085 USD (ecb, "
            "25.11.2026)" in text
        )
        await click_in_dm(ada, catalog, choose_button(catalog.blocks, COFFEE), "ada-choose")
        product = await ada.response("ada-choose")
        await click_in_dm(
            ada,
            catalog,
            labelled(
                product["blocks"], german._("Buy {amount}", amount=german.money(Money(1000, "EUR")))
            ),
            "ada-buy",
        )
        summary = await ada.response("ada-buy")

        assert (
            "10,85\u00a0US$ aus Ihrer Prämie zum Kurs 1 EUR = 1,085 USD (ecb, 25.11.2026)"
            in block_text(summary["blocks"])
        )
        order = await db.only_order_of(ada.key)
        assert (
            order.amount == Money(1000, "EUR") and order.payment_intent_id is None
        )  # no PaymentIntent
        await eventually(lambda: db.delivered(order.id), what="the EUR voucher delivered")
        assert (await db.order(order.id)).status is OrderStatus.DELIVERED
        (debit,) = [e for e in await db.ledger("recognition") if e.kind is LedgerKind.DEBIT]
        assert (
            debit.minor == 1085 and debit.fx is not None and debit.fx.target == Money(1000, "EUR")
        )
        budget = await db.budget("recognition")
        assert (
            budget.credited == budget.available + budget.reserved + budget.spent
            and budget.spent == 1085
        )
    finally:
        await db.close()


def choose_your_voucher(user: SlackUser) -> PostedMessage | None:
    """The reward notice, by its button (its words are in the recipient's language)."""
    return next(
        (m for m in user.fake.messages_in(user.dm) if "vb_reward_choose" in json.dumps(m.blocks)),
        None,
    )
