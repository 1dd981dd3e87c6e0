"""Teams gifts end to end: `gift @Grace …` in a chat with the real server, paid in localstripe.

Grace's 1:1 chat with the bot is created for the gift and receives the voucher and the note; the
buyer's chat gets the order card and a receipt, and never the code.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from adapters.i18n import localizer
from adapters.stripe_local import LocalStripe
from adapters.teams.gift_extension import COMMAND_ID as GIFT_COMMAND
from core.orders import Order, OrderStatus
from core.rewards import Reward, RewardStatus
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import start_bot, stop_bot, stripe_env
from tests.e2e.world import (
    TENANT,
    BotDatabase,
    StripeEvents,
    TeamsChat,
    eventually,
    sample_product,
)
from tests.fake_connector import Call, FakeConnector, card_problems
from tests.localstripe_server import confirm_server_side
from tests.teams.conftest import GRACE, card_text, press, with_mentions

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEA = sample_product("lantern-tea-house")  # USD 12.50/25/50, code + PIN
GRACE_CHAT = f"a:personal-{GRACE.id}"  # the 1:1 chat the fake Connector opens for Grace


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    data_dir: Path, local: LocalStripe, connector: FakeConnector
) -> AsyncIterator[BotProcess]:
    env = {
        **stripe_env(local),
        "TEST_CLOCK_FILE": str(data_dir / "clock"),
    }  # moved by the scheduled test
    process = await start_bot(data_dir, env, local)
    yield process
    await stop_bot(process)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def db(bot: BotProcess) -> AsyncIterator[BotDatabase]:
    database = BotDatabase(bot.data_dir)
    yield database
    await database.close()


def gift_message(chat: TeamsChat, connector: FakeConnector, text: str) -> dict[str, object]:
    connector.add_members(chat.conversation_id, GRACE)  # Grace is someone the buyer can mention
    return with_mentions(chat.message(""), text, GRACE)


async def test_a_gift_reaches_the_colleagues_personal_chat_and_the_buyer_gets_a_receipt_without_the_code(
    bot: BotProcess,
    db: BotDatabase,
    local: LocalStripe,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "gift-now")

    order_card = await chat.answer_to(
        gift_message(chat, connector, f"gift {{0}} {TEA.id} 25 Thank you for everything")
    )
    order = await db.only_order_of(chat.user_key)
    assert order.status is OrderStatus.AWAITING_PAYMENT and "Lantern Tea House" in card_text(
        order_card.card
    )
    assert await confirm_server_side(local, order.payment_intent_id or "") == "succeeded"
    await eventually(lambda: db.delivered(order.id), what="the gift to be delivered")

    voucher = await db.voucher(order.id)
    assert voucher is not None and voucher.owner.user_id == GRACE.aad and voucher.pin
    (gift,) = [c for c in connector.in_conversation(GRACE_CHAT) if c.cards]
    text = card_text(gift.card)
    assert voucher.code in text and voucher.pin in text
    assert "Ada Lovelace sent you a gift" in text and "Thank you for everything" in text

    receipt = await eventually(
        lambda: [c for c in chat.calls() if c.cards and "Receipt" in card_text(c.card)],
        what="the receipt",
    )
    assert "Grace Hopper" in card_text(receipt[0].card)
    wallet = await chat.answer_to(chat.message("vouchers mine"))
    assert "Gifts you sent" in card_text(wallet.card)

    shown_to_buyer = json.dumps([c.body for c in chat.calls()])
    async with http.get(f"{bot.url}/checkout/{order.checkout_token}") as page:
        shown_to_buyer += await page.text()
    async with http.get(f"{bot.url}/checkout/{order.checkout_token}/status") as status_json:
        assert status_json.status == 200
        shown_to_buyer += await status_json.text()  # the page's poll: an API answer to the buyer
    assert voucher.code not in shown_to_buyer and voucher.pin not in shown_to_buyer
    assert voucher.pin not in bot.logs()
    assert voucher.code not in bot.logs()


async def test_a_scheduled_gift_is_held_and_cancelling_it_refunds_the_buyer(
    bot: BotProcess,
    db: BotDatabase,
    local: LocalStripe,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
    stripe_events: StripeEvents,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "gift-later")
    before = len(connector.in_conversation(GRACE_CHAT))
    day = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()

    order, receipt = await _paid_gift(
        chat, f"gift {{0}} {TEA.id} 12.50 on {day} 10:00 Cheers", db, local, connector
    )
    at = datetime.fromisoformat(
        f"{day}T10:00+00:00"
    )  # the sender's time zone; Teams sent none: UTC
    assert f"Scheduled for {localizer('en-US').datetime(at)} UTC" in card_text(receipt[0].card)
    assert (await db.order(order.id)).status is OrderStatus.ISSUED
    assert len(connector.in_conversation(GRACE_CHAT)) == before

    cancelled = await chat.answer_to(
        chat.submit(receipt[0], press(receipt[0].card, "Cancel and refund"))
    )

    assert "Cancelled" in card_text(cancelled.card) and "(refunded)" in card_text(cancelled.card)
    intent = order.payment_intent_id or ""
    await eventually(
        lambda: stripe_events.of("charge.refunded", intent), what="Stripe's charge.refunded"
    )
    assert (await db.order(order.id)).status is OrderStatus.REFUNDED
    assert len(connector.in_conversation(GRACE_CHAT)) == before


async def test_a_scheduled_gift_arrives_at_its_time_and_not_before(
    bot: BotProcess,
    db: BotDatabase,
    local: LocalStripe,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "gift-on-time")
    day = (datetime.now(UTC) + timedelta(days=40)).date().isoformat()
    due = datetime.fromisoformat(f"{day}T07:30").replace(
        tzinfo=UTC
    )  # the chat's activities carry no zone
    before = len(connector.in_conversation(GRACE_CHAT))

    order, _ = await _paid_gift(
        chat, f"gift {{0}} {TEA.id} 50 on {day} 07:30 Well done", db, local, connector
    )
    with bot.moved_clock() as clock:
        clock.at(due, -60)
        await asyncio.sleep(2)
        assert len(connector.in_conversation(GRACE_CHAT)) == before

        clock.at(due, 1)
        await eventually(lambda: db.delivered(order.id), what="the scheduled gift to be delivered")
    voucher = await db.voucher(order.id)
    assert voucher is not None
    (gift,) = connector.in_conversation(GRACE_CHAT)[before:]
    assert voucher.code in card_text(gift.card) and "Well done" in card_text(gift.card)


async def test_a_scheduled_their_choice_gift_is_hidden_from_the_colleague_until_its_time(
    bot: BotProcess,
    db: BotDatabase,
    local: LocalStripe,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "choice-on-time")
    grace = TeamsChat(bot.url, connector, http, "grace-wallet", aad_object_id=GRACE.aad)
    day = (datetime.now(UTC) + timedelta(days=50)).date().isoformat()
    due = datetime.fromisoformat(f"{day}T07:30").replace(tzinfo=UTC)  # no zone in the activity
    before = len(connector.in_conversation(GRACE_CHAT))

    order, receipt = await _paid_gift(
        chat, f"gift {{0}} choice:USD 40 on {day} 07:30 Pick a treat", db, local, connector
    )
    assert "Their choice" in card_text(receipt[0].card) and "Scheduled for" in card_text(
        receipt[0].card
    )
    assert (await _reward_for(db, "Pick a treat")).status is RewardStatus.SCHEDULED
    assert "Pick a treat" not in card_text(
        (await grace.answer_to(grace.message("vouchers mine"))).card
    )

    with bot.moved_clock() as clock:
        clock.at(due, -60)  # a minute early
        await asyncio.sleep(2)
        assert len(connector.in_conversation(GRACE_CHAT)) == before

        clock.at(due, 1)
        notice = await eventually(
            lambda: connector.in_conversation(GRACE_CHAT)[before:], what="Grace's notice"
        )
    text = card_text(notice[0].card)
    assert "$40" in text and "Pick a treat" in text and "Choose your voucher" in text
    await eventually(lambda: _announced(db, "Pick a treat"), what="the reward marked sent")
    assert "Pick a treat" in card_text((await grace.answer_to(grace.message("vouchers mine"))).card)
    assert await db.voucher(order.id) is None  # no code exists until Grace chooses her voucher
    assert "Choose your voucher" not in shown(chat)


async def test_a_scheduled_their_choice_gift_cancelled_before_its_time_is_refunded_and_never_shown(
    bot: BotProcess,
    db: BotDatabase,
    local: LocalStripe,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
    stripe_events: StripeEvents,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "choice-cancel")
    day = (datetime.now(UTC) + timedelta(days=25)).date().isoformat()
    before = len(connector.in_conversation(GRACE_CHAT))

    order, receipt = await _paid_gift(
        chat, f"gift {{0}} choice:USD 25 on {day} 10:00 Surprise!", db, local, connector
    )
    funded = await db.budget("gifts-usd")

    cancelled = await chat.answer_to(
        chat.submit(receipt[0], press(receipt[0].card, "Cancel and refund"))
    )

    assert "Cancelled" in card_text(cancelled.card) and "(refunded)" in card_text(cancelled.card)
    intent = order.payment_intent_id or ""
    await eventually(
        lambda: stripe_events.of("charge.refunded", intent), what="Stripe's charge.refunded"
    )
    assert (await db.order(order.id)).status is OrderStatus.REFUNDED
    assert (await _reward_for(db, "Surprise!")).status is RewardStatus.WITHDRAWN
    budget = await db.budget("gifts-usd")
    assert budget.available == 0 and budget.credited == budget.reserved + budget.spent
    assert (budget.reserved, budget.spent) == (funded.reserved - 2500, funded.spent + 2500)

    due = datetime.fromisoformat(f"{day}T10:00").replace(tzinfo=UTC)
    with bot.moved_clock() as clock:
        clock.at(due, 60)  # past its time
        await asyncio.sleep(2)
    assert len(connector.in_conversation(GRACE_CHAT)) == before


def _receipts(chat: TeamsChat) -> list[Call]:
    return [c for c in chat.calls() if c.cards and "Receipt" in card_text(c.card)]


async def _paid_gift(
    chat: TeamsChat, message: str, db: BotDatabase, local: LocalStripe, connector: FakeConnector
) -> tuple[Order, list[Call]]:
    """Send a gift by a `gift` message ({0}: Grace), pay it with a card; the order and the receipts."""
    await chat.answer_to(gift_message(chat, connector, message))
    order = await db.only_order_of(chat.user_key)
    assert await confirm_server_side(local, order.payment_intent_id or "") == "succeeded"
    return order, await eventually(lambda: _receipts(chat), what="the receipt")


async def _announced(db: BotDatabase, reason: str) -> bool:
    return (await _reward_for(db, reason)).status is RewardStatus.SENT


async def _reward_for(db: BotDatabase, reason: str) -> Reward:
    (reward,) = [
        r for r in await db.rewards_of(f"teams:{TENANT}:{GRACE.aad}") if r.reason == reason
    ]
    return reward


async def test_send_as_a_gift_on_a_product_card_asks_who_and_the_gift_reaches_them(
    bot: BotProcess,
    db: BotDatabase,
    local: LocalStripe,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "gift-form")
    connector.add_members(chat.conversation_id, GRACE)
    before = len(connector.in_conversation(GRACE_CHAT))
    catalog = await chat.answer_to(chat.message("vouchers tea"))
    product = await chat.answer_to(
        chat.submit(catalog, press(catalog.card, "Choose", product=TEA.id))
    )

    form = await chat.answer_to(
        chat.submit(product, press(product.card, "Send as a gift", {"amount": "25"}))
    )
    assert "Send Lantern Tea House as a gift" in card_text(form.card)
    picked = {"to": GRACE.aad, "date": "", "time": "", "note": "From the whole team"}
    order_card = await chat.answer_to(
        chat.submit(form, press(form.card, "Continue to payment", picked))
    )

    order = await db.only_order_of(chat.user_key)
    assert "Lantern Tea House" in card_text(order_card.card)
    assert await confirm_server_side(local, order.payment_intent_id or "") == "succeeded"
    await eventually(lambda: db.delivered(order.id), what="the gift to be delivered")
    (gift,) = connector.in_conversation(GRACE_CHAT)[before:]
    voucher = await db.voucher(order.id)
    assert voucher is not None and voucher.code in card_text(gift.card)
    assert "From the whole team" in card_text(gift.card) and voucher.code not in shown(chat)


E2E_CHANNEL = "19:e2e-launch@thread.tacv2"  # where the buyer opens "Send a gift" on Grace's message
ON_GRACES_MESSAGE = {
    "id": "1700000000001",
    "messageType": "message",
    "body": {"contentType": "html", "content": "<p>The launch went out!</p>"},
    "from": {"user": {"id": GRACE.aad, "displayName": GRACE.name, "userIdentityType": "aadUser"}},
}


def in_channel(activity: dict[str, object]) -> dict[str, object]:
    """The invoke as it comes from a team channel rather than the buyer's chat with the bot."""
    conversation = {
        "id": E2E_CHANNEL,
        "conversationType": "channel",
        "isGroup": True,
        "tenantId": TENANT,
    }
    return {**activity, "conversation": conversation}


async def test_send_a_gift_on_a_colleagues_message_puts_the_order_in_the_buyers_personal_chat(
    bot: BotProcess,
    db: BotDatabase,
    local: LocalStripe,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "gift-extension")
    connector.add_members(E2E_CHANNEL, GRACE)
    before = len(connector.in_conversation(GRACE_CHAT))

    fetch = chat.extension(
        "composeExtension/fetchTask", GIFT_COMMAND, messagePayload=ON_GRACES_MESSAGE
    )
    status, fetched = await chat.post(in_channel(fetch))
    assert status == 200 and fetched["task"]["type"] == "continue"
    form = fetched["task"]["value"]["card"]["content"]
    assert card_problems(form) == [] and "Grace Hopper" in json.dumps(form)
    typed = {
        "to": GRACE.aad,
        "email": "",
        "product": TEA.id,
        "amount": "25",
        "date": "",
        "time": "",
    }
    data = press(form, "Continue to payment", {**typed, "note": "Happy launch day"})
    submit = chat.extension("composeExtension/submitAction", GIFT_COMMAND, data)
    status, submitted = await chat.post(in_channel(submit))

    assert status == 200 and submitted["task"]["type"] == "message"
    assert "personal chat" in submitted["task"]["value"]
    order = await db.only_order_of(chat.user_key)
    (order_card,) = connector.in_conversation(chat.personal_chat_id)
    assert "Lantern Tea House" in card_text(order_card.card)
    assert connector.in_conversation(E2E_CHANNEL) == []  # nothing about the gift in the channel
    assert await confirm_server_side(local, order.payment_intent_id or "") == "succeeded"
    await eventually(lambda: db.delivered(order.id), what="the gift to be delivered")

    voucher = await db.voucher(order.id)
    assert voucher is not None and voucher.owner.user_id == GRACE.aad
    (gift,) = connector.in_conversation(GRACE_CHAT)[before:]
    assert voucher.code in card_text(gift.card) and "Happy launch day" in card_text(gift.card)
    receipt = await eventually(
        lambda: [
            c
            for c in connector.in_conversation(chat.personal_chat_id)
            if c.cards and "Receipt" in card_text(c.card)
        ],
        what="the receipt in the buyer's personal chat",
    )
    assert "Grace Hopper" in card_text(receipt[0].card)
    buyer_saw = json.dumps(
        [fetched, submitted, *(c.body for c in connector.in_conversation(chat.personal_chat_id))]
    )
    assert voucher.code not in buyer_saw and (voucher.pin or "") not in buyer_saw


async def test_a_gift_scheduled_in_the_dialog_is_cancelled_from_the_buyers_personal_chat_and_refunded(
    bot: BotProcess,
    db: BotDatabase,
    local: LocalStripe,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
    stripe_events: StripeEvents,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "gift-extension-later")
    connector.add_members(E2E_CHANNEL, GRACE)
    before = len(connector.in_conversation(GRACE_CHAT))
    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    fetch = chat.extension("composeExtension/fetchTask", GIFT_COMMAND)
    _, fetched = await chat.post(in_channel(fetch))
    form = fetched["task"]["value"]["card"]["content"]
    typed = {"to": GRACE.aad, "email": "", "product": TEA.id, "amount": "50", "note": "Later!"}
    data = press(form, "Continue to payment", {**typed, "date": day, "time": "09:00"})
    await chat.post(in_channel(chat.extension("composeExtension/submitAction", GIFT_COMMAND, data)))
    order = await db.only_order_of(chat.user_key)
    assert await confirm_server_side(local, order.payment_intent_id or "") == "succeeded"

    def receipts() -> list[Call]:
        personal = connector.in_conversation(chat.personal_chat_id)
        return [c for c in personal if c.cards and "Receipt" in card_text(c.card)]

    (receipt,) = await eventually(receipts, what="the receipt in the buyer's personal chat")
    assert "Scheduled for" in card_text(receipt.card)
    cancel = chat.submit(receipt, press(receipt.card, "Cancel and refund"))
    cancel["conversation"] = {**cancel["conversation"], "id": chat.personal_chat_id}
    status, _ = await chat.post(cancel)

    assert status in (200, 201)
    intent = order.payment_intent_id or ""
    await eventually(
        lambda: stripe_events.of("charge.refunded", intent), what="Stripe's charge.refunded"
    )
    await eventually(
        lambda: [c for c in receipts() if "(refunded)" in card_text(c.card)],
        what="the receipt updated in place as refunded",
    )
    assert (await db.order(order.id)).status is OrderStatus.REFUNDED
    assert len(connector.in_conversation(GRACE_CHAT)) == before


def shown(chat: TeamsChat) -> str:
    """Everything the buyer's chat received, as text: a voucher code must never be in it."""
    return json.dumps([c.body for c in chat.calls()])
