"""Plum and Tango side by side, end to end: the real server routes each order by the operator's
rules.

The server runs with VOUCHER_PROVIDER=builtin,xoxoday,tango, XOXODAY_* at a FakePlum, TANGO_* at a
FakeTango, and PROVIDER_ROUTES_FILE preferring Tango for US orders. Quiet Harbour Books (US) is sold
by both and shown once; Lantern Tea House in GB only by Tango. An empty Tango account reroutes to
Plum.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from adapters.stripe_local import LocalStripe
from core.orders import OrderStatus
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import start_bot, stop_bot, stripe_env
from tests.e2e.test_slack_e2e import SlackUser, block_text
from tests.e2e.test_xoxoday_e2e import buy_in_slack, pay, plum_env, run_voucherbot, slack_vouchers
from tests.e2e.world import BotDatabase, StripeEvents, TeamsChat, eventually, order_in_teams
from tests.fake_connector import FakeConnector
from tests.fake_plum import FakePlum, sample_products
from tests.fake_slack import FakeSlack
from tests.fake_tango import FakeTango
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.teams.conftest import card_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROUTES = """\
default: [xoxoday, tango, builtin]
rules:
  - countries: [US]
    prefer: [tango, xoxoday]
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def plum() -> AsyncIterator[FakePlum]:
    async with FakePlum(sample_products()) as fake:
        yield fake


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def tango() -> AsyncIterator[FakeTango]:
    async with FakeTango() as fake:
        yield fake


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.close()
    assert fake.errors == [], f"Slack would have rejected: {fake.errors}"


def tango_env(tango: FakeTango, routes: Path) -> dict[str, str]:
    return {
        "VOUCHER_PROVIDER": "builtin,xoxoday,tango",
        "TANGO_BASE_URL": tango.base_url,
        "TANGO_PLATFORM_NAME": tango.platform_name,
        "TANGO_PLATFORM_KEY": tango.platform_key,
        "TANGO_CUSTOMER_ID": tango.customer_id,
        "TANGO_ACCOUNT_ID": tango.account_id,
        "PROVIDER_ROUTES_FILE": str(routes),
        "PROVIDER_LOW_BALANCE": "USD:100",
    }


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    data_dir: Path,
    local: LocalStripe,
    stripe_events: StripeEvents,
    fake_slack: FakeSlack,
    connector: FakeConnector,
    plum: FakePlum,
    tango: FakeTango,
) -> AsyncIterator[BotProcess]:
    routes = data_dir / "routes.yaml"
    routes.write_text(ROUTES, encoding="utf-8")
    env = {
        **stripe_env(local),
        **plum_env(plum),
        **tango_env(tango, routes),
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
    # The server syncs both catalogs on its own when it starts: wait for that, never trigger it.
    await eventually(
        lambda: database.last_synced("xoxoday"), what="the server's first Plum catalog sync"
    )
    await eventually(
        lambda: database.last_synced("tango"), what="the server's first Tango catalog sync"
    )
    yield database
    await database.close()


async def test_a_brand_both_providers_sell_in_one_country_is_shown_once_and_tango_only_brands_are_there(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
) -> None:
    linus = SlackUser(bot, fake_slack, http, "U0TANGOLIN")
    _, harbour = await linus.command("quiet harbour", "linus-tango-harbour")
    teams = TeamsChat(bot.url, connector, http, "tango-browse")
    lantern = await teams.answer_to(teams.message("vouchers lantern"))

    ids = {
        e["value"]
        for b in harbour["blocks"]
        for e in b.get("elements") or []
        if "vb_choose" in str(e.get("action_id"))
    }
    assert any("plum-1001" in value for value in ids) and not any(
        "tango-b916708" in value for value in ids
    )
    assert "tango-b402211-gbp-gb" in {p.id for p in await db.synced_catalog("tango")}
    assert "GBP" in card_text(lantern.card) or "£" in card_text(lantern.card)


async def test_a_us_slack_order_goes_to_tango_by_the_rule_and_the_order_says_so(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    plum: FakePlum,
    tango: FakeTango,
    http: aiohttp.ClientSession,
) -> None:
    ada = SlackUser(bot, fake_slack, http, "U0TANGOADA")
    order = await buy_in_slack(ada, db, "quiet harbour", "plum-1001", "$25")
    await pay(local, order)
    await eventually(lambda: db.delivered(order.id), what="the Tango voucher to reach Ada in Slack")

    stored, voucher = await db.order(order.id), await db.voucher(order.id)
    [placed] = tango.orders_for(order.id)
    assert voucher is not None and voucher.provider == "tango" and voucher.code == placed.code
    assert (
        voucher.provider_reference == f"tango-{placed.reference}"
        and placed.item["utid"] == "U561594"
    )
    assert stored.provider == "tango" and stored.route_reason == "preferred by rule 1 (US)"
    assert order.id not in plum.orders
    (message,) = slack_vouchers(ada)
    assert f"`{voucher.code}`" in block_text(message.blocks)


async def test_a_teams_order_for_a_brand_only_tango_sells_here_delivers_its_redemption_link(
    bot: BotProcess,
    db: BotDatabase,
    connector: FakeConnector,
    local: LocalStripe,
    tango: FakeTango,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "tango-grace")
    await order_in_teams(chat, "lantern", "tango-b402211-gbp-gb", "30")
    order = await db.only_order_of(chat.user_key)
    await pay(local, order)
    await eventually(
        lambda: db.delivered(order.id), what="the Tango voucher to reach Grace in Teams"
    )

    voucher = await db.voucher(order.id)
    [placed] = tango.orders_for(order.id)
    (card,) = chat.voucher_cards()
    assert voucher is not None and voucher.redeem_url == placed.url and voucher.provider == "tango"
    assert placed.url in card_text(card.card) or placed.url in str(card.card)
    assert (await db.order(order.id)).provider == "tango"


async def test_an_empty_tango_account_reroutes_to_plum_with_exactly_one_voucher_and_no_refund(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    plum: FakePlum,
    tango: FakeTango,
    http: aiohttp.ClientSession,
) -> None:
    tango.balance = Decimal(3)
    bob = SlackUser(bot, fake_slack, http, "U0TANGOBOB")
    order = await buy_in_slack(bob, db, "quiet harbour", "plum-1001", "$10")
    await pay(local, order)
    await eventually(lambda: db.delivered(order.id), what="the rerouted voucher to reach Bob")

    stored, voucher = await db.order(order.id), await db.voucher(order.id)
    assert voucher is not None and voucher.provider == "xoxoday"
    assert stored.status is OrderStatus.DELIVERED and stored.provider == "xoxoday"
    assert "tango" in stored.route_reason and tango.orders_for(order.id) == []
    assert len(plum.orders[order.id].vouchers) == 1 and len(slack_vouchers(bob)) == 1


async def test_the_cli_explains_a_route_and_reports_balances_with_the_low_one_flagged(
    bot: BotProcess, db: BotDatabase, tango: FakeTango
) -> None:
    tango.balance = Decimal(3)
    code, route, _ = await run_voucherbot(
        bot, "providers", "route", "plum-1001", "US", "--amount", "25"
    )
    _, balances, _ = await run_voucherbot(bot, "providers", "balances")

    assert code == 0
    lines = route.splitlines()
    assert lines[0].startswith("Quiet Harbour Books") and "25.00 USD in US" in lines[0]
    assert (
        lines[1].startswith("1. xoxoday")
        and lines[2].startswith("2. tango")
        and "below the amount" in lines[2]
    )
    assert "tango\t3.00 USD\tLOW" in balances and "xoxoday\t" in balances


async def test_the_tango_platform_key_and_reward_codes_are_never_logged_or_stored_in_plaintext(
    bot: BotProcess, db: BotDatabase, tango: FakeTango
) -> None:
    await eventually(lambda: bool(tango.placed), what="at least one Tango order")
    logs, stored = bot.logs(), db.raw_bytes()
    assert tango.platform_key not in logs and tango.platform_key.encode() not in stored
    for order in tango.placed:
        for secret in filter(None, (order.code, order.pin)):
            assert secret not in logs and secret.encode() not in stored


async def test_catalog_sync_on_the_command_line_syncs_plum_and_tango(
    bot: BotProcess, db: BotDatabase
) -> None:
    before = await db.last_synced("tango")

    code, out, err = await run_voucherbot(bot, "catalog", "sync")

    assert code == 0, err
    plum_line, tango_line = out.strip().splitlines()
    assert plum_line.startswith("fetched 7, mapped 5")
    assert tango_line == "tango: 4 brands, 7 items, mapped 3 products, skipped 1 items"
    after = await db.last_synced("tango")
    assert before is not None and after is not None and after > before
