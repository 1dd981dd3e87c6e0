"""Xoxoday Plum end to end: the real server sells a synced Plum catalog in Slack and Teams, paid by
card.

The server runs with VOUCHER_PROVIDER=builtin,xoxoday and XOXODAY_* pointing at a FakePlum in this
test, STRIPE_* at the test's localstripe, Slack at a FakeSlack and Teams in Emulator mode with a
fake Bot Connector. The catalog comes from the server's own scheduled sync; every voucher comes from
the fake, bought with the order id as Plum's poNumber.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import stripe

from adapters.i18n import localizer
from adapters.stripe_local import LocalStripe
from core.orders import Order, OrderStatus
from tests.e2e.bot_process import ROOT, BotProcess
from tests.e2e.conftest import start_bot, stop_bot, stripe_env
from tests.e2e.test_slack_e2e import SlackUser, block_text, titled
from tests.e2e.world import BotDatabase, StripeEvents, TeamsChat, eventually, order_in_teams
from tests.fake_connector import FakeConnector
from tests.fake_plum import FakePlum, sample_products
from tests.fake_slack import FakeSlack
from tests.localstripe_server import TEST_SECRET_KEY, confirm_server_side
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, clicked
from tests.teams.conftest import card_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

SELLABLE = {"plum-1001", "plum-1002", "plum-1003", "plum-1004", "plum-1007"}
UNSELLABLE = ("Mariner Mobile Top-up", "Gilded Abacus")  # needs a phone number; no ISO currency
TOKENS = "xoxoday.tokens"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def plum() -> AsyncIterator[FakePlum]:
    async with FakePlum(sample_products(), delayed_polls=2) as fake:
        yield fake


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.close()
    assert fake.errors == [], f"Slack would have rejected: {fake.errors}"


def plum_env(plum: FakePlum) -> dict[str, str]:
    return {
        "VOUCHER_PROVIDER": "builtin,xoxoday",
        "XOXODAY_CLIENT_ID": plum.client_id,
        "XOXODAY_CLIENT_SECRET": plum.client_secret,
        "XOXODAY_REFRESH_TOKEN": plum.refresh_token,
        "XOXODAY_BASE_URL": plum.base_url,
        # A pending (delayed) Plum order: tell the buyer at once, then let recovery ask Plum again
        # soon.
        "XOXODAY_ORDER_WAIT_SECONDS": "0",
        "XOXODAY_RECHECK_SECONDS": "0",
        "STUCK_ORDER_SECONDS": "2",
        "RECOVERY_INTERVAL_SECONDS": "1",
    }


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    data_dir: Path,
    local: LocalStripe,
    stripe_events: StripeEvents,
    fake_slack: FakeSlack,
    connector: FakeConnector,
    plum: FakePlum,
) -> AsyncIterator[BotProcess]:
    env = {
        **stripe_env(local),
        **plum_env(plum),
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake_slack.api_url,
    }
    process = await start_bot(data_dir, env, local)
    yield process
    await stop_bot(process)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def db(bot: BotProcess, plum: FakePlum) -> AsyncIterator[BotDatabase]:
    database = BotDatabase(bot.data_dir)
    # The server syncs the catalog on its own when it starts: wait for that, never trigger it.
    await eventually(
        lambda: database.last_synced("xoxoday"), what="the server's first Plum catalog sync"
    )
    yield database
    await database.close()


# --- helpers ------------------------------------------------------------------------------------


def choose(blocks: list[dict[str, Any]], product_id: str) -> dict[str, Any]:
    """The click on the Choose button of `product_id` in a Slack catalog page."""
    for block in blocks:
        for candidate in block.get("elements") or []:
            action_id = str(candidate.get("action_id", ""))
            if (
                action_id.startswith("vb_choose")
                and json.loads(candidate["value"])["id"] == product_id
            ):
                return clicked(blocks, action_id)
    raise AssertionError(f"no Choose button for {product_id} in the catalog")


async def buy_in_slack(
    user: SlackUser, db: BotDatabase, search: str, product_id: str, price: str
) -> Order:
    """`/vouchers <search>` → Choose `product_id` → Buy `price`: the order now awaiting payment."""
    status, catalog = await user.command(search, f"{user.user_id}-command")
    assert status == 200 and user.fake.check_message(catalog, "/vouchers") == []
    product = await user.click(choose(catalog["blocks"], product_id), f"{user.user_id}-choose")
    await user.click(titled(product["blocks"], f"Buy {price}"), f"{user.user_id}-buy")
    order = await db.only_order_of(user.key)
    assert order.product_id == product_id and order.status is OrderStatus.AWAITING_PAYMENT
    return order


async def pay(local: LocalStripe, order: Order) -> None:
    assert order.payment_intent_id is not None
    assert await confirm_server_side(local, order.payment_intent_id) == "succeeded"


def order_texts(user: SlackUser) -> list[str]:
    """The fallback texts of the order message in the channel, as it was replaced step by step."""
    answers = user.fake.responses_to(f"{user.user_id}-buy")
    return [a.args["text"] for a in answers if a.args.get("replace_original") is True]


def slack_vouchers(user: SlackUser) -> list[Any]:
    return [m for m in user.fake.messages_in(user.dm) if m.text.endswith("is ready")]


def plum_voucher(plum: FakePlum, order_id: str) -> dict[str, Any]:
    """The one voucher the fake issued for the order whose poNumber is `order_id`."""
    (voucher,) = plum.orders[order_id].vouchers
    return voucher


def place_orders_for(plum: FakePlum, order_id: str) -> list[dict[str, Any]]:
    return [r for r in plum.place_order_requests if r.get("poNumber") == order_id]


async def run_voucherbot(bot: BotProcess, *args: str) -> tuple[int, str, str]:
    """`voucherbot <args>` as its own process with the server's settings (the fakes answer in this
    loop)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=str(bot.data_dir),
        env={**bot.env, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


def alerts(bot: BotProcess) -> list[dict[str, Any]]:
    """The admin alerts the server logged (one JSON object per line)."""
    lines = (json.loads(line) for line in bot.logs().splitlines() if line.startswith("{"))
    return [entry for entry in lines if entry.get("alert") is True]


def stored_secrets(db: BotDatabase) -> dict[str, str]:
    with sqlite3.connect(db.path, timeout=10) as connection:
        return dict(connection.execute("SELECT name, ciphertext FROM stored_secrets"))


async def refunds_of(local: LocalStripe, intent_id: str) -> list[Any]:
    http = stripe.AIOHTTPClient()
    client = stripe.StripeClient(
        TEST_SECRET_KEY, base_addresses={"api": local.url}, http_client=http, max_network_retries=0
    )
    try:
        intent = await client.v1.payment_intents.retrieve_async(intent_id)
        refunds = await client.v1.refunds.list_async({"charge": intent.charges.data[0].id})
        return list(refunds.data)
    finally:
        await http.close_async()


# --- purchases, made once and asserted on by several tests -------------------------------------


@dataclass(frozen=True)
class SlackPurchase:
    user: SlackUser
    order_id: str


@dataclass(frozen=True)
class TeamsPurchase:
    chat: TeamsChat
    order_id: str


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def slack_purchase(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> SlackPurchase:
    """Ada buys Quiet Harbour Books from Plum for $25 in Slack and pays by card."""
    ada = SlackUser(bot, fake_slack, http, "U0PLUMADA")
    order = await buy_in_slack(ada, db, "quiet harbour", "plum-1001", "$25")
    await pay(local, order)
    await eventually(lambda: db.delivered(order.id), what="the Plum voucher to reach Ada in Slack")
    return SlackPurchase(ada, order.id)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def teams_purchase(
    bot: BotProcess,
    db: BotDatabase,
    connector: FakeConnector,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> TeamsPurchase:
    """Grace buys a Lantern Tea House card (open value, code and PIN) from Plum for €30 in Teams."""
    chat = TeamsChat(bot.url, connector, http, "plum-grace")
    await order_in_teams(chat, "lantern", "plum-1002", "30")
    order = await db.only_order_of(chat.user_key)
    assert order.product_id == "plum-1002" and (order.amount.minor, order.amount.currency) == (
        3000,
        "EUR",
    )
    await pay(local, order)
    await eventually(
        lambda: db.delivered(order.id), what="the Plum voucher to reach Grace in Teams"
    )
    return TeamsPurchase(chat, order.id)


# --- the catalog ----------------------------------------------------------------------------------


async def test_the_catalog_is_the_synced_plum_catalog_without_the_products_that_cannot_be_sold(
    db: BotDatabase, plum: FakePlum
) -> None:
    synced = {p.id: p for p in await db.synced_catalog("xoxoday")}

    assert set(synced) == SELLABLE
    books = synced["plum-1001"]
    assert (books.brand, books.currency, books.denominations) == (
        "Quiet Harbour Books",
        "USD",
        (1000, 2500, 5000),
    )
    assert (
        synced["plum-1002"].value_range is not None
        and synced["plum-1002"].voucher_format == "code_pin"
    )
    assert "delivered within 5 business days" in synced["plum-1004"].instructions
    assert plum.calls["getVouchers"] == 1


async def test_plum_products_are_found_in_slack_and_teams_and_searching_calls_plum_no_more(
    bot: BotProcess,
    db: BotDatabase,
    plum: FakePlum,
    fake_slack: FakeSlack,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
) -> None:
    linus = SlackUser(bot, fake_slack, http, "U0PLUMLIN")
    chat = TeamsChat(bot.url, connector, http, "plum-browse")

    status, page = await linus.command("plum", "linus-plum")
    _, harbour = await linus.command("quiet harbour", "linus-harbour")
    _, mariner = await linus.command("mariner", "linus-mariner")
    teams_page = await chat.answer_to(chat.message("vouchers plum"))

    assert status == 200 and fake_slack.check_message(page, "/vouchers") == []
    slack_text, teams_text = block_text(page["blocks"]), card_text(teams_page.card)
    assert "5 found" in slack_text and "5 vouchers" in teams_text
    for text in (slack_text, teams_text):
        assert "Quiet Harbour Books" in text and "Slow Parcel Atelier" in text
        assert not any(name in text for name in UNSELLABLE)
    assert choose(harbour["blocks"], "plum-1001")["value"]
    assert "No vouchers found" in block_text(mariner["blocks"])
    assert (
        plum.calls["getVouchers"] == 1
    )  # the cached copy answers searches: Plum's quota is untouched


# --- purchases ----------------------------------------------------------------------------------


async def test_a_slack_purchase_delivers_the_plum_voucher_with_its_expiry_in_a_dm(
    slack_purchase: SlackPurchase, db: BotDatabase, plum: FakePlum
) -> None:
    voucher = await db.voucher(slack_purchase.order_id)
    issued = plum_voucher(plum, slack_purchase.order_id)

    (message,) = slack_vouchers(slack_purchase.user)

    assert voucher is not None and voucher.code == issued["voucherCode"]
    assert voucher.expires_on == date.fromisoformat(issued["validity"])
    assert (
        voucher.provider == "xoxoday"
        and voucher.provider_reference == f"plum-order-{issued['orderId']}"
    )
    text = block_text(message.blocks)
    assert f"`{voucher.code}`" in text and localizer("en-US").date(voucher.expires_on) in text
    assert "Quiet Harbour Books" in text and slack_purchase.order_id in text
    assert voucher.code not in message.text
    assert order_texts(slack_purchase.user)[-1].endswith("Voucher ready")


async def test_a_teams_purchase_delivers_the_plum_voucher_with_pin_and_expiry_in_the_chat(
    teams_purchase: TeamsPurchase, db: BotDatabase, plum: FakePlum
) -> None:
    voucher = await db.voucher(teams_purchase.order_id)
    issued = plum_voucher(plum, teams_purchase.order_id)

    (card,) = teams_purchase.chat.voucher_cards()

    assert voucher is not None and (voucher.code, voucher.pin) == (
        issued["voucherCode"],
        issued["pin"],
    )
    assert voucher.expires_on == date.fromisoformat(issued["validity"])
    text = card_text(card.card)
    assert card.conversation_id == teams_purchase.chat.conversation_id
    assert (
        voucher.code in text
        and issued["pin"] in text
        and localizer("en-US").date(voucher.expires_on) in text
    )
    assert "€30" in text and teams_purchase.order_id in text


async def test_plum_got_exactly_one_place_order_per_order_with_the_order_id_as_po_number(
    slack_purchase: SlackPurchase, teams_purchase: TeamsPurchase, plum: FakePlum
) -> None:
    expected = {slack_purchase.order_id: (1001, 25), teams_purchase.order_id: (1002, 30)}

    for order_id, (product_id, denomination) in expected.items():
        (request,) = place_orders_for(plum, order_id)
        assert (request["productId"], request["denomination"], request["quantity"]) == (
            product_id,
            denomination,
            1,
        )
    assert plum.vouchers_issued == 2


async def test_the_plum_tokens_are_kept_encrypted_in_the_database_and_never_logged(
    slack_purchase: SlackPurchase, bot: BotProcess, db: BotDatabase, plum: FakePlum
) -> None:
    secrets = stored_secrets(db)
    raw = db.raw_bytes()
    logs = bot.logs()

    assert set(secrets) == {TOKENS} and secrets[TOKENS]
    assert plum.refreshes == 1 and plum.access_tokens
    for token in (plum.refresh_token, *plum.access_tokens):
        assert token not in secrets[TOKENS] and token.encode() not in raw and token not in logs
    voucher = plum_voucher(plum, slack_purchase.order_id)["voucherCode"]
    assert voucher.encode() not in raw and voucher not in logs


async def test_catalog_sync_on_the_command_line_prints_the_counts_and_refreshes_the_cache(
    bot: BotProcess, db: BotDatabase, plum: FakePlum
) -> None:
    before = await db.last_synced("xoxoday")
    calls = plum.calls["getVouchers"]

    code, out, err = await run_voucherbot(bot, "catalog", "sync")

    assert code == 0, err
    assert out.strip() == "fetched 7, mapped 5, skipped 2 in 1 calls"
    assert plum.calls["getVouchers"] == calls + 1
    after = await db.last_synced("xoxoday")
    assert before is not None and after is not None and after > before
    assert {p.id for p in await db.synced_catalog("xoxoday")} == SELLABLE
    assert plum.refreshes == 1  # it used the access token the server stored, rotating nothing


# --- what can go wrong ----------------------------------------------------------------------------


async def test_a_short_plum_wallet_fails_the_order_refunds_the_card_and_tells_the_buyer(
    bot: BotProcess,
    db: BotDatabase,
    plum: FakePlum,
    local: LocalStripe,
    stripe_events: StripeEvents,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "plum-short")
    order_card = await order_in_teams(chat, "northwind cinema", "plum-1003", "30")
    order = await db.only_order_of(chat.user_key)
    plum.balance = Decimal(12)
    try:
        await pay(local, order)
        await eventually(
            lambda: _order_status(db, order.id, OrderStatus.REFUNDED),
            what="the order to be refunded",
        )
    finally:
        plum.balance = Decimal(1000)

    stored = await db.order(order.id)
    assert "insufficient Plum wallet balance" in stored.failure_reason
    assert await db.voucher(order.id) is None and place_orders_for(plum, order.id) == []
    assert order.payment_intent_id is not None
    (refund,) = await refunds_of(local, order.payment_intent_id)
    assert (refund.amount, refund.status) == (3000, "succeeded")
    await eventually(lambda: db.all_sent(order.id), what="the buyer to be told")
    updates = [card_text(c.card) for c in chat.calls() if c.message_id == order_card.message_id]
    assert "Refunded" in updates[-1] and "payment is being refunded" in updates[-1]
    assert "Plum" not in updates[-1]  # the provider's detail is for operators, not the buyer
    assert chat.voucher_cards() == []
    intent = order.payment_intent_id
    await eventually(
        lambda: stripe_events.of("charge.refunded", intent), what="Stripe's refund notification"
    )
    (alert,) = [a for a in alerts(bot) if order.id in a["message"]]
    assert "Top up the wallet" in alert["message"] and alert["level"] == "error"


async def test_a_delayed_plum_voucher_is_issued_after_polling_and_the_buyer_hears_it_is_on_its_way(
    bot: BotProcess,
    db: BotDatabase,
    plum: FakePlum,
    local: LocalStripe,
    fake_slack: FakeSlack,
    http: aiohttp.ClientSession,
) -> None:
    mary = SlackUser(bot, fake_slack, http, "U0PLUMMARY")
    order = await buy_in_slack(mary, db, "slow parcel", "plum-1004", "$20")
    polls_before = plum.calls["getOrderDetails"]

    await pay(local, order)
    told = await eventually(
        lambda: [t for t in order_texts(mary) if t.endswith("Paid, your voucher is on its way")],
        what="the buyer to hear the voucher is on its way",
    )
    assert plum.orders[order.id].status == "pending" and slack_vouchers(mary) == []
    await eventually(
        lambda: db.delivered(order.id), timeout=30, what="the delayed voucher to be delivered"
    )

    # Updated in place: the order message itself says so (perhaps rendered twice, never a second
    # message).
    assert set(told) == {"Slow Parcel Atelier $20: Paid, your voucher is on its way"}
    assert order_texts(mary)[-1] == "Slow Parcel Atelier $20: Voucher ready"
    assert plum.orders[order.id].status == "complete" and len(place_orders_for(plum, order.id)) == 1
    # Looked for the PO before buying, then asked again until Plum delivered (delayed_polls = 2).
    assert plum.calls["getOrderDetails"] - polls_before >= 3
    voucher = await db.voucher(order.id)
    assert voucher is not None and voucher.code == plum_voucher(plum, order.id)["voucherCode"]
    (message,) = slack_vouchers(mary)
    text = block_text(message.blocks)
    assert f"`{voucher.code}`" in text and localizer("en-US").date(voucher.expires_on) in text
    assert "delivered within 5 business days" in text


async def test_an_order_whose_plum_answer_comes_late_is_recovered_with_the_same_po_and_one_voucher(
    bot: BotProcess,
    db: BotDatabase,
    plum: FakePlum,
    local: LocalStripe,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "plum-late")
    await order_in_teams(chat, "quiet harbour", "plum-1001", "10")
    order = await db.only_order_of(chat.user_key)
    issued_before = plum.vouchers_issued
    # Plum buys at once but answers only after the recovery loop has given up waiting (2 s) and
    # asked again.
    plum.stall_next_order(5, after_processing=True)

    await pay(local, order)
    await eventually(lambda: db.delivered(order.id), what="the recovered voucher to be delivered")
    await eventually(lambda: _late_answer_ignored(bot, order.id), what="the late placeOrder answer")

    assert len(place_orders_for(plum, order.id)) == 1 and plum.vouchers_issued == issued_before + 1
    voucher = await db.voucher(order.id)
    assert voucher is not None and voucher.code == plum_voucher(plum, order.id)["voucherCode"]
    (card,) = chat.voucher_cards()
    assert voucher.code in card_text(card.card)


def _late_answer_ignored(bot: BotProcess, order_id: str) -> bool:
    lines = (json.loads(line) for line in bot.logs().splitlines() if line.startswith("{"))
    return any(
        e["message"] == "voucher already issued" and e.get("order_id") == order_id for e in lines
    )


async def _order_status(db: BotDatabase, order_id: str, status: OrderStatus) -> bool:
    return (await db.order(order_id)).status is status
