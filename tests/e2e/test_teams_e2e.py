"""Teams end to end: real activities into the real server, cards out to a strict fake Bot Connector.

The server runs in Emulator mode (no app id) with STRIPE_* pointing at the test's localstripe. One
buyer goes through with Action.Submit, another with Action.Execute; both pay in the task/fetch
dialog's page and get the voucher card proactively. A second server with Bot Framework credentials
refuses requests without a valid token.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.i18n import localizer
from adapters.stripe_local import LocalStripe
from core.orders import OrderStatus
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import start_bot, stop_bot, stripe_env
from tests.e2e.world import BotDatabase, TeamsChat, eventually, order_in_teams, sample_product
from tests.fake_connector import ADAPTIVE_CARD, FakeConnector, card_problems
from tests.localstripe_server import confirm_server_side
from tests.teams.conftest import actions, card_text, press

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEA = sample_product("lantern-tea-house")  # USD 12.50/25/50, code + PIN, 365 days
OUTFITTERS = sample_product(
    "northwind-outfitters-us"
)  # USD 20 to 500 in steps of 5, a redemption URL
APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    data_dir: Path, local: LocalStripe, connector: FakeConnector
) -> AsyncIterator[BotProcess]:
    process = await start_bot(data_dir, stripe_env(local), local)
    yield process
    await stop_bot(process)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def db(bot: BotProcess) -> AsyncIterator[BotDatabase]:
    database = BotDatabase(bot.data_dir)
    yield database
    await database.close()


def pay_button(card: dict[str, Any]) -> dict[str, Any]:
    """The Pay button: an Action.Submit that Teams turns into a task/fetch invoke."""
    (pay,) = [
        a for a in actions(card) if (a.get("data") or {}).get("msteams") == {"type": "task/fetch"}
    ]
    return pay


async def test_a_buyer_chooses_with_action_submit_pays_in_the_dialog_and_gets_the_voucher_proactively(
    bot: BotProcess,
    db: BotDatabase,
    local: LocalStripe,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "submit")
    order_card = await order_in_teams(chat, "tea", TEA.id, "25")
    order = await db.only_order_of(chat.user_key)
    assert order.status is OrderStatus.AWAITING_PAYMENT and order.payment_intent_id

    status, body = await chat.post(chat.task_fetch(pay_button(order_card.card)["data"]))
    assert status == 200 and body["task"]["type"] == "continue"
    dialog = body["task"]["value"]
    assert (
        dialog["url"] == f"{bot.url}/checkout/{order.checkout_token}"
        and dialog["title"] == "Pay $25 for Lantern Tea House"
    )
    async with http.get(dialog["url"]) as page:
        assert page.status == 200 and "Lantern Tea House" in await page.text()
    assert await confirm_server_side(local, order.payment_intent_id) == "succeeded"

    (card,) = await eventually(chat.voucher_cards, what="the voucher card in the chat")
    voucher = await db.voucher(order.id)
    assert voucher is not None and voucher.pin
    text = card_text(card.card)
    assert card.conversation_id == chat.conversation_id
    assert (
        voucher.code in text
        and voucher.pin in text
        and localizer("en-US").date(voucher.expires_on) in text
    )
    assert voucher.expires_on == TEA.expiry.expires_on(voucher.issued_at.date())
    assert "$25" in text and order.id in text
    await eventually(lambda: db.delivered(order.id), what="the order to be delivered")
    updates = [
        c for c in chat.calls() if c.kind == "update" and c.message_id == order_card.message_id
    ]
    assert "Voucher ready" in card_text(updates[-1].card)


async def test_vouchers_mine_shows_the_voucher_bought_in_teams(
    bot: BotProcess,
    db: BotDatabase,
    local: LocalStripe,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "wallet")
    order_card = await order_in_teams(chat, "tea", TEA.id, "12.50")
    order = await db.only_order_of(chat.user_key)
    assert order.payment_intent_id is not None
    assert await confirm_server_side(local, order.payment_intent_id) == "succeeded"
    await eventually(lambda: db.delivered(order.id), what="the voucher to be delivered")
    voucher = await db.voucher(order.id)
    assert voucher is not None

    wallet = await chat.answer_to(chat.message("vouchers mine"))

    text = card_text(wallet.card)
    assert wallet.kind == "reply" and order_card.message_id != wallet.message_id
    assert "Your vouchers" in text and "Lantern Tea House" in text
    assert voucher.code in text and localizer("en-US").date(voucher.expires_on) in text


async def test_a_buyer_chooses_with_action_execute_and_the_voucher_arrives_proactively(
    bot: BotProcess,
    db: BotDatabase,
    local: LocalStripe,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "execute")
    catalog = await chat.answer_to(chat.message("vouchers outfitters"))

    status, chosen = await chat.post(
        chat.execute(catalog, press(catalog.card, "Choose", product=OUTFITTERS.id))
    )
    assert (
        status == 200 and chosen["type"] == ADAPTIVE_CARD and card_problems(chosen["value"]) == []
    )
    status, bought = await chat.post(
        chat.execute(catalog, press(chosen["value"], "Continue to payment", {"amount": "35"}))
    )
    assert (
        status == 200 and bought["type"] == ADAPTIVE_CARD and card_problems(bought["value"]) == []
    )
    order = await db.only_order_of(chat.user_key)
    assert (order.amount.minor, order.amount.currency, order.status) == (
        3500,
        "USD",
        OrderStatus.AWAITING_PAYMENT,
    )
    assert json.loads(order.conversation.address)["card"] == catalog.message_id

    status, body = await chat.post(chat.task_fetch(pay_button(bought["value"])["data"]))
    assert (
        status == 200
        and body["task"]["value"]["url"] == f"{bot.url}/checkout/{order.checkout_token}"
    )
    assert order.payment_intent_id is not None
    assert await confirm_server_side(local, order.payment_intent_id) == "succeeded"

    (card,) = await eventually(chat.voucher_cards, what="the voucher card in the chat")
    await eventually(lambda: db.delivered(order.id), what="the order to be delivered")
    voucher = await db.voucher(order.id)
    assert voucher is not None and voucher.redeem_url
    assert voucher.code in card_text(card.card) and localizer("en-US").date(
        voucher.expires_on
    ) in card_text(card.card)
    # The card the person tapped, replaced by the invoke answers, is updated in place as the order
    # moves on.
    updates = [c for c in chat.calls() if c.kind == "update" and c.message_id == catalog.message_id]
    assert updates and "Voucher ready" in card_text(updates[-1].card)
    assert (
        len(chat.calls()) == 1 + len(updates) + 1
    )  # the catalog, its updates, the voucher: nothing else


def _segment(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# Well-formed and unexpired, for our app id, signed by nobody Bot Framework trusts.
FORGED = ".".join(
    (
        _segment({"alg": "RS256", "kid": "k1", "typ": "JWT"}),
        _segment({"iss": "https://login.example.com", "aud": APP_ID, "exp": 4102444800}),
        "c2lnbmF0dXJl",
    )
)


async def test_with_bot_framework_credentials_a_request_without_a_valid_token_gets_401(
    tmp_path: Path, connector: FakeConnector, http: aiohttp.ClientSession
) -> None:
    secured = await BotProcess(
        tmp_path, {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "pw-e2e"}
    ).start()
    try:
        chat = TeamsChat(secured.url, connector, http, "secured")
        statuses = [
            (await chat.post(chat.message("vouchers")))[0],
            (await chat.post(chat.message("vouchers"), {"Authorization": "Bearer not-a-jwt"}))[0],
            (await chat.post(chat.message("vouchers"), {"Authorization": f"Bearer {FORGED}"}))[0],
        ]
    finally:
        await stop_bot(secured)

    assert statuses == [401, 401, 401]
    assert [c for c in connector.calls if c.conversation_id == chat.conversation_id] == []
