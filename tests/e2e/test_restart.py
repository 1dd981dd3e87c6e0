"""A crash between payment and delivery: after `kill -9` and a restart on the same data, one voucher
card.

Teams answers 500 for a while, so the paid order's messages wait in the outbox; the server is killed
while they wait (never in the middle of a send: a claimed message would be leased for a minute),
then started again on the same DATA_DIR and port. The voucher card must arrive once, from the stored
outbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from adapters.i18n import localizer
from adapters.stripe_local import LocalStripe
from core.orders import OrderStatus
from core.outbox import MessageKind, MessageStatus
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import start_bot, stop_bot, stripe_env
from tests.e2e.world import BotDatabase, TeamsChat, eventually, order_in_teams, sample_product
from tests.fake_connector import FakeConnector
from tests.localstripe_server import confirm_server_side
from tests.teams.conftest import card_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

BOOKS = sample_product("quiet-harbour-books")
OUTAGE = 3  # failed deliveries before the crash; the third retry waits 2-4 s (core.outbox.Backoff)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    data_dir: Path, local: LocalStripe, connector: FakeConnector
) -> AsyncIterator[BotProcess]:
    process = await start_bot(data_dir, stripe_env(local), local)
    yield process
    await stop_bot(process)


async def waiting_between_retries(db: BotDatabase, order_id: str, connector: FakeConnector) -> bool:
    """The voucher is stored, Teams refused every attempt so far, and no message is mid-send right
    now."""
    if sum(c.status == 500 for c in connector.calls) < OUTAGE or await db.voucher(order_id) is None:
        return False
    pending = sorted(
        (m for m in await db.outbox(order_id) if m.status is MessageStatus.PENDING),
        key=lambda m: (m.created_at, m.id),
    )
    if MessageKind.VOUCHER_DELIVERY not in {m.kind for m in pending}:
        return False
    now = datetime.now(UTC)
    # Messages of a conversation go out in order: nothing is claimed before the oldest is due again.
    # A claimed message is leased for a minute; a retried one is due again within seconds.
    head_waits = pending[0].next_attempt_at > now + timedelta(seconds=0.5)
    none_leased = all(m.next_attempt_at < now + timedelta(seconds=30) for m in pending)
    return head_waits and none_leased


async def test_a_server_killed_between_payment_and_delivery_delivers_the_voucher_once_after_restart(
    bot: BotProcess, local: LocalStripe, connector: FakeConnector, http: aiohttp.ClientSession
) -> None:
    chat = TeamsChat(bot.url, connector, http, "restart")
    await order_in_teams(chat, "books", BOOKS.id, "20")
    db = BotDatabase(bot.data_dir)
    try:
        order = await db.only_order_of(chat.user_key)
        assert order.payment_intent_id is not None
        connector.fail_next(500, times=OUTAGE)  # Teams is down for a while
        assert await confirm_server_side(local, order.payment_intent_id) == "succeeded"
        await eventually(
            lambda: waiting_between_retries(db, order.id, connector),
            what="delivery to be pending between retries",
        )

        assert await bot.kill() != 0
        crashed_with = await db.order(order.id)
        assert crashed_with.status is OrderStatus.ISSUED and chat.voucher_cards() == []

        await bot.start()
        await eventually(
            lambda: db.delivered(order.id), timeout=30, what="the voucher after the restart"
        )
        voucher = await db.voucher(order.id)
        messages = await db.outbox(order.id)
        issued = await db.vouchers_issued()
    finally:
        await db.close()

    assert voucher is not None and issued == 1
    (card,) = chat.voucher_cards()
    assert voucher.code in card_text(card.card) and localizer("en-US").date(
        voucher.expires_on
    ) in card_text(card.card)
    assert card.conversation_id == chat.conversation_id
    assert [m.status for m in messages] == [MessageStatus.SENT] * len(messages)
    assert sum(m.kind is MessageKind.VOUCHER_DELIVERY for m in messages) == 1
    assert [c.status for c in connector.calls if c.status >= 300] == [500] * OUTAGE
