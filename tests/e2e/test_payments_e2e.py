"""Issue 2 end to end: a real server paid through the test's localstripe turns one payment into one
voucher.

The server runs as its own process (`voucherbot serve`) with STRIPE_* pointing at a localstripe this
test runs, and Teams in Emulator mode; a buyer orders through Teams activities whose serviceUrl is a
fake Bot Connector. localstripe signs its webhooks and posts them to the server, and to a recorder
here, so the very same event can be replayed, concurrently and forged.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from adapters.i18n import localizer
from adapters.stripe_local import LocalStripe
from core.orders import OrderStatus
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import start_bot, stop_bot, stripe_env
from tests.e2e.world import (
    BotDatabase,
    StripeEvents,
    TeamsChat,
    eventually,
    order_in_teams,
    sample_product,
    stripe_signature,
)
from tests.fake_connector import FakeConnector
from tests.localstripe_server import DECLINED, WEBHOOK_SECRET, confirm_server_side
from tests.teams.conftest import button, card_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

BOOKS = sample_product(
    "quiet-harbour-books"
)  # GBP 10/20/50, code only, expires 730 days after issue
SUCCEEDED = "payment_intent.succeeded"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    data_dir: Path, local: LocalStripe, stripe_events: StripeEvents, connector: FakeConnector
) -> AsyncIterator[BotProcess]:
    process = await start_bot(data_dir, stripe_env(local), local)
    yield process
    await stop_bot(process)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def db(bot: BotProcess) -> AsyncIterator[BotDatabase]:
    database = BotDatabase(bot.data_dir)
    yield database
    await database.close()


@dataclass(frozen=True)
class Paid:
    """An order placed in Teams and paid by card, with its voucher delivered."""

    chat: TeamsChat
    order_id: str
    intent_id: str
    vouchers_before: int


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def paid(
    bot: BotProcess,
    db: BotDatabase,
    local: LocalStripe,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
) -> Paid:
    vouchers_before = await db.vouchers_issued()
    chat = TeamsChat(bot.url, connector, http, "paid")
    await order_in_teams(chat, "books", BOOKS.id, "20")
    order = await db.only_order_of(chat.user_key)
    assert order.payment_intent_id is not None
    assert await confirm_server_side(local, order.payment_intent_id) == "succeeded"
    await eventually(
        lambda: db.delivered(order.id), what="the voucher of the paid order to be delivered"
    )
    return Paid(chat, order.id, order.payment_intent_id, vouchers_before)


async def post_webhook(
    http: aiohttp.ClientSession, bot: BotProcess, body: bytes, signature: str | None
) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    async with http.post(f"{bot.url}/stripe/webhook", data=body, headers=headers) as response:
        return response.status


async def test_the_order_placed_in_teams_awaits_payment_on_the_servers_checkout_page(
    bot: BotProcess, db: BotDatabase, connector: FakeConnector, http: aiohttp.ClientSession
) -> None:
    chat = TeamsChat(bot.url, connector, http, "checkout-page")

    order_card = await order_in_teams(chat, "books", BOOKS.id, "50")

    order = await db.only_order_of(chat.user_key)
    assert (order.product_id, order.amount.minor, order.amount.currency) == (BOOKS.id, 5000, "GBP")
    assert order.status is OrderStatus.AWAITING_PAYMENT
    url = button(order_card.card, "Open in browser")["url"]
    assert url == f"{bot.url}/checkout/{order.checkout_token}"
    async with http.get(url) as page:
        html = await page.text()
    assert page.status == 200 and "Quiet Harbour Books" in html and "50" in html


async def test_a_card_payment_yields_exactly_one_voucher_with_the_catalog_expiry(
    paid: Paid, db: BotDatabase, stripe_events: StripeEvents
) -> None:
    order = await db.order(paid.order_id)
    voucher = await db.voucher(paid.order_id)

    assert order.status is OrderStatus.DELIVERED
    assert voucher is not None and voucher.code
    assert await db.vouchers_issued() == paid.vouchers_before + 1
    assert len(stripe_events.of(SUCCEEDED, paid.intent_id)) == 1
    assert voucher.expires_on == BOOKS.expiry.expires_on(voucher.issued_at.date())
    assert (voucher.expires_on - voucher.issued_at.date()).days == 730
    assert voucher.amount.minor == 2000 and voucher.amount.currency == "GBP"


async def test_the_voucher_card_reaches_the_buyers_chat_with_code_expiry_and_instructions(
    paid: Paid, db: BotDatabase
) -> None:
    voucher = await db.voucher(paid.order_id)
    assert voucher is not None

    (card,) = paid.chat.voucher_cards()

    text = card_text(card.card)
    assert card.conversation_id == paid.chat.conversation_id
    assert voucher.code in text and paid.order_id in text
    assert localizer("en-US").date(voucher.expires_on) in text
    assert "Show the code at any Quiet Harbour till" in text
    order_cards = [
        c for c in paid.chat.calls() if c.kind == "update" and "Voucher ready" in card_text(c.card)
    ]
    assert order_cards, "the order card was not updated to say the voucher is ready"


async def test_the_voucher_code_is_stored_encrypted_and_never_logged(
    paid: Paid, db: BotDatabase, bot: BotProcess
) -> None:
    voucher = await db.voucher(paid.order_id)
    assert voucher is not None

    raw = db.raw_bytes()

    assert len(raw) > 0 and voucher.code.encode() not in raw
    assert voucher.code not in bot.logs()


async def test_replaying_the_signed_event_five_times_and_from_ten_tasks_changes_nothing(
    paid: Paid,
    db: BotDatabase,
    bot: BotProcess,
    stripe_events: StripeEvents,
    http: aiohttp.ClientSession,
) -> None:
    (body,) = stripe_events.of(SUCCEEDED, paid.intent_id)
    before = await db.dump()
    delivered = len(paid.chat.calls())

    one_by_one = [
        await post_webhook(http, bot, body, stripe_signature(body, WEBHOOK_SECRET))
        for _ in range(5)
    ]
    at_once = await asyncio.gather(
        *(post_webhook(http, bot, body, stripe_signature(body, WEBHOOK_SECRET)) for _ in range(10))
    )

    assert one_by_one == [200] * 5 and list(at_once) == [200] * 10
    assert await db.dump() == before
    assert await db.outbox_depth() == 0 and len(paid.chat.calls()) == delivered
    assert len(paid.chat.voucher_cards()) == 1


async def test_a_forged_signature_gets_400_and_changes_nothing(
    bot: BotProcess,
    db: BotDatabase,
    paid: Paid,
    stripe_events: StripeEvents,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
) -> None:
    # The attack worth stopping: a "succeeded" event for an order nobody paid for.
    chat = TeamsChat(bot.url, connector, http, "forger")
    await order_in_teams(chat, "books", BOOKS.id, "10")
    unpaid = await db.only_order_of(chat.user_key)
    event = json.loads(stripe_events.of(SUCCEEDED, paid.intent_id)[0])
    event["id"] = "evt_forged_0001"
    event["data"]["object"].update(
        id=unpaid.payment_intent_id, amount=1000, metadata={"order_id": unpaid.id}
    )
    forged = json.dumps(event).encode()
    before = await db.dump()

    statuses = [
        await post_webhook(
            http, bot, forged, stripe_signature(forged, "whsec_guessed_by_an_attacker")
        ),
        await post_webhook(
            http, bot, forged, stripe_signature(forged, WEBHOOK_SECRET, timestamp=1_000_000)
        ),
        await post_webhook(http, bot, forged, "t=1,v1=" + "0" * 64),
        await post_webhook(http, bot, forged, None),
    ]

    assert statuses == [400, 400, 400, 400]
    assert await db.dump() == before
    assert (await db.order(unpaid.id)).status is OrderStatus.AWAITING_PAYMENT
    assert await db.voucher(unpaid.id) is None and chat.voucher_cards() == []


async def test_a_declined_card_fails_the_order_and_the_buyer_is_told(
    bot: BotProcess,
    db: BotDatabase,
    local: LocalStripe,
    connector: FakeConnector,
    http: aiohttp.ClientSession,
) -> None:
    chat = TeamsChat(bot.url, connector, http, "declined")
    order_card = await order_in_teams(chat, "books", BOOKS.id, "10")
    order = await db.only_order_of(chat.user_key)
    assert order.payment_intent_id is not None

    status = await confirm_server_side(local, order.payment_intent_id, DECLINED)

    assert status == "requires_payment_method"
    failed = await eventually(
        lambda: _failed_card(chat, order_card.message_id),
        what="the order card to say the payment failed",
    )
    assert (
        button(failed, f"Try again, pay {localizer('en-US').money(order.amount)}")["data"]["order"]
        == order.id
    )
    stored = await db.order(order.id)
    assert stored.status is OrderStatus.FAILED and stored.failure_reason
    assert stored.failure_reason in card_text(failed)
    assert await db.voucher(order.id) is None and chat.voucher_cards() == []


def _failed_card(chat: TeamsChat, message_id: str) -> dict[str, object] | None:
    updates = [c for c in chat.calls() if c.kind == "update" and c.message_id == message_id]
    cards = [c.card for c in updates if "Payment failed" in card_text(c.card)]
    return cards[-1] if cards else None
