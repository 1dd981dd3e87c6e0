"""Slack group gifts and "their choice" gifts end to end: the real server, signed Slack requests,
the strict fake Slack and localstripe's signed webhooks.

Three colleagues chip in through three checkouts; the organiser closes; Ada's reward is the sum. A
collection never closed is refunded after its deadline; a contribution whose webhook arrives after
the close is refunded, not lost; nobody but the recipient is ever shown a code.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.stripe_local import LocalStripe
from core.money import Money
from core.orders import OrderStatus
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import WEBHOOK_SECRET, start_bot, stop_bot, stripe_env
from tests.e2e.test_gifts_slack_e2e import _view_submission
from tests.e2e.test_rewards_e2e import choose_button, click_in_dm, labelled
from tests.e2e.test_slack_e2e import FORM, SlackUser, block_text
from tests.e2e.world import BotDatabase, StripeEvents, eventually, stripe_signature
from tests.fake_slack import FakeSlack
from tests.localstripe_server import confirm_server_side
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM, clicked

pytestmark = pytest.mark.asyncio(loop_scope="module")

ADA = "U0GGADA"
LIN, BO, CY, DI = "U0GGLIN", "U0GGBO", "U0GGCY", "U0GGDI"
CHANNEL = "C0E2E"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    for user, name in ((ADA, "Ada Lovelace"), (LIN, "Lin"), (BO, "Bo"), (CY, "Cy"), (DI, "Di")):
        fake.add_person(user, name)
    fake.set_members(CHANNEL, [LIN, BO, CY, DI])  # Ada is not in the channel
    fake.set_members("C0ADAHERE", [LIN, ADA])
    yield fake
    await fake.close()
    assert fake.errors == [], f"Slack would have rejected: {fake.errors}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    data_dir: Path, local: LocalStripe, fake_slack: FakeSlack, stripe_events: StripeEvents
) -> AsyncIterator[BotProcess]:
    env = {
        **stripe_env(local),
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake_slack.api_url,
        "TEST_CLOCK_FILE": str(data_dir / "clock"),  # moved past a deadline by the expiry test
        "COLLECTION_CHECK_SECONDS": "0.5",
    }
    process = await start_bot(data_dir, env, local)
    yield process
    await stop_bot(process)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def db(bot: BotProcess) -> AsyncIterator[BotDatabase]:
    database = BotDatabase(bot.data_dir)
    yield database
    await database.close()


def person(bot: BotProcess, fake: FakeSlack, http: aiohttp.ClientSession, user: str) -> SlackUser:
    return SlackUser(bot, fake, http, user)


async def start_collection(lin: SlackUser, fake: FakeSlack, text: str, name: str) -> Any:
    before = len(fake.messages_in(CHANNEL))
    status, _ = await lin.command(f"collect <@{ADA}|ada> {text}", name)
    assert status == 200
    cards = await eventually(
        lambda: fake.messages_in(CHANNEL)[before:], what="the group gift card in the channel"
    )
    return cards[0]


async def chip_in(
    who: SlackUser, fake: FakeSlack, db: BotDatabase, card: Any, amount: str, show: bool
) -> str:
    """Press Chip in on the channel card, fill in the form; returns the order the checkout is
    for."""
    opened_before = len([c for c in fake.calls if c.method == "views.open" and c.ok])
    payload_action = clicked(card.blocks, "vb_col_chip")
    await _press(who, payload_action, card.ts)
    opened = await eventually(
        lambda: [c for c in fake.calls if c.method == "views.open" and c.ok][opened_before:],
        what="the chip-in form",
    )
    view = opened[0].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    values = {
        "vb_col_amount": {"vb_col_amount": {"type": "plain_text_input", "value": amount}},
        "vb_col_show": {
            "vb_col_show": {
                "type": "checkboxes",
                "selected_options": [{"value": "show"}] if show else [],
            }
        },
    }
    status, answer = await who.post(_view_submission(view, values, who.user_id), FORM)
    assert status == 200 and not answer
    await eventually(lambda: _pay_message(fake, who), what="the checkout in the contributor's DM")
    (order,) = await eventually(lambda: db.orders_of(who.key), what="the contribution's order")
    return order.id


async def _press(who: SlackUser, action: dict[str, Any], ts: str) -> None:
    from urllib.parse import urlencode

    from tests.slack.conftest import block_actions

    payload = block_actions(
        who.fake,
        action,
        user=who.user_id,
        channel=CHANNEL,
        message_ts=ts,
        ephemeral=False,
        response_url=f"{who.user_id}-card-{ts}",
        state=None,
    )
    status, _ = await who.post(urlencode({"payload": json.dumps(payload)}), FORM)
    assert status == 200


def _pay_message(fake: FakeSlack, who: SlackUser) -> bool:
    return any("Pay" in block_text(m.blocks) for m in fake.messages_in(who.dm))


def everything_shown_to(fake: FakeSlack, users: list[SlackUser], channel: str = CHANNEL) -> str:
    seen = [m.text + json.dumps(m.blocks) for u in users for m in fake.messages_in(u.dm)]
    seen += [
        m.text + json.dumps(m.blocks) + json.dumps(m.history) for m in fake.messages_in(channel)
    ]
    seen += [json.dumps(c.args) for c in fake.calls if c.method == "response_url"]
    return "\n".join(seen)


async def pay(local: LocalStripe, db: BotDatabase, order_id: str) -> None:
    order = await db.order(order_id)
    assert await confirm_server_side(local, order.payment_intent_id or "") == "succeeded"


async def test_three_contributors_close_into_one_reward_for_the_sum_and_nobody_sees_a_code(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> None:
    lin, bo, cy, di = (person(bot, fake_slack, http, u) for u in (LIN, BO, CY, DI))
    card = await start_collection(lin, fake_slack, '"Farewell Ada" 60', "lin-collect")
    assert "Farewell Ada" in block_text(card.blocks) and "€60" in block_text(card.blocks)

    orders = [
        await chip_in(bo, fake_slack, db, card, "10", True),
        await chip_in(cy, fake_slack, db, card, "25", False),
        await chip_in(di, fake_slack, db, card, "15.50", False),
    ]
    for order_id in orders:
        await pay(local, db, order_id)
    await eventually(
        lambda: "€50.50" in block_text(fake_slack.messages[card.ts].blocks),
        what="the card to show the total in place",
    )
    shown = block_text(fake_slack.messages[card.ts].blocks)
    assert "€10" in shown and "€25" not in shown and "€15.50" not in shown  # only Bo chose to show
    assert "Bo (€10" in shown and "u0ggbo" not in shown.lower()  # display names, not handles

    assert fake_slack.messages_in(f"D{ADA}") == []  # not a word to Ada before it is given
    await _press(bo, clicked(card.blocks, "vb_col_close"), card.ts)  # not Bo's to close
    await eventually(
        lambda: any("Only the person who started" in json.dumps(c.args) for c in fake_slack.calls),
        what="Bo being told only the organiser closes it",
    )
    await _press(lin, clicked(card.blocks, "vb_col_close"), card.ts)
    notice = await eventually(
        lambda: fake_slack.messages_in(f"D{ADA}"), what="Ada's Choose your gift"
    )
    assert "€50.50" in block_text(notice[0].blocks)
    reward = await eventually(lambda: db.rewards_of(f"slack:{TEAM}:{ADA}"), what="the reward")
    assert reward[0].amount == Money(5050, "EUR")
    assert await all_issued(db, orders)
    await eventually(
        lambda: "on its way" in block_text(fake_slack.messages[card.ts].blocks),
        what="the card to say it is closed",
    )

    for order_id in orders:  # the contributors' checkout pages show no code either
        order = await db.order(order_id)
        async with http.get(f"{bot.url}/checkout/{order.checkout_token}") as page:
            assert page.status == 200
    assert await db.vouchers_issued() == 0  # Ada has not chosen yet: no code exists at all


async def test_a_contribution_whose_webhook_arrives_after_the_close_is_refunded(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    http: aiohttp.ClientSession,
    stripe_events: StripeEvents,
) -> None:
    lin = person(bot, fake_slack, http, LIN)
    late = person(bot, fake_slack, http, "U0GGLATE")
    fake_slack.set_members(CHANNEL, [LIN, BO, CY, DI, "U0GGLATE"])
    card = await start_collection(lin, fake_slack, "Farewell", "lin-collect-2")
    order_id = await chip_in(late, fake_slack, db, card, "20", False)
    intent = (await db.order(order_id)).payment_intent_id or ""

    # The payment's webhook is held back (the server's endpoint is elsewhere for a moment) ...
    await local.register_webhook("http://127.0.0.1:9/held", WEBHOOK_SECRET, webhook_id="bot")
    try:
        await pay(local, db, order_id)
        (body,) = await eventually(
            lambda: stripe_events.of("payment_intent.succeeded", intent), what="the held event"
        )
    finally:
        await local.register_webhook(f"{bot.url}/stripe/webhook", WEBHOOK_SECRET, webhook_id="bot")
    await _press(lin, clicked(card.blocks, "vb_col_close"), card.ts)
    await eventually(
        lambda: "on its way" in block_text(fake_slack.messages[card.ts].blocks), what="the close"
    )
    # ... and arrives after the close: refunded, not lost.
    headers = {
        "Content-Type": "application/json",
        "Stripe-Signature": stripe_signature(body, WEBHOOK_SECRET),
    }
    async with http.post(f"{bot.url}/stripe/webhook", data=body, headers=headers) as answer:
        assert answer.status == 200
    await eventually(
        lambda: stripe_events.of("charge.refunded", intent), what="Stripe's charge.refunded"
    )
    assert (await db.order(order_id)).status is OrderStatus.REFUNDED


async def test_a_collection_never_closed_refunds_all_three_after_its_deadline(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    http: aiohttp.ClientSession,
    stripe_events: StripeEvents,
) -> None:
    lin = person(bot, fake_slack, http, LIN)
    people = [person(bot, fake_slack, http, f"U0GGX{i}") for i in range(3)]
    fake_slack.set_members(CHANNEL, [LIN, *(p.user_id for p in people)])
    card = await start_collection(lin, fake_slack, '"Leaving do"', "lin-collect-3")
    orders = [await chip_in(p, fake_slack, db, card, "5", False) for p in people]
    for order_id in orders:
        await pay(local, db, order_id)
    await eventually(lambda: all_issued(db, orders), what="the three contributions to be counted")
    with bot.moved_clock() as clock:
        clock.ahead_by(timedelta(days=31).total_seconds())
        for order_id in orders:
            intent = (await db.order(order_id)).payment_intent_id or ""
            await eventually(
                lambda intent=intent: stripe_events.of("charge.refunded", intent),
                timeout=30,
                what="each contribution refunded",
            )
    await eventually(lambda: all_refunded(db, orders), what="the orders refunded")
    await eventually(
        lambda: "refunded" in block_text(fake_slack.messages[card.ts].blocks),
        what="the card to say so",
    )
    assert not [r for r in await db.rewards_of(f"slack:{TEAM}:{ADA}") if r.reason == "Leaving do"]


async def all_issued(db: BotDatabase, orders: list[str]) -> bool:
    return [(await db.order(o)).status for o in orders] == [OrderStatus.ISSUED] * len(orders)


async def all_refunded(db: BotDatabase, orders: list[str]) -> bool:
    return [(await db.order(o)).status for o in orders] == [OrderStatus.REFUNDED] * len(orders)


async def test_the_card_is_not_posted_where_the_recipient_would_see_it(
    bot: BotProcess, fake_slack: FakeSlack, http: aiohttp.ClientSession
) -> None:
    lin = SlackUser(bot, fake_slack, http, LIN, channel="C0ADAHERE")
    await lin.command(f"collect <@{ADA}> Farewell", "lin-collect-here")
    warning = await lin.response("lin-collect-here")
    assert "would see the group gift" in block_text(warning["blocks"])
    assert fake_slack.messages_in("C0ADAHERE") == []


async def test_a_their_choice_gift_reaches_the_colleague_as_choose_your_gift_and_the_buyer_a_receipt(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> None:
    bo = person(bot, fake_slack, http, BO)
    before = len(fake_slack.messages_in(f"D{ADA}"))
    await bo.command(f"gift <@{ADA}> choice:GBP 30 Happy birthday, Ada!", "bo-choice")
    summary = await bo.response("bo-choice")
    assert "Pay £30" in block_text(summary["blocks"])
    order = next(o for o in await db.orders_of(bo.key) if o.product_id == "choice:GBP")
    await pay(local, db, order.id)
    notice = await eventually(
        lambda: fake_slack.messages_in(f"D{ADA}")[before:], what="Ada's Choose your gift"
    )
    assert "£30" in block_text(notice[0].blocks) and "Happy birthday, Ada!" in block_text(
        notice[0].blocks
    )
    receipt = await eventually(
        lambda: [m for m in fake_slack.messages_in(bo.dm) if m.text.startswith("Receipt")],
        what="Bo's receipt",
    )
    assert "Ada" in block_text(receipt[0].blocks)
    assert (await db.order(order.id)).status is OrderStatus.ISSUED


async def spend_reward(ada: SlackUser, notice: Any, product_id: str, label: str) -> None:
    """Ada: Choose your voucher on the notice → the product → Buy `label`, paid from the reward."""
    before = len(ada.fake.messages_in(ada.dm))
    tag = f"{ada.user_id}-{notice.ts}"
    await click_in_dm(ada, notice, clicked(notice.blocks, "vb_reward_choose"), f"{tag}-open")
    await eventually(
        lambda: len(ada.fake.messages_in(ada.dm)) > before, what="the reward catalog in Ada's DM"
    )
    catalog = ada.fake.messages_in(ada.dm)[-1]
    await click_in_dm(ada, catalog, choose_button(catalog.blocks, product_id), f"{tag}-choose")
    product = await ada.response(f"{tag}-choose")
    await click_in_dm(ada, catalog, labelled(product["blocks"], f"Buy {label}"), f"{tag}-buy")
    await ada.response(f"{tag}-buy")


async def test_no_contributor_and_no_buyer_ever_receives_the_code_ada_chose(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> None:
    lin = person(bot, fake_slack, http, LIN)
    bo, cy, buyer = (person(bot, fake_slack, http, u) for u in ("U0GGBO5", "U0GGCY5", "U0GGEVE"))
    ada = person(bot, fake_slack, http, ADA)
    fake_slack.set_members(CHANNEL, [LIN, bo.user_id, cy.user_id])
    card = await start_collection(lin, fake_slack, '"Thank you Ada" 40', "lin-collect-5")
    orders = [
        await chip_in(bo, fake_slack, db, card, "20", True),
        await chip_in(cy, fake_slack, db, card, "15", False),
    ]
    for order_id in orders:
        await pay(local, db, order_id)
    await eventually(lambda: all_issued(db, orders), what="both contributions counted")
    await _press(lin, clicked(card.blocks, "vb_col_close"), card.ts)
    group_notice = await eventually(
        lambda: [m for m in fake_slack.messages_in(ada.dm) if "€35" in block_text(m.blocks)],
        what="Ada's Choose your gift for €35",
    )
    # A their-choice gift from Eve too: Ada spends that one on a voucher with a PIN.
    await buyer.command(f"gift <@{ADA}> choice:GBP 30 For you, Ada", "eve-choice")
    await buyer.response("eve-choice")
    (choice,) = [o for o in await db.orders_of(buyer.key) if o.product_id == "choice:GBP"]
    await pay(local, db, choice.id)
    choice_notice = await eventually(
        lambda: [m for m in fake_slack.messages_in(ada.dm) if "For you, Ada" in block_text(m.blocks)],
        what="Ada's their-choice notice",
    )  # fmt: skip

    codes: list[str] = []
    spends = (
        (group_notice[0], "copper-kettle-roasters", "€25"),
        (choice_notice[0], "starlit-row-cinemas", "£15"),
    )
    for notice, product_id, label in spends:
        before = {o.id for o in await db.orders_of(ada.key)}
        await spend_reward(ada, notice, product_id, label)
        (bought,) = await eventually(
            lambda before=before: _orders_since(db, ada.key, before), what="Ada's order"
        )
        voucher = await eventually(lambda o=bought: db.voucher(o), what="Ada's voucher")
        assert voucher.code and voucher.owner.user_id == ADA
        secrets = [voucher.code, *([voucher.pin] if voucher.pin else [])]
        await eventually(
            lambda s=secrets: all(x in _all_of(fake_slack.messages_in(ada.dm)) for x in s),
            what="the code (and PIN) in Ada's DM",
        )
        codes += secrets
    assert len(codes) == 3  # two codes and the cinema's PIN

    # The codes reached Ada (above); now everything anyone else got, and every page and answer:
    others = [
        c
        for c in fake_slack.calls
        if c.args.get("channel") != ada.dm and not c.target.startswith(f"{ADA}-")
    ]
    seen = [json.dumps(c.args) for c in others]
    givers = [lin, bo, cy, buyer]
    for order in [o for g in givers for o in await db.orders_of(g.key)]:
        for path in (
            f"/checkout/{order.checkout_token}",
            f"/checkout/{order.checkout_token}/status",
        ):
            async with http.get(f"{bot.url}{path}") as page:
                assert page.status == 200
                seen.append(await page.text())
    everything = "\n".join(seen)
    assert len(seen) > 40 and "Thank you Ada" in everything  # the card, the forms, the checkouts
    assert "Receipt: your gift to Ada Lovelace" in everything  # and Eve's receipt were scanned
    for secret in codes:
        assert secret not in everything
        assert secret not in bot.logs()


def _all_of(messages: list[Any]) -> str:
    return "\n".join(m.text + json.dumps(m.blocks) for m in messages)


async def _orders_since(db: BotDatabase, user_key: str, before: set[str]) -> list[str]:
    return [o.id for o in await db.orders_of(user_key) if o.id not in before]


async def test_a_contributor_shows_then_hides_their_amount_after_paying_on_their_own_line(
    bot: BotProcess,
    db: BotDatabase,
    fake_slack: FakeSlack,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> None:
    lin = person(bot, fake_slack, http, LIN)
    fay, gus = (person(bot, fake_slack, http, u) for u in ("U0GGFAY", "U0GGGUS"))
    fake_slack.add_person("U0GGFAY", "Fay")
    fake_slack.add_person("U0GGGUS", "Gus")
    fake_slack.set_members(CHANNEL, [LIN, fay.user_id, gus.user_id])
    card = await start_collection(lin, fake_slack, '"Welcome back"', "lin-collect-6")
    orders = [
        await chip_in(fay, fake_slack, db, card, "12", False),
        await chip_in(gus, fake_slack, db, card, "8", False),
    ]
    for order_id in orders:
        await pay(local, db, order_id)
    await eventually(
        lambda: "€20" in block_text(fake_slack.messages[card.ts].blocks), what="both counted"
    )
    assert "Fay, Gus" in block_text(fake_slack.messages[card.ts].blocks)  # no amounts yet
    updates = len(fake_slack.calls_to("chat.update"))

    await _press(fay, clicked(card.blocks, "vb_col_mine"), card.ts)
    await eventually(
        lambda: "Fay (€12), Gus" in block_text(fake_slack.messages[card.ts].blocks),
        what="Fay's amount on her own line, in place",
    )
    told = await fay.response(f"{fay.user_id}-card-{card.ts}")
    assert "now shows your amount" in block_text(told["blocks"])
    assert told["response_type"] == "ephemeral"  # only Fay is told
    assert len(fake_slack.calls_to("chat.update")) > updates  # the same message, redrawn

    await _press(fay, clicked(card.blocks, "vb_col_mine"), card.ts)
    await eventually(
        lambda: "Fay, Gus" in block_text(fake_slack.messages[card.ts].blocks),
        what="Fay's amount hidden again",
    )
    await _press(lin, clicked(card.blocks, "vb_col_mine"), card.ts)  # Lin never chipped in
    refused = await lin.response(f"{LIN}-card-{card.ts}")
    assert "You have not chipped in" in block_text(refused["blocks"])
    assert "€8" not in block_text(fake_slack.messages[card.ts].blocks)  # Gus's stays hidden
