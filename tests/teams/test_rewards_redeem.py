"""Recipients spend rewards in Teams: below, equal to and above the reward; the ledger balances to
the cent."""

from __future__ import annotations

from core.money import Money
from core.orders import OrderStatus
from core.payments import PaymentEvent, PaymentEventKind
from core.rewards import Budget, Reward
from tests.fake_connector import Call, Member
from tests.teams.conftest import (
    ADA,
    COFFEE,
    GRACE,
    LIN,
    TeamsWorld,
    as_member,
    button,
    card_text,
    press,
)
from tests.teams.test_rewards import personal_chat, send_three
from tests.unit.conftest import BOOKS


def reward_of(teams: TeamsWorld, member: Member) -> Reward:
    return next(r for r in teams.store.rewards.values() if r.recipient.user_id == member.aad)


async def delivered_rewards(teams: TeamsWorld) -> None:
    await send_three(teams)
    await teams.relay.run_once()


async def redeem(teams: TeamsWorld, member: Member, product_id: str, amount: str) -> Call:
    """From the reward card in `member`'s personal chat: Choose your voucher → Choose → amount →
    order card."""
    chat = personal_chat(member)
    (notice,) = [c for c in teams.connector.in_conversation(chat) if "thanked" in card_text(c.card)]
    me = as_member(teams, member, chat)
    await teams.post(teams.submit(me, notice, press(notice.card, "Choose your voucher")))
    catalog = teams.connector.delivered()[-1]
    await teams.post(teams.submit(me, catalog, press(catalog.card, "Choose", product=product_id)))
    product = teams.connector.delivered()[-1]
    await teams.post(
        teams.submit(me, product, press(product.card, "Continue to payment", {"amount": amount}))
    )
    return teams.connector.delivered()[-1]


def voucher_cards(teams: TeamsWorld, member: Member) -> list[Call]:
    return [
        c
        for c in teams.connector.in_conversation(personal_chat(member))
        if c.cards and "Code" in card_text(c.card)
    ]


async def test_choose_your_voucher_opens_the_catalog_in_the_rewards_currency(
    rewarding: TeamsWorld,
) -> None:
    await delivered_rewards(rewarding)
    chat = personal_chat(ADA)
    (notice,) = rewarding.connector.in_conversation(chat)

    await rewarding.post(
        rewarding.submit(
            as_member(rewarding, ADA, chat), notice, press(notice.card, "Choose your voucher")
        )
    )

    catalog = rewarding.connector.delivered()[-1]
    assert catalog.kind == "reply" and catalog.conversation_id == chat  # the thank-you card stays
    text = card_text(catalog.card)
    assert "Your reward: $25 left, until Feb 24, 2027" in text
    assert (
        "Quiet Harbour Books" in text
        and "Copper Kettle Coffee" in text
        and "Lantern Tea" not in text
    )
    reward = reward_of(rewarding, ADA)
    assert button(catalog.card, "Choose", product=BOOKS.id)["data"]["reward"] == reward.id


async def test_each_recipient_redeems_below_equal_to_and_above_the_reward_and_the_ledger_balances(
    rewarding: TeamsWorld,
) -> None:
    await delivered_rewards(rewarding)

    below = await redeem(rewarding, ADA, BOOKS.id, "10.00")
    equal = await redeem(rewarding, GRACE, BOOKS.id, "25.00")
    above = await redeem(rewarding, LIN, BOOKS.id, "50.00")

    # Covered by the reward: no card payment at all, and the voucher arrives.
    assert "Paid with your reward ($10)" in card_text(below.card) and "by card" not in card_text(
        below.card
    )
    assert "Paid with your reward ($25)" in card_text(equal.card)
    assert not [a for a in (below.card, equal.card) if "Pay" in card_text(a)]
    # Above: the reward pays its part, the card the rest.
    assert "$25 from your reward, $25 by card" in card_text(above.card)
    lin_order = next(o for o in rewarding.store.orders.values() if o.buyer.user_id == LIN.aad)
    assert button(above.card, "Pay $25")["data"] == {
        "cmd": "pay",
        "order": lin_order.id,
        "msteams": {"type": "task/fetch"},
    }
    assert [i.amount for i in rewarding.gateway.intents.values()] == [Money(2500, "USD")]
    await rewarding.checkout.handle_payment_event(
        PaymentEvent(
            "evt_lin_top_up",
            PaymentEventKind.SUCCEEDED,
            lin_order.payment_intent_id or "",
            lin_order.id,
            lin_order.card_amount,
        )
    )
    await rewarding.relay.run_once()

    for member in (ADA, GRACE, LIN):
        (voucher,) = voucher_cards(rewarding, member)
        assert "QHB-" in card_text(voucher.card)
    assert {o.status for o in rewarding.store.orders.values()} == {OrderStatus.DELIVERED}
    ada, grace, lin = (reward_of(rewarding, m) for m in (ADA, GRACE, LIN))
    assert (ada.status, ada.available) == ("opened", 1500)
    assert (grace.status, grace.available, lin.status, lin.available) == (
        "redeemed",
        0,
        "redeemed",
        0,
    )
    budget = Budget.of(e for e in rewarding.store.ledger if e.programme_id == "kudos")
    assert (budget.credited, budget.reserved, budget.spent, budget.available) == (
        10000,
        1500,
        6000,
        2500,
    )
    assert budget.credited == budget.available + budget.reserved + budget.spent
    assert budget.spent == sum(o.reward_minor for o in rewarding.store.orders.values())
    assert budget.reserved == sum(r.available for r in (ada, grace, lin))


async def test_pay_opens_the_checkout_for_the_part_the_reward_does_not_cover(
    rewarding: TeamsWorld,
) -> None:
    await delivered_rewards(rewarding)
    above = await redeem(rewarding, LIN, BOOKS.id, "50.00")
    me = as_member(rewarding, LIN, personal_chat(LIN))

    response = await rewarding.post(rewarding.task_fetch(me, press(above.card, "Pay $25")))

    task = (await response.json())["task"]
    order = next(iter(rewarding.store.orders.values()))
    assert (
        task["value"]["title"] == "Pay $25 for Quiet Harbour Books"
    )  # what the card pays, not the price
    assert task["value"]["url"] == f"https://vouchers.example.com/checkout/{order.checkout_token}"
    assert order.card_amount == Money(2500, "USD")


async def test_the_rest_of_a_reward_stays_for_a_later_voucher(rewarding: TeamsWorld) -> None:
    await delivered_rewards(rewarding)
    await redeem(rewarding, ADA, COFFEE.id, "5.00")

    again = await redeem(rewarding, ADA, COFFEE.id, "15.00")

    assert "Paid with your reward ($15)" in card_text(again.card)
    assert reward_of(rewarding, ADA).available == 500


async def test_a_reward_cannot_be_opened_by_someone_else(rewarding: TeamsWorld) -> None:
    await delivered_rewards(rewarding)
    chat = personal_chat(ADA)
    (notice,) = rewarding.connector.in_conversation(chat)
    grace = as_member(
        rewarding, GRACE, chat
    )  # Ada's card, pressed by Grace (a forwarded card, say)
    before = len(rewarding.connector.delivered())

    await rewarding.post(rewarding.submit(grace, notice, press(notice.card, "Choose your voucher")))

    (answer,) = rewarding.connector.delivered()[before:]
    assert (
        answer.text == "Only the person who received this reward can spend it." and not answer.cards
    )


async def test_a_reward_cannot_be_browsed_with_by_someone_else(rewarding: TeamsWorld) -> None:
    await delivered_rewards(rewarding)
    chat = personal_chat(ADA)
    (notice,) = rewarding.connector.in_conversation(chat)
    ada = as_member(rewarding, ADA, chat)
    await rewarding.post(rewarding.submit(ada, notice, press(notice.card, "Choose your voucher")))
    catalog = rewarding.connector.delivered()[-1]
    reward = reward_of(rewarding, ADA)
    grace = as_member(rewarding, GRACE, chat)

    # Grace forges a Browse button carrying Ada's reward id: no "Your reward: $25 left" for her.
    await rewarding.post(rewarding.submit(grace, catalog, {"cmd": "browse", "reward": reward.id}))

    answer = rewarding.connector.delivered()[-1]
    assert (
        answer.text == "Only the person who received this reward can spend it." and not answer.cards
    )


async def test_a_reward_cannot_be_spent_by_someone_else(rewarding: TeamsWorld) -> None:
    await delivered_rewards(rewarding)
    chat = personal_chat(ADA)
    (notice,) = rewarding.connector.in_conversation(chat)
    ada = as_member(rewarding, ADA, chat)
    await rewarding.post(rewarding.submit(ada, notice, press(notice.card, "Choose your voucher")))
    catalog = rewarding.connector.delivered()[-1]
    await rewarding.post(
        rewarding.submit(ada, catalog, press(catalog.card, "Choose", product=BOOKS.id))
    )
    product = rewarding.connector.delivered()[-1]
    grace = as_member(rewarding, GRACE, chat)  # Ada's product card, pressed by Grace

    await rewarding.post(
        rewarding.submit(
            grace, product, press(product.card, "Continue to payment", {"amount": "10"})
        )
    )

    assert (
        "Only the person who received this reward can spend it."
        in rewarding.connector.delivered()[-1].text
    )
    assert rewarding.store.orders == {}


async def test_a_cancelled_reward_says_so_instead_of_opening_the_catalog(
    rewarding: TeamsWorld,
) -> None:
    await delivered_rewards(rewarding)
    await rewarding.recognition.rewards.cancel(reward_of(rewarding, ADA).id, "admin:hr")
    chat = personal_chat(ADA)
    (notice,) = rewarding.connector.in_conversation(chat)

    await rewarding.post(
        rewarding.submit(
            as_member(rewarding, ADA, chat), notice, press(notice.card, "Choose your voucher")
        )
    )

    assert (
        rewarding.connector.delivered()[-1].text
        == "This reward is cancelled; type “vouchers mine” for your others."
    )


async def test_the_wallet_shows_open_rewards_with_what_is_left_and_choose_your_voucher(
    rewarding: TeamsWorld,
) -> None:
    await delivered_rewards(rewarding)
    await redeem(rewarding, ADA, COFFEE.id, "5.00")
    chat = personal_chat(ADA)
    mine = as_member(rewarding, ADA, chat)
    mine["text"] = "vouchers mine"

    await rewarding.post(mine)

    wallet = rewarding.connector.delivered()[-1]
    text = card_text(wallet.card)
    assert "$25 from Dave Taniguchi" in text and "Left\n$20" in text and "Feb 24, 2027" in text
    assert button(wallet.card, "Choose your voucher")["data"] == {
        "cmd": "redeem",
        "reward": reward_of(rewarding, ADA).id,
    }


async def test_a_reminder_before_expiry_arrives_as_a_reminder_card(rewarding: TeamsWorld) -> None:
    await delivered_rewards(rewarding)
    rewarding.clock.advance(days=85)

    assert await rewarding.recognition.rewards.remind_due() == 3
    await rewarding.relay.run_once()

    reminder = rewarding.connector.in_conversation(personal_chat(GRACE))[-1]
    assert "Your reward expires soon" in card_text(reminder.card)
    assert "until Feb 24, 2027" in card_text(reminder.card)
    assert (
        button(reminder.card, "Choose your voucher")["data"]["reward"]
        == reward_of(rewarding, GRACE).id
    )
