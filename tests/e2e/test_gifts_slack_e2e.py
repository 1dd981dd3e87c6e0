"""Slack gifts end to end: `/vouchers gift @grace …` through the real server, paid in localstripe.

The recipient gets the voucher and the note in her DM; the buyer gets a receipt and never the code,
in no message, response, wallet or page.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import pytest_asyncio

from adapters.stripe_local import LocalStripe
from core.orders import Order, OrderStatus
from core.rewards import Reward, RewardStatus
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import start_bot, stop_bot, stripe_env
from tests.e2e.test_slack_e2e import FORM, SlackUser, block_text
from tests.e2e.world import BotDatabase, StripeEvents, eventually
from tests.fake_slack import FakeSlack
from tests.localstripe_server import confirm_server_side
from tests.slack.conftest import BOT_TOKEN, FIXTURES, SIGNING_SECRET, TEAM, clicked

pytestmark = pytest.mark.asyncio(loop_scope="module")

GRACE = "U0E2EGRACE"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    fake.add_person(GRACE, "Grace Hopper", tz="Asia/Tokyo")
    yield fake
    await fake.close()
    assert fake.errors == [], f"Slack would have rejected: {fake.errors}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    data_dir: Path, local: LocalStripe, fake_slack: FakeSlack
) -> AsyncIterator[BotProcess]:
    env = {
        **stripe_env(local),
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake_slack.api_url,
        "TEST_CLOCK_FILE": str(data_dir / "clock"),  # moved forward by the scheduled-delivery test
    }
    process = await start_bot(data_dir, env, local)
    yield process
    await stop_bot(process)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def db(bot: BotProcess) -> AsyncIterator[BotDatabase]:
    database = BotDatabase(bot.data_dir)
    yield database
    await database.close()


def everything_ada_was_shown(fake: FakeSlack, ada: SlackUser, http_answers: list[object]) -> str:
    """Every message, update and response that reached Ada anywhere, as one text."""
    seen = [json.dumps(a) for a in http_answers]
    seen += [
        json.dumps(c.args)
        for c in fake.calls
        if c.method == "response_url" and c.target.startswith("ada")
    ]
    seen += [m.text + json.dumps(m.blocks) for m in fake.messages_in(ada.dm)]
    return "\n".join(seen)


async def test_a_gift_reaches_the_colleagues_dm_with_code_and_note_and_the_buyer_gets_a_receipt_only(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> None:
    ada = SlackUser(bot, fake_slack, http, "U0E2EADA")
    grace = SlackUser(bot, fake_slack, http, GRACE)
    answers: list[object] = []

    status, ack = await ada.command(
        f"gift <@{GRACE}|grace> quiet-harbour-books 20 Happy birthday, Grace!", "ada-gift"
    )
    assert status == 200
    answers.append(ack)
    summary = await ada.response("ada-gift")
    order = await db.only_order_of(ada.key)
    assert order.status is OrderStatus.AWAITING_PAYMENT
    assert "Pay £20" in block_text(summary["blocks"])

    assert await confirm_server_side(local, order.payment_intent_id or "") == "succeeded"
    await eventually(lambda: db.delivered(order.id), what="the gift to be delivered")

    voucher = await db.voucher(order.id)
    assert voucher is not None and voucher.owner.key == grace.key
    (gift,) = fake_slack.messages_in(grace.dm)
    text = block_text(gift.blocks)
    assert (
        f"`{voucher.code}`" in text
        and "Happy birthday, Grace!" in text
        and "sent you a gift" in text
    )
    assert voucher.code not in gift.text  # nor in the notification preview

    receipt = await eventually(
        lambda: [m for m in fake_slack.messages_in(ada.dm) if m.text.startswith("Receipt")],
        what="the receipt",
    )
    assert "Grace Hopper" in block_text(receipt[0].blocks) and "£20" in block_text(
        receipt[0].blocks
    )

    status, _ = await ada.command("mine", "ada-mine")
    wallet = await ada.response("ada-mine")
    assert "Gifts you sent" in block_text(wallet["blocks"]) and "Grace Hopper" in block_text(
        wallet["blocks"]
    )
    answers.append(wallet)
    async with http.get(f"{bot.url}/checkout/{order.checkout_token}") as page:
        answers.append(await page.text())
    async with http.get(f"{bot.url}/checkout/{order.checkout_token}/status") as status_json:
        assert status_json.status == 200
        answers.append(await status_json.text())  # the page's poll: an API answer to the buyer

    assert voucher.code not in everything_ada_was_shown(fake_slack, ada, answers)
    assert voucher.code not in bot.logs()


async def test_a_scheduled_gift_waits_and_its_cancel_refunds_it_without_reaching_the_colleague(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    http: aiohttp.ClientSession,
    stripe_events: StripeEvents,
) -> None:
    bob = SlackUser(bot, fake_slack, http, "U0E2EBOB")
    grace = SlackUser(bot, fake_slack, http, GRACE)
    before = len(fake_slack.messages_in(grace.dm))

    await bob.command(
        f"gift <@{GRACE}> quiet-harbour-books 10 on 2030-01-15 08:00 See you soon", "bob-gift"
    )
    notice = await bob.response("bob-gift")
    assert "up to a year ahead" in block_text(notice["blocks"])  # 2030 is too far ahead
    assert await db.orders_of(bob.key) == []

    order = await _paid_gift(
        bob,
        f"gift <@{GRACE}> quiet-harbour-books 10 on {_next_month()} 08:00 See you soon",
        "bob-gift2",
        db,
        local,
        fake_slack,
    )
    assert (await db.order(order.id)).status is OrderStatus.ISSUED  # paid and issued, not delivered
    assert len(fake_slack.messages_in(grace.dm)) == before

    await bob.command("mine", "bob-mine")
    wallet = await bob.response("bob-mine")
    summary = await bob.click(clicked(wallet["blocks"], "vb_gift_cancel:0"), "bob-cancel")
    assert "refunded" in block_text(summary["blocks"])

    intent = order.payment_intent_id or ""
    await eventually(
        lambda: stripe_events.of("charge.refunded", intent), what="Stripe's charge.refunded"
    )
    assert (await db.order(order.id)).status is OrderStatus.REFUNDED
    voucher = await db.voucher(order.id)
    assert voucher is not None and voucher.status == "void"
    assert len(fake_slack.messages_in(grace.dm)) == before


def _next_month() -> str:
    return (datetime.now(UTC) + timedelta(days=30)).date().isoformat()


async def test_a_scheduled_gift_arrives_at_its_time_in_the_colleagues_zone_and_not_before(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> None:
    cy = SlackUser(bot, fake_slack, http, "U0E2ECY")
    grace = SlackUser(bot, fake_slack, http, GRACE)
    day = _next_month()
    due = datetime.fromisoformat(f"{day}T08:00").replace(
        tzinfo=ZoneInfo("Asia/Tokyo")
    )  # Grace's zone
    before = len(fake_slack.messages_in(grace.dm))

    order = await _paid_gift(
        cy,
        f"gift <@{GRACE}> quiet-harbour-books 50 on {day} 08:00 Happy anniversary",
        "cy-gift",
        db,
        local,
        fake_slack,
    )
    with bot.moved_clock() as clock:
        clock.at(due, -60)  # a minute early
        await asyncio.sleep(2)  # several passes of the outbox relay
        assert len(fake_slack.messages_in(grace.dm)) == before

        clock.at(due, 1)
        await eventually(lambda: db.delivered(order.id), what="the scheduled gift to be delivered")
    voucher = await db.voucher(order.id)
    assert voucher is not None
    (gift,) = fake_slack.messages_in(grace.dm)[before:]
    assert f"`{voucher.code}`" in block_text(gift.blocks) and "Happy anniversary" in block_text(
        gift.blocks
    )


def _receipt_in(fake: FakeSlack, user: SlackUser) -> bool:
    return any(m.text.startswith("Receipt") for m in fake.messages_in(user.dm))


async def _paid_gift(
    buyer: SlackUser, command: str, name: str, db: BotDatabase, local: LocalStripe, fake: FakeSlack
) -> Order:
    """Send a gift by `/vouchers` command, pay it with a card, and wait for the buyer's receipt."""
    await buyer.command(command, name)
    await buyer.response(name)
    order = await db.only_order_of(buyer.key)
    assert await confirm_server_side(local, order.payment_intent_id or "") == "succeeded"
    await eventually(lambda: _receipt_in(fake, buyer), what="the receipt")
    return order


async def test_a_scheduled_their_choice_gift_is_hidden_from_the_colleague_until_its_time(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> None:
    eve = SlackUser(bot, fake_slack, http, "U0E2EEVE")
    grace = SlackUser(bot, fake_slack, http, GRACE)
    day = _next_month()
    due = datetime.fromisoformat(f"{day}T09:30").replace(tzinfo=ZoneInfo("Asia/Tokyo"))
    before = len(fake_slack.messages_in(grace.dm))

    order = await _paid_gift(
        eve,
        f"gift <@{GRACE}> choice:GBP 30 on {day} 09:30 Pick a treat",
        "eve-gift",
        db,
        local,
        fake_slack,
    )
    reward = await _reward_for(db, grace, "Pick a treat")
    assert reward.status is RewardStatus.SCHEDULED  # funded when paid, not yet Grace's to see
    assert "Your rewards" not in await _wallet_text(grace, "grace-mine-early")

    with bot.moved_clock() as clock:
        clock.at(due, -60)  # a minute early
        await asyncio.sleep(2)  # several passes of the outbox relay
        assert len(fake_slack.messages_in(grace.dm)) == before

        clock.at(due, 1)
        notice = await eventually(
            lambda: fake_slack.messages_in(grace.dm)[before:], what="Grace's Choose your voucher"
        )
    text = block_text(notice[0].blocks)
    assert "£30" in text and "Pick a treat" in text
    await eventually(lambda: _announced(db, grace, "Pick a treat"), what="the reward marked sent")
    assert "Your rewards" in await _wallet_text(grace, "grace-mine")
    assert "Delivered" in await _wallet_text(eve, "eve-mine")
    assert await db.voucher(order.id) is None  # no code exists until Grace chooses her voucher
    assert not [m for m in fake_slack.messages_in(eve.dm) if "Choose" in block_text(m.blocks)]


async def test_a_scheduled_their_choice_gift_cancelled_before_its_time_is_refunded_and_never_shown(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    http: aiohttp.ClientSession,
    stripe_events: StripeEvents,
) -> None:
    fay = SlackUser(bot, fake_slack, http, "U0E2EFAY")
    grace = SlackUser(bot, fake_slack, http, GRACE)
    day = (datetime.now(UTC) + timedelta(days=45)).date()
    before = len(fake_slack.messages_in(grace.dm))

    order = await _paid_gift(
        fay,
        f"gift <@{GRACE}> choice:GBP 25 on {day} 08:00 Surprise!",
        "fay-gift",
        db,
        local,
        fake_slack,
    )
    funded = await db.budget("gifts-gbp")

    await fay.command("mine", "fay-mine")
    wallet = await fay.response("fay-mine")
    assert "Their choice" in block_text(wallet["blocks"])
    summary = await fay.click(clicked(wallet["blocks"], "vb_gift_cancel:0"), "fay-cancel")
    assert "refunded" in block_text(summary["blocks"])

    intent = order.payment_intent_id or ""
    await eventually(
        lambda: stripe_events.of("charge.refunded", intent), what="Stripe's charge.refunded"
    )
    assert (await db.order(order.id)).status is OrderStatus.REFUNDED
    assert (await _reward_for(db, grace, "Surprise!")).status is RewardStatus.WITHDRAWN
    budget = await db.budget("gifts-gbp")
    assert budget.available == 0 and budget.credited == budget.reserved + budget.spent
    assert (budget.reserved, budget.spent) == (funded.reserved - 2500, funded.spent + 2500)

    due = datetime.fromisoformat(f"{day}T08:00").replace(tzinfo=ZoneInfo("Asia/Tokyo"))
    with bot.moved_clock() as clock:
        clock.at(due, 60)  # past its time
        await asyncio.sleep(2)
    assert len(fake_slack.messages_in(grace.dm)) == before
    assert "Surprise!" not in await _wallet_text(grace, "grace-mine-after")


async def _announced(db: BotDatabase, person: SlackUser, reason: str) -> bool:
    return (await _reward_for(db, person, reason)).status is RewardStatus.SENT


async def _reward_for(db: BotDatabase, person: SlackUser, reason: str) -> Reward:
    (reward,) = [r for r in await db.rewards_of(person.key) if r.reason == reason]
    return reward


async def _wallet_text(person: SlackUser, name: str) -> str:
    await person.command("mine", name)
    return block_text((await person.response(name))["blocks"])


async def test_send_as_a_gift_on_a_catalog_card_opens_a_form_whose_gift_reaches_the_colleague(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> None:
    dee = SlackUser(bot, fake_slack, http, "U0E2EDEE")
    grace = SlackUser(bot, fake_slack, http, GRACE)
    before = len(fake_slack.messages_in(grace.dm))
    _, catalog = await dee.command("quiet harbour", "dee-command")
    product = await dee.click(clicked(catalog["blocks"], "vb_choose:0"), "dee-choose")

    await dee.click(clicked(product["blocks"], "vb_gift_open"), "dee-choose")
    opened = await eventually(
        lambda: [c for c in fake_slack.calls if c.method == "views.open" and c.ok],
        what="the gift form",
    )
    view = opened[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    values = {
        "vb_gf_to": {"vb_gf_to": {"type": "users_select", "selected_user": GRACE}},
        "vb_gf_amount": {
            "vb_gf_amount": {"type": "static_select", "selected_option": {"value": "20.00"}}
        },
        "vb_gf_note": {"vb_gf_note": {"type": "plain_text_input", "value": "From all of us"}},
    }
    status, answer = await dee.post(_view_submission(view, values, dee.user_id), FORM)
    assert status == 200 and not answer  # an empty 200: the form closes

    summary = await dee.response("dee-choose", count=2)  # after the product card, the order
    assert "Pay £20" in block_text(summary["blocks"])
    order = await db.only_order_of(dee.key)
    assert await confirm_server_side(local, order.payment_intent_id or "") == "succeeded"
    await eventually(lambda: db.delivered(order.id), what="the gift to be delivered")
    (gift,) = fake_slack.messages_in(grace.dm)[before:]
    assert "From all of us" in block_text(gift.blocks)


def _view_submission(view: dict[str, Any], values: dict[str, Any], user: str) -> str:
    payload = json.loads((FIXTURES / "payloads" / "view_submission.bolt_python.json").read_text())
    payload["team"] = {"id": TEAM, "domain": "voucherbot"}
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM}
    payload["api_app_id"] = "A0VB"
    payload["view"].update(
        id="V0GIFTFORM",
        team_id=TEAM,
        blocks=view["blocks"],
        callback_id=view["callback_id"],
        private_metadata=view.get("private_metadata", ""),
        state={"values": values},
        app_installed_team_id=TEAM,
    )
    return urlencode({"payload": json.dumps(payload)})
