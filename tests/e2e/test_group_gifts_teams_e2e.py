"""Teams group gifts and "their choice" gifts end to end: the real server, Teams activities in
(Emulator mode), the strict fake Connector (Adaptive Card schema) and localstripe's signed
webhooks.

Lin starts a collection for Ada in a group chat Ada is not in; Bo, Cy and Di each chip in through
the dialog and pay in their personal chat; the card is redrawn in place by the outbox; Lin closes
and Ada's reward is the sum. A late webhook is refunded; a collection never closed refunds everyone.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
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
from tests.e2e.world import (
    TENANT,
    BotDatabase,
    StripeEvents,
    TeamsChat,
    eventually,
    stripe_signature,
)
from tests.fake_connector import Call, FakeConnector, Member, card_problems
from tests.localstripe_server import confirm_server_side
from tests.teams.conftest import ADA, card_text, press

pytestmark = pytest.mark.asyncio(loop_scope="module")

GROUP = "19:farewell-ada@thread.v2"  # a group chat Ada is not in
ADA_CHAT = f"a:personal-{ADA.id}"  # the 1:1 chat the fake Connector opens for Ada
ADA_KEY = f"teams:{TENANT}:{ADA.aad}"


@dataclass
class Colleague(TeamsChat):
    """Someone in the group chat (or, with group="", in their own chat with the bot)."""

    name: str = "Someone"
    group: str = GROUP
    kind: str = "groupChat"  # "personal" for someone's own chat with the bot (group = its id)
    teams_id: str = ""  # their 29:… id when it is not the tag's
    answers: list[Any] = field(default_factory=list)  # every HTTP answer the bot gave them

    @property
    def conversation_id(self) -> str:
        return self.group or f"a:e2e-{self.tag}"

    @property
    def member(self) -> Member:
        return Member(f"29:e2e-{self.tag}", self.aad_object_id, self.name)

    def message(self, text: str) -> dict[str, Any]:
        activity = super().message(text)
        activity["from"]["name"] = self.name
        if self.teams_id:
            activity["from"]["id"] = self.teams_id
        if self.group and self.kind == "groupChat":
            activity["conversation"].update(conversationType="groupChat", isGroup=True)
        return activity

    async def post(
        self, activity: dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        status, body = await super().post(activity, headers)
        self.answers.append(body)
        return status, body

    def task_submit(self, data: dict[str, Any]) -> dict[str, Any]:
        return self._invoke(
            "invoke.task_submit.botbuilder_js_recording",
            value={"data": data, "context": {"theme": "default"}},
        )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    data_dir: Path, local: LocalStripe, connector: FakeConnector, stripe_events: StripeEvents
) -> AsyncIterator[BotProcess]:
    env = {
        **stripe_env(local),
        "TEST_CLOCK_FILE": str(data_dir / "clock"),  # moved past a deadline by the expiry test
        "COLLECTION_CHECK_SECONDS": "0.5",
    }
    process = await start_bot(data_dir, env, local)
    yield process
    await stop_bot(process)
    assert connector.errors == [], f"Teams would have refused: {connector.errors}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def db(bot: BotProcess) -> AsyncIterator[BotDatabase]:
    database = BotDatabase(bot.data_dir)
    yield database
    await database.close()


def colleague(
    bot: BotProcess, connector: FakeConnector, http: aiohttp.ClientSession, tag: str, name: str
) -> Colleague:
    person = Colleague(bot.url, connector, http, tag, name=name)
    connector.add_members(GROUP, person.member)
    return person


def mentioning_ada(activity: dict[str, Any], text: str) -> dict[str, Any]:
    """`text` with {0} for Ada's mention, carrying her Entra id (she is not in this roster)."""
    activity = copy.deepcopy(activity)
    activity["text"] = text.format(f"<at>{ADA.name}</at>")
    mentioned = {"id": ADA.id, "name": ADA.name, "aadObjectId": ADA.aad}
    activity["entities"] = [
        *activity.get("entities", []),
        {"type": "mention", "text": f"<at>{ADA.name}</at>", "mentioned": mentioned},
    ]
    return activity


async def start_collection(lin: Colleague, text: str) -> Call:
    card = await lin.answer_to(mentioning_ada(lin.message(""), f"collect {{0}} {text}"))
    assert card.cards and card_problems(card.card) == []
    return card


def latest_card(connector: FakeConnector, card: Call) -> dict[str, Any]:
    """The card as Teams shows it now: the last update of that message, or the message itself."""
    updates = [c for c in connector.in_conversation(GROUP) if c.kind == "update"]
    mine = [c for c in updates if c.activity_id == card.message_id]
    return (mine[-1] if mine else card).card


async def chip_in(who: Colleague, db: BotDatabase, card: Call, amount: str, show: bool) -> str:
    """Chip in on the card: the dialog, then the order card in the contributor's personal chat."""
    status, answer = await who.post(who.task_fetch(press(card.card, "Chip in")))
    assert status == 200 and answer["task"]["type"] == "continue", answer
    dialog = answer["task"]["value"]["card"]["content"]
    assert card_problems(dialog) == []
    data = press(dialog, "Continue to payment", {"amount": amount, "show": str(show).lower()})
    status, answer = await who.post(who.task_submit(data))
    assert status == 200 and "personal chat" in answer["task"]["value"], answer
    order = await eventually(
        lambda: [c for c in who.connector.in_conversation(who.personal_chat_id) if c.cards],
        what="the checkout in the contributor's personal chat",
    )
    assert "Pay" in card_text(order[-1].card)
    orders = await db.orders_of(who.user_key)
    return orders[-1].id


async def pay(local: LocalStripe, db: BotDatabase, order_id: str) -> None:
    order = await db.order(order_id)
    assert await confirm_server_side(local, order.payment_intent_id or "") == "succeeded"


async def all_in(db: BotDatabase, orders: list[str], status: OrderStatus) -> bool:
    return [(await db.order(o)).status for o in orders] == [status] * len(orders)


async def test_three_contributors_close_into_one_reward_for_the_sum_and_ada_sees_nothing_before(
    bot: BotProcess,
    db: BotDatabase,
    connector: FakeConnector,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> None:
    lin = colleague(bot, connector, http, "lin", "Lin Wei")
    bo, cy, di = (colleague(bot, connector, http, t, n) for t, n in (
        ("bo", "Bo Lindqvist"), ("cy", "Cy Okafor"), ("di", "Di Moreau")))  # fmt: skip
    card = await start_collection(lin, '"Farewell Ada" 60')
    assert "Farewell Ada" in card_text(card.card) and "€60" in card_text(card.card)

    orders = [
        await chip_in(bo, db, card, "10", True),
        await chip_in(cy, db, card, "25", False),
        await chip_in(di, db, card, "15.50", False),
    ]
    for order_id in orders:
        await pay(local, db, order_id)
    await eventually(
        lambda: "€50.50" in card_text(latest_card(connector, card)),
        what="the card to show the total in place",
    )
    shown = card_text(latest_card(connector, card))
    assert "Bo Lindqvist (€10" in shown and "Cy Okafor" in shown and "Di Moreau" in shown
    assert "€25" not in shown and "€15.50" not in shown  # only Bo chose to show his amount
    assert connector.in_conversation(ADA_CHAT) == []  # not a word to Ada before it is given

    refused = await bo.answer_to(bo.submit(card, press(card.card, "Close and send")))
    assert "Only the person who started" in refused.text
    await lin.post(lin.submit(card, press(card.card, "Close and send")))
    notice = await eventually(
        lambda: [c for c in connector.in_conversation(ADA_CHAT) if c.cards],
        what="Ada's Choose your gift",
    )
    assert "€50.50" in card_text(notice[0].card)
    (reward,) = await eventually(lambda: db.rewards_of(ADA_KEY), what="the reward")
    assert reward.amount == Money(5050, "EUR")
    assert await all_in(db, orders, OrderStatus.ISSUED)
    await eventually(
        lambda: "on its way" in card_text(latest_card(connector, card)),
        what="the card to say it is closed",
    )
    assert "Chip in" not in card_text(latest_card(connector, card))
    assert await db.vouchers_issued() == 0  # Ada has not chosen yet: no code exists at all


async def test_a_contribution_whose_webhook_arrives_after_the_close_is_refunded(
    bot: BotProcess,
    db: BotDatabase,
    connector: FakeConnector,
    local: LocalStripe,
    http: aiohttp.ClientSession,
    stripe_events: StripeEvents,
) -> None:
    lin = colleague(bot, connector, http, "lin2", "Lin Wei")
    late = colleague(bot, connector, http, "late", "Lee Late")
    card = await start_collection(lin, "Farewell")
    order_id = await chip_in(late, db, card, "20", False)
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
    await lin.post(lin.submit(card, press(card.card, "Close and send")))
    await eventually(
        lambda: "on its way" in card_text(latest_card(connector, card)), what="the close"
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
    connector: FakeConnector,
    local: LocalStripe,
    http: aiohttp.ClientSession,
    stripe_events: StripeEvents,
) -> None:
    lin = colleague(bot, connector, http, "lin3", "Lin Wei")
    people = [colleague(bot, connector, http, f"x{i}", f"Colleague {i}") for i in range(3)]
    card = await start_collection(lin, '"Leaving do"')
    orders = [await chip_in(p, db, card, "5", False) for p in people]
    for order_id in orders:
        await pay(local, db, order_id)
    await eventually(
        lambda: all_in(db, orders, OrderStatus.ISSUED), what="the three contributions counted"
    )
    with bot.moved_clock() as clock:
        clock.ahead_by(timedelta(days=31).total_seconds())
        for order_id in orders:
            intent = (await db.order(order_id)).payment_intent_id or ""
            await eventually(
                lambda intent=intent: stripe_events.of("charge.refunded", intent),
                timeout=30,
                what="each contribution refunded",
            )
    await eventually(lambda: all_in(db, orders, OrderStatus.REFUNDED), what="orders refunded")
    await eventually(
        lambda: "refunded" in card_text(latest_card(connector, card)), what="the card to say so"
    )
    assert not [r for r in await db.rewards_of(ADA_KEY) if r.reason == "Leaving do"]


async def test_the_card_is_not_posted_where_the_recipient_is_a_member(
    bot: BotProcess, connector: FakeConnector, http: aiohttp.ClientSession
) -> None:
    lin = colleague(bot, connector, http, "lin4", "Lin Wei")
    lin.group = "19:ada-is-here@thread.v2"
    connector.add_members(lin.group, lin.member, ADA)
    warning = await lin.answer_to(mentioning_ada(lin.message(""), "collect {0} Farewell"))
    assert "would see the group gift" in warning.text and not warning.cards
    looked_up = [
        c for c in connector.calls if c.kind == "member" and c.conversation_id == lin.group
    ]
    assert looked_up and looked_up[-1].status == 200  # the roster said she is there


async def test_a_their_choice_gift_reaches_ada_as_choose_your_gift_and_the_buyer_a_receipt(
    bot: BotProcess,
    db: BotDatabase,
    connector: FakeConnector,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> None:
    bo = Colleague(bot.url, connector, http, "bo-choice", name="Bo Lindqvist", group="")
    connector.add_members(bo.conversation_id, ADA)  # someone Bo can mention in his chat
    before = len(connector.in_conversation(ADA_CHAT))
    order_card = await bo.answer_to(
        mentioning_ada(bo.message(""), "gift {0} choice:EUR 40 Happy birthday, Ada!")
    )
    assert "Pay €40" in card_text(order_card.card)
    (order,) = [o for o in await db.orders_of(bo.user_key) if o.product_id == "choice:EUR"]
    await pay(local, db, order.id)
    notice = await eventually(
        lambda: [c for c in connector.in_conversation(ADA_CHAT)[before:] if c.cards],
        what="Ada's Choose your gift",
    )
    assert "€40" in card_text(notice[0].card)
    assert "Happy birthday, Ada!" in card_text(notice[0].card)
    receipt = await eventually(
        lambda: [c for c in bo.calls() if c.cards and "Receipt" in card_text(c.card)],
        what="Bo's receipt",
    )
    assert "Ada Lovelace" in card_text(receipt[0].card)
    assert (await db.order(order.id)).status is OrderStatus.ISSUED
    assert json.dumps([c.body for c in bo.calls()]).count("choice:EUR") == 0


async def spend_reward(ada: Colleague, connector: FakeConnector, notice: Call) -> None:
    """Ada: Choose your voucher → Copper Kettle → €25, paid from the reward (no card)."""
    catalog = await ada.answer_to(ada.submit(notice, press(notice.card, "Choose your voucher")))
    product = await ada.answer_to(
        ada.submit(catalog, press(catalog.card, "Choose", product="copper-kettle-roasters"))
    )
    await ada.post(
        ada.submit(product, press(product.card, "Continue to payment", {"amount": "25"}))
    )


async def test_no_contributor_and_no_buyer_ever_receives_the_code_ada_chose(
    bot: BotProcess,
    db: BotDatabase,
    connector: FakeConnector,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> None:
    lin = colleague(bot, connector, http, "lin5", "Lin Wei")
    bo, cy = (
        colleague(bot, connector, http, "bo5", "Bo"),
        colleague(bot, connector, http, "cy5", "Cy"),
    )
    chooser = Colleague(bot.url, connector, http, "ada5", name="Ada Lovelace", group=ADA_CHAT,
                        kind="personal", teams_id=ADA.id, aad_object_id=ADA.aad)  # fmt: skip
    card = await start_collection(lin, '"Thank you Ada" 40')
    orders = [await chip_in(bo, db, card, "20", True), await chip_in(cy, db, card, "15", False)]
    for order_id in orders:
        await pay(local, db, order_id)
    await eventually(lambda: all_in(db, orders, OrderStatus.ISSUED), what="both counted")
    await lin.post(lin.submit(card, press(card.card, "Close and send")))
    notice = await eventually(
        lambda: [c for c in connector.in_conversation(ADA_CHAT) if "€35" in card_text(c.card)]
        if connector.in_conversation(ADA_CHAT) else [],
        what="Ada's Choose your gift for €35",
    )  # fmt: skip
    # A their-choice gift from Bo too: Ada spends that one as well.
    bo_alone = Colleague(bot.url, connector, http, "bo5-own", name="Bo", group="")
    connector.add_members(bo_alone.conversation_id, ADA)
    await bo_alone.answer_to(mentioning_ada(bo_alone.message(""), "gift {0} choice:EUR 30 For you"))
    (choice,) = [o for o in await db.orders_of(bo_alone.user_key) if o.product_id == "choice:EUR"]
    await pay(local, db, choice.id)
    choice_notice = await eventually(
        lambda: [c for c in connector.in_conversation(ADA_CHAT) if c.cards and "For you" in card_text(c.card)],
        what="Ada's their-choice notice",
    )  # fmt: skip

    codes: list[str] = []
    for reward_notice in (notice[0], choice_notice[0]):
        before = {o.id for o in await db.orders_of(ADA_KEY)}
        await spend_reward(chooser, connector, reward_notice)
        bought = await _new_order(db, before)
        voucher = await eventually(lambda o=bought: db.voucher(o), what="Ada's voucher")
        assert voucher.code and voucher.owner.user_id == ADA.aad
        await eventually(lambda v=voucher: v.code in json.dumps(
            [c.body for c in connector.in_conversation(ADA_CHAT)]), what="the code in Ada's chat")  # fmt: skip
        codes += [voucher.code, *([voucher.pin] if voucher.pin else [])]
    # The codes reached Ada (above); now everything the organiser, contributors and buyer got:
    givers = [lin, bo, cy, bo_alone]
    seen = [json.dumps(c.body) for c in connector.calls
            if c.conversation_id != ADA_CHAT]  # fmt: skip
    seen += [json.dumps(answer) for g in givers for answer in g.answers]
    for order in [o for g in givers for o in await db.orders_of(g.user_key)]:
        for path in (
            f"/checkout/{order.checkout_token}",
            f"/checkout/{order.checkout_token}/status",
        ):
            async with http.get(f"{bot.url}{path}") as page:
                seen.append(await page.text())
    everything = "\n".join(seen)
    assert len(seen) > 20
    for secret in codes:
        assert secret not in everything
    assert all(secret not in bot.logs() for secret in codes)


async def _new_order(db: BotDatabase, before: set[str]) -> str:
    found = await eventually(
        lambda: _orders_since(db, before), what="Ada's order paid from the reward"
    )
    return found[0]


async def _orders_since(db: BotDatabase, before: set[str]) -> list[str]:
    return [o.id for o in await db.orders_of(ADA_KEY) if o.id not in before]


async def test_a_contributor_shows_then_hides_their_amount_after_paying_on_their_own_line(
    bot: BotProcess,
    db: BotDatabase,
    connector: FakeConnector,
    local: LocalStripe,
    http: aiohttp.ClientSession,
) -> None:
    lin = colleague(bot, connector, http, "lin6", "Lin Wei")
    fay, gus = (
        colleague(bot, connector, http, t, n) for t, n in (("fay6", "Fay"), ("gus6", "Gus"))
    )
    card = await start_collection(lin, '"Welcome back"')
    orders = [await chip_in(fay, db, card, "12", False), await chip_in(gus, db, card, "8", False)]
    for order_id in orders:
        await pay(local, db, order_id)
    await eventually(
        lambda: "€20" in card_text(latest_card(connector, card)), what="both counted in place"
    )
    assert "Fay, Gus" in card_text(latest_card(connector, card))  # no amounts yet

    redrawn = await fay.answer_to(fay.submit(card, press(card.card, "Show or hide my amount")))
    assert redrawn.kind == "update" and redrawn.activity_id == card.message_id  # in place
    assert "Fay (€12), Gus" in card_text(redrawn.card) and card_problems(redrawn.card) == []
    await eventually(
        lambda: "Fay (€12), Gus" in card_text(latest_card(connector, card)),
        what="the outbox's redraw agreeing",
    )

    hidden = await fay.answer_to(fay.submit(card, press(card.card, "Show or hide my amount")))
    assert "Fay, Gus" in card_text(hidden.card) and "€12" not in card_text(hidden.card)
    refused = await lin.reply_to(lin.submit(card, press(card.card, "Show or hide my amount")))
    assert "You have not chipped in" in refused.text  # Lin has no line of her own to change
    await eventually(
        lambda: "Fay, Gus" in card_text(latest_card(connector, card)), what="hidden again"
    )
    assert "€8" not in card_text(latest_card(connector, card))  # Gus's stays hidden throughout
