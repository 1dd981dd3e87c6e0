"""Rewards end to end in Slack: HR's /reward through the real server, three recipients redeem, the
ledger balances.

The server runs as its own process with REWARD_ADMINS=slack:U0HR, Slack at a strict fake Web API and
STRIPE_* at the test's localstripe. In development it seeds the USD "Recognition" programme with a
1,000 USD budget. Lantern Tea House (USD 12.50 / 25 / 50) gives a voucher below, equal to and above
a $25 reward; the one above is topped up by a real card payment on localstripe.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio
import stripe

from adapters.stripe_local import LocalStripe
from core.orders import Order, OrderStatus
from core.rewards import Budget, RewardStatus
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import start_bot, stop_bot, stripe_env
from tests.e2e.test_slack_e2e import FORM, SlackUser, block_text
from tests.e2e.world import BotDatabase, TeamsChat, eventually, sample_product
from tests.fake_connector import FakeConnector
from tests.fake_slack import FakeSlack, PostedMessage
from tests.localstripe_server import TEST_SECRET_KEY, confirm_server_side
from tests.slack.conftest import (
    ADA,
    BOT_TOKEN,
    GRACE,
    HR,
    LIN,
    SIGNING_SECRET,
    add_colleagues,
    block_actions,
    clicked,
    element,
    slash_command,
)
from tests.teams.conftest import ADA as TEAMS_ADA
from tests.teams.conftest import with_mentions

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROGRAMME = "recognition"  # seeded by the server in development: USD, 1,000 USD
TEA = sample_product("lantern-tea-house")  # USD 12.50 / 25 / 50
REFUSAL = "Only reward admins can send rewards. Ask your HR team to add you."
REASON = "Great quarter"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    add_colleagues(fake)  # Hana from HR, Ada, Grace, Lin (and a bot)
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
        "REWARD_ADMINS": f"slack:{HR}",
    }
    process = await start_bot(data_dir, env, local)
    yield process
    await stop_bot(process)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def db(bot: BotProcess) -> AsyncIterator[BotDatabase]:
    database = BotDatabase(bot.data_dir)
    yield database
    await database.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def people(
    bot: BotProcess, fake_slack: FakeSlack, http: aiohttp.ClientSession
) -> dict[str, SlackUser]:
    return {u: SlackUser(bot, fake_slack, http, u) for u in (HR, ADA, GRACE, LIN)}


async def reward_command(user: SlackUser, text: str, response_url: str) -> int:
    """`/reward <text>` typed by `user` in #e2e, signed as Slack signs it."""
    body = slash_command(
        user.fake,
        text,
        user=user.user_id,
        channel=user.channel,
        response_url=response_url,
        trigger=f"{time.monotonic_ns()}.1.trigger",
        command="/reward",
    )
    status, _ = await user.post(body, FORM)
    return status


# --- clicks in a recipient's DM -------------------------------------------------------------------


async def click_in_dm(
    user: SlackUser, message: PostedMessage, action: dict[str, Any], response_url: str
) -> None:
    """Press a button on a message the bot posted in the user's DM (not ephemeral: it has a ts)."""
    payload = block_actions(
        user.fake,
        action,
        user=user.user_id,
        channel=user.dm,
        message_ts=message.ts,
        ephemeral=False,
        response_url=response_url,
        state=None,
    )
    status, _ = await user.post(urlencode({"payload": json.dumps(payload)}), FORM)
    assert status == 200


def choose_button(blocks: list[dict[str, Any]], product_id: str) -> dict[str, Any]:
    """The Choose button of `product_id` on a catalog page (its value carries the product id)."""
    for block in blocks:
        for candidate in block.get("elements") or []:
            if str(candidate.get("action_id", "")).startswith("vb_choose") and (
                json.loads(candidate.get("value") or "{}").get("id") == product_id
            ):
                return clicked(blocks, candidate["action_id"])
    raise AssertionError(f"no Choose button for {product_id} in the catalog")


def labelled(blocks: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """What Slack sends when the button labelled `title` is clicked (context elements have no
    label)."""
    for block in blocks:
        for candidate in block.get("elements") or []:
            if candidate.get("type") == "button" and candidate["text"]["text"] == title:
                return clicked(blocks, candidate["action_id"])
    raise AssertionError(f"no button {title!r} in the blocks")


def reward_notice(user: SlackUser) -> PostedMessage | None:
    return next((m for m in user.fake.messages_in(user.dm) if "sent you a" in m.text), None)


def vouchers_in_dm(user: SlackUser) -> list[PostedMessage]:
    return [
        m for m in user.fake.messages_in(user.dm) if m.text.startswith(f"Your {TEA.brand} voucher")
    ]


async def redeem(user: SlackUser, db: BotDatabase, label: str) -> tuple[Order, dict[str, Any]]:
    """Choose your voucher → Lantern Tea House → Buy `label`; returns the order and its summary."""
    notice = await eventually(lambda: reward_notice(user), what=f"the reward DM of {user.user_id}")
    before = len(user.fake.messages_in(user.dm))
    await click_in_dm(
        user, notice, clicked(notice.blocks, "vb_reward_choose"), f"{user.user_id}-open"
    )
    await eventually(
        lambda: len(user.fake.messages_in(user.dm)) > before, what="the reward catalog in the DM"
    )
    catalog = user.fake.messages_in(user.dm)[-1]
    assert "Spending your reward from Hana from HR: *$25* left" in block_text(catalog.blocks)
    await click_in_dm(
        user, catalog, choose_button(catalog.blocks, TEA.id), f"{user.user_id}-choose"
    )
    product = await user.response(f"{user.user_id}-choose")
    await click_in_dm(
        user, catalog, labelled(product["blocks"], f"Buy {label}"), f"{user.user_id}-buy"
    )
    summary = await user.response(f"{user.user_id}-buy")
    return await db.only_order_of(user.key), summary


async def intent_amount(local: LocalStripe, intent_id: str) -> tuple[int, str]:
    """What Stripe (localstripe) was asked to charge for the PaymentIntent."""
    http = stripe.AIOHTTPClient()
    client = stripe.StripeClient(
        TEST_SECRET_KEY, base_addresses={"api": local.url}, http_client=http, max_network_retries=0
    )
    try:
        intent = await client.v1.payment_intents.retrieve_async(intent_id)
        return intent.amount, intent.currency
    finally:
        await http.close_async()


# --- the flow, once per module
# ---------------------------------------------------------------------


@dataclass(frozen=True)
class Redeemed:
    below: Order
    equal: Order
    above: Order
    summaries: dict[str, dict[str, Any]]
    intent: tuple[int, str]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sent(people: dict[str, SlackUser], db: BotDatabase) -> dict[str, Any]:
    """Hana from HR: `/reward @Ada @Grace @Lin 25 USD Great quarter` → confirmation → Send."""
    hana = people[HR]
    mentions = " ".join(f"<@{u}|{u.lower()}>" for u in (ADA, GRACE, LIN))
    status = await reward_command(hana, f"{mentions} 25 USD {REASON}", "hr-reward")
    assert status == 200
    confirmation = await hana.response("hr-reward")
    budget_before = await db.budget(PROGRAMME)
    summary = await hana.click(clicked(confirmation["blocks"], "vb_reward_send"), "hr-send")
    return {"confirmation": confirmation, "summary": summary, "budget_before": budget_before}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def redeemed(
    sent: dict[str, Any], people: dict[str, SlackUser], db: BotDatabase, local: LocalStripe
) -> Redeemed:
    below, below_summary = await redeem(people[ADA], db, "$12.50")
    equal, equal_summary = await redeem(people[GRACE], db, "$25")
    above, above_summary = await redeem(
        people[LIN], db, "$50 (you pay $25 by card)"
    )  # said before Pay
    assert above.payment_intent_id, "the order above the reward has no PaymentIntent"
    intent = await intent_amount(local, above.payment_intent_id)
    assert await confirm_server_side(local, above.payment_intent_id) == "succeeded"
    for order in (below, equal, above):
        await eventually(
            partial(db.delivered, order.id), what=f"the voucher of {order.id} delivered"
        )
    summaries = {ADA: below_summary, GRACE: equal_summary, LIN: above_summary}
    return Redeemed(below, equal, above, summaries, intent)


# --- tests
# ------------------------------------------------------------------------------------------


async def test_a_colleague_who_is_not_a_reward_admin_is_refused_and_the_attempt_is_audited(
    people: dict[str, SlackUser], db: BotDatabase
) -> None:
    grace = people[GRACE]

    status = await reward_command(grace, f"<@{ADA}|ada> 10 USD thanks", "grace-reward")
    reply = await grace.response("grace-reward")

    assert status == 200 and reply["text"] == REFUSAL
    assert await db.rewards_of(people[ADA].key) == []
    refused = [e for e in await db.audit() if e.action == "reward.refused"]
    assert [e.actor for e in refused if e.actor.startswith("slack:")] == [f"slack:{GRACE}"]
    assert (await db.budget(PROGRAMME)).reserved == 0


async def test_a_teams_user_who_is_not_a_reward_admin_is_refused_and_the_attempt_is_audited(
    bot: BotProcess, db: BotDatabase, connector: FakeConnector, http: aiohttp.ClientSession
) -> None:
    chat = TeamsChat(bot.url, connector, http, "not-admin")
    typed = with_mentions(chat.message(""), "reward {0} 10 USD thanks for the help", TEAMS_ADA)

    reply = await chat.answer_to(typed)

    assert "Only reward admins can send rewards" in reply.text
    refused = [e for e in await db.audit() if e.action == "reward.refused"]
    assert refused[-1].actor == f"teams:{chat.aad_object_id}"
    assert (await db.budget(PROGRAMME)).reserved == 0


async def test_the_admin_sees_a_confirmation_then_each_recipient_gets_a_dm_with_choose_your_voucher(
    sent: dict[str, Any], people: dict[str, SlackUser], db: BotDatabase
) -> None:
    text = block_text(sent["confirmation"]["blocks"])
    assert "Ada Lovelace, Grace Hopper, Lin Yutang" in text
    assert (
        "*Each*\n$25" in text
        and "*Total*\n$75" in text
        and "*Budget left*\n$1,000 → $925 after" in text
    )
    assert sent["budget_before"] == Budget(credited=100_000)  # nothing reserved before Send
    assert "Sent 3 rewards of $25" in block_text(sent["summary"]["blocks"])

    for user in (ADA, GRACE, LIN):
        notice = await eventually(
            partial(reward_notice, people[user]), what=f"the reward DM of {user}"
        )
        assert notice.text == "Hana from HR sent you a $25 reward"
        assert REASON in block_text(notice.blocks)
        assert element(notice.blocks, "vb_reward_choose")["text"]["text"] == "Choose your voucher"
        [reward] = await db.rewards_of(people[user].key)
        assert (reward.amount.minor, reward.amount.currency, reward.programme_id) == (
            2500,
            "USD",
            PROGRAMME,
        )


async def test_vouchers_below_and_equal_to_the_reward_need_no_card(redeemed: Redeemed) -> None:
    for order, user in ((redeemed.below, ADA), (redeemed.equal, GRACE)):
        summary = block_text(redeemed.summaries[user]["blocks"])
        assert "no card needed" in summary and "vb_pay" not in json.dumps(redeemed.summaries[user])
        assert order.payment_intent_id is None and order.card_amount.minor == 0
    assert (redeemed.below.amount.minor, redeemed.below.reward_minor) == (1250, 1250)
    assert (redeemed.equal.amount.minor, redeemed.equal.reward_minor) == (2500, 2500)


async def test_a_voucher_above_the_reward_is_topped_up_by_card_for_exactly_the_difference(
    redeemed: Redeemed, bot: BotProcess
) -> None:
    summary = redeemed.summaries[LIN]["blocks"]

    assert ":gift: $25 from your reward, $25 by card." in block_text(summary)
    pay = element(summary, "vb_pay")
    assert pay["text"]["text"] == "Pay $25"
    assert pay["url"] == f"{bot.url}/checkout/{redeemed.above.checkout_token}"
    assert (redeemed.above.amount.minor, redeemed.above.reward_minor) == (5000, 2500)
    assert redeemed.intent == (2500, "usd")


async def test_all_three_vouchers_arrive_in_the_recipients_dms(
    redeemed: Redeemed, people: dict[str, SlackUser], db: BotDatabase
) -> None:
    for order, user, label in (
        (redeemed.below, ADA, "$12.50"),
        (redeemed.equal, GRACE, "$25"),
        (redeemed.above, LIN, "$50"),
    ):
        voucher = await db.voucher(order.id)
        assert voucher is not None and voucher.amount.minor == order.amount.minor
        [message] = vouchers_in_dm(people[user])
        assert message.text == f"Your {TEA.brand} voucher ({label}) is ready"
        assert f"`{voucher.code}`" in block_text(message.blocks)
        assert (await db.order(order.id)).status is OrderStatus.DELIVERED


async def test_the_budget_ledger_balances_to_the_cent(
    redeemed: Redeemed, people: dict[str, SlackUser], db: BotDatabase
) -> None:
    budget = await db.budget(PROGRAMME)
    summed = Budget.of(await db.ledger(PROGRAMME))
    rewards = {u: (await db.rewards_of(people[u].key))[0] for u in (ADA, GRACE, LIN)}
    orders = [await db.order(o.id) for o in (redeemed.below, redeemed.equal, redeemed.above)]

    assert budget == summed
    assert budget.credited == budget.available + budget.reserved + budget.spent
    assert budget.spent == sum(o.reward_minor for o in orders) == 1250 + 2500 + 2500
    assert budget.reserved == sum(r.unspent for r in rewards.values()) == 1250  # Ada's remainder
    assert budget.available == 100_000 - 7500
    assert budget.credited == 100_000
    statuses = {u: r.status for u, r in rewards.items()}
    assert statuses == {
        ADA: RewardStatus.OPENED,
        GRACE: RewardStatus.REDEEMED,
        LIN: RewardStatus.REDEEMED,
    }
    assert [r.unspent for r in rewards.values()] == [1250, 0, 0]
