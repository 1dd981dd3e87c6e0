"""Rewards in Slack through the real Bolt dispatch: /reward, its form, the confirmation, the
recipient's DM, redeeming a voucher from the reward (topped up by card when it costs more),
wallet and App Home."""

from __future__ import annotations

import json
from typing import Any

from core.orders import Order, OrderStatus
from core.outbox import MessageKind, MessageStatus
from core.payments import PaymentEvent, PaymentEventKind
from core.rewards import Budget
from tests.fake_slack import PostedMessage
from tests.slack.conftest import (
    ADA,
    GENERAL,
    GRACE,
    HR,
    KUDOS,
    LIGHTHOUSE,
    LIN,
    ROBOT,
    SlackWorld,
    clicked,
    element,
)
from tests.slack.test_requests import section_texts

REFUSAL = "Only reward admins can send rewards. Ask your HR team to add you."
THREE = f"<@{ADA}|ada> <!subteam^{LIGHTHOUSE}|@lighthouse> 25 Five years of quiet excellence"


def dm(user: str) -> str:
    return f"D{user}"


def budget(slack: SlackWorld) -> Budget:
    return Budget.of(e for e in slack.store.ledger if e.programme_id == KUDOS)


def reward_messages(slack: SlackWorld) -> list[Any]:
    return [m for m in slack.store.outbox.values() if m.reward_id]


async def confirm(
    slack: SlackWorld, text: str, *, response_url: str = "cmd", **kwargs: Any
) -> dict[str, Any]:
    """HR types /reward and gets the ephemeral confirmation."""
    await slack.reward(text, user=HR, response_url=response_url, **kwargs)
    return await slack.wait_for_response(response_url)


async def send(
    slack: SlackWorld, confirmation: dict[str, Any], response_url: str = "confirm"
) -> dict[str, Any]:
    await slack.action(
        clicked(confirmation["blocks"], "vb_reward_send"), user=HR, response_url=response_url
    )
    return await slack.wait_for_response(response_url)


async def redeem(slack: SlackWorld, user: str, denomination: int) -> tuple[Order, dict[str, Any]]:
    """`user` clicks Choose your voucher in the reward DM, picks Quiet Harbour Books and a
    denomination."""
    notice = next(m for m in slack.fake.messages_in(dm(user)) if "sent you a" in m.text)
    await in_dm(slack, user, notice, "vb_reward_choose", f"{user}-open")
    await slack.settle()
    catalog = slack.fake.messages_in(dm(user))[-1]
    text = section_texts(catalog.blocks)
    assert "Quiet Harbour Books" in text and "Lantern Tea" not in text  # the reward's currency only
    await in_dm(slack, user, catalog, "vb_choose:0", f"{user}-choose")
    card = await slack.wait_for_response(f"{user}-choose")
    await in_dm(
        slack, user, catalog, f"vb_denomination:{denomination}", f"{user}-buy", card["blocks"]
    )
    summary = await slack.wait_for_response(f"{user}-buy")
    order = next(o for o in slack.store.orders.values() if o.buyer.user_id == user)
    return order, summary


async def in_dm(
    slack: SlackWorld,
    user: str,
    message: PostedMessage,
    action_id: str,
    response_url: str,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    await slack.action(
        clicked(blocks or message.blocks, action_id),
        user=user,
        channel=dm(user),
        message_ts=message.ts,
        ephemeral=False,
        response_url=response_url,
    )


# --- who may send -----------------------------------------------------------------------------


async def test_a_colleague_who_is_not_a_reward_admin_is_refused_and_the_attempt_is_audited(
    reward_slack: SlackWorld,
) -> None:
    response = await reward_slack.reward(
        f"<@{ADA}|ada> 25 Great work", user=GRACE, response_url="refused"
    )
    reply = await reward_slack.wait_for_response("refused")

    assert response.status == 200
    assert reply["text"] == REFUSAL and reply["response_type"] == "ephemeral"
    assert reward_slack.store.rewards == {} and reward_messages(reward_slack) == []
    refused = reward_slack.store.audit[-1]
    assert (refused.actor, refused.action) == ("slack:U0GRACE", "reward.refused")
    # Refused before looking anyone up: only the giver's own locale, to refuse in their language.
    looked_up = [call.args["user"] for call in reward_slack.fake.calls_to("users.info")]
    assert looked_up in ([], [GRACE])


async def test_a_non_admin_asking_for_the_form_is_refused_without_a_form(
    reward_slack: SlackWorld,
) -> None:
    await reward_slack.reward("", user=ADA, response_url="refused")
    reply = await reward_slack.wait_for_response("refused")

    assert reply["text"] == REFUSAL
    assert reward_slack.fake.calls_to("views.open") == []
    assert reward_slack.store.audit[-1].action == "reward.refused"


# --- from /reward to the voucher ------------------------------------------------------------


async def test_an_admin_rewards_three_colleagues_who_each_redeem_a_voucher_and_the_ledger_balances(
    reward_slack: SlackWorld,
) -> None:
    slack = reward_slack
    confirmation = await confirm(slack, THREE)

    text = section_texts(confirmation["blocks"])
    assert "*Send a reward to 3 people?*\nAda Lovelace, Grace Hopper, Lin Yutang" in text
    assert "*Each*\n$25" in text and "*Total*\n$75" in text and "$100 → $25 after" in text
    assert "Five years of quiet excellence" in text
    assert "Left out 1 bot or deactivated account" in text  # the group's robot; Hana is the sender
    assert slack.store.rewards == {} and reward_messages(slack) == []  # nothing sent before Send

    summary = await send(slack, confirmation)

    assert summary["replace_original"] is True
    assert "Sent 3 rewards of $25" in section_texts(summary["blocks"])
    rewards = sorted(slack.store.rewards.values(), key=lambda r: r.recipient.user_id)
    assert [r.recipient.key for r in rewards] == [f"slack:T0VB:{u}" for u in (ADA, GRACE, LIN)]
    assert {r.giver.name for r in rewards} == {"Hana from HR"}

    await slack.relay.run_once()
    for user in (ADA, GRACE, LIN):
        [notice] = slack.fake.messages_in(dm(user))
        assert notice.text == "Hana from HR sent you a $25 reward"
        assert "Five years of quiet excellence" in section_texts(
            notice.blocks
        ) and "Feb 24, 2027" in str(notice.blocks)
        assert element(notice.blocks, "vb_reward_choose")["text"]["text"] == "Choose your voucher"

    below, below_summary = await redeem(slack, ADA, 0)  # $10 of $25
    equal, equal_summary = await redeem(slack, GRACE, 1)  # $25 of $25
    above, above_summary = await redeem(slack, LIN, 2)  # $50: $25 from the reward, $25 by card

    for paid_by_reward in (below_summary, equal_summary):
        assert "no card needed" in section_texts(paid_by_reward["blocks"])
        assert "vb_pay" not in json.dumps(paid_by_reward["blocks"])
    assert {slack.store.orders[o.id].status for o in (below, equal)} == {OrderStatus.ISSUED}
    assert ":gift: $25 from your reward, $25 by card." in section_texts(above_summary["blocks"])
    pay = element(above_summary["blocks"], "vb_pay")
    assert pay["text"]["text"] == "Pay $25" and pay["url"].endswith(above.checkout_token or "?")
    assert [i.amount.minor for i in slack.gateway.intents.values()] == [2500]

    intent = above.payment_intent_id or ""
    await slack.checkout.handle_payment_event(
        PaymentEvent("evt_lin", PaymentEventKind.SUCCEEDED, intent, above.id, above.card_amount)
    )
    for _ in range(3):
        await slack.relay.run_once()

    for user, amount in ((ADA, "$10"), (GRACE, "$25"), (LIN, "$50")):
        texts = [m.text for m in slack.fake.messages_in(dm(user))]
        assert f"Your Quiet Harbour Books voucher ({amount}) is ready" in texts
    assert {o.status for o in slack.store.orders.values()} == {OrderStatus.DELIVERED}
    ledger = budget(slack)
    spent_by_orders = sum(o.reward_minor for o in slack.store.orders.values())
    left_on_rewards = sum(r.amount.minor - r.spent for r in slack.store.rewards.values())
    assert (ledger.credited, ledger.spent, ledger.reserved, ledger.available) == (
        10000,
        6000,
        1500,
        2500,
    )
    assert ledger.credited == ledger.available + ledger.reserved + ledger.spent
    assert ledger.spent == spent_by_orders and ledger.reserved == left_on_rewards == 1500
    statuses = {r.recipient.user_id: str(r.status) for r in slack.store.rewards.values()}
    assert statuses == {ADA: "opened", GRACE: "redeemed", LIN: "redeemed"}


async def test_a_double_click_on_send_sends_once(reward_slack: SlackWorld) -> None:
    confirmation = await confirm(reward_slack, THREE)
    send_button = clicked(confirmation["blocks"], "vb_reward_send")

    await reward_slack.action(send_button, user=HR, response_url="confirm")
    await reward_slack.action(
        send_button,
        user=HR,
        response_url="confirm",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    await reward_slack.settle()
    await reward_slack.action(send_button, user=HR, response_url="confirm")
    await reward_slack.settle()

    assert len(reward_slack.store.rewards) == 3 and len(reward_messages(reward_slack)) == 3
    assert budget(reward_slack).reserved == 7500
    answers = reward_slack.responses("confirm")
    assert answers and all("Sent 3 rewards of $25" in section_texts(a["blocks"]) for a in answers)


async def test_a_retried_reward_command_shows_one_confirmation_that_sends_once(
    reward_slack: SlackWorld,
) -> None:
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    await reward_slack.reward(THREE, user=HR, trigger="900.1.trigger", response_url="first")
    await reward_slack.reward(
        THREE, user=HR, trigger="900.1.trigger", response_url="again", headers=retry
    )
    first = await reward_slack.wait_for_response("first")
    again = await reward_slack.wait_for_response("again")

    await send(reward_slack, first, "send-first")
    await send(reward_slack, again, "send-again")

    assert len(reward_slack.store.rewards) == 3


async def test_cancel_sends_nothing(reward_slack: SlackWorld) -> None:
    confirmation = await confirm(reward_slack, THREE)

    await reward_slack.action(
        clicked(confirmation["blocks"], "vb_reward_cancel"), user=HR, response_url="cancel"
    )
    reply = await reward_slack.wait_for_response("cancel")
    await reward_slack.action(
        clicked(confirmation["blocks"], "vb_reward_send"), user=HR, response_url="late"
    )
    late = await reward_slack.wait_for_response("late")

    assert reply["text"] == "Cancelled. Nothing was sent." and reply["replace_original"] is True
    assert "expired" in late["text"]
    assert reward_slack.store.rewards == {}


async def test_a_channel_wide_mention_rewards_its_members_but_not_bots_or_the_sender(
    reward_slack: SlackWorld,
) -> None:
    confirmation = await confirm(
        reward_slack, "<!here> 5 Thanks for the release, everyone", channel=GENERAL
    )

    assert "*Send a reward to 3 people?*\nAda Lovelace, Grace Hopper, Lin Yutang" in section_texts(
        confirmation["blocks"]
    )
    await send(reward_slack, confirmation)
    assert sorted(r.recipient.user_id for r in reward_slack.store.rewards.values()) == [
        ADA,
        GRACE,
        LIN,
    ]
    assert all(r.amount.minor == 500 for r in reward_slack.store.rewards.values())


async def test_a_reward_the_budget_cannot_cover_is_shown_with_the_reason_and_no_send_button(
    reward_slack: SlackWorld,
) -> None:
    confirmation = await confirm(reward_slack, THREE.replace(" 25 ", " 50 "))

    text = section_texts(confirmation["blocks"])
    assert ":warning: The budget has $100 left, not enough for $150." in text
    assert "vb_reward_send" not in json.dumps(confirmation["blocks"])
    assert element(confirmation["blocks"], "vb_reward_cancel")


async def test_an_unreadable_reward_command_says_how_to_write_it(reward_slack: SlackWorld) -> None:
    no_amount = await confirm(reward_slack, f"<@{ADA}|ada> lots of thanks", response_url="a")
    no_people = await confirm(reward_slack, "25 for everyone", response_url="b")
    no_programme = await confirm(reward_slack, f"<@{ADA}|ada> 25 EUR Danke", response_url="c")
    bad_amount = await confirm(reward_slack, f"<@{ADA}|ada> 25.001 Thanks", response_url="d")

    assert no_amount["text"].startswith("Give the amount after the names.")
    assert no_people["text"].startswith("Start with the people to thank.")
    assert (
        no_programme["text"]
        == "There is no reward programme in EUR yet. An admin can create one in the dashboard."
    )
    assert bad_amount["text"] == "USD amounts have 2 decimals at most."
    assert reward_slack.store.rewards == {}


async def test_an_ambiguous_comma_is_refused_saying_how_to_write_the_amount(
    reward_slack: SlackWorld,
) -> None:
    reply = await confirm(reward_slack, f"<@{ADA}|ada> 2,50 Thanks", response_url="comma")

    assert (
        reply["text"] == "'2,50' is ambiguous: write 2.50 (a comma only separates thousands)."
    )  # was $250
    assert reward_slack.store.rewards == {}


async def test_a_user_group_slack_does_not_know_gets_a_clear_message(
    reward_slack: SlackWorld,
) -> None:
    reply = await confirm(reward_slack, "<!subteam^S0GONE|@gone> 5 Thanks")

    assert reply["text"] == "Slack does not know one of those user groups."


async def test_reward_help_explains_the_command_the_form_and_bulk_files(
    reward_slack: SlackWorld,
) -> None:
    reply = await confirm(reward_slack, "help")

    text = section_texts(reply["blocks"])
    assert "`/reward` alone opens a form" in text and "CSV" in text


# --- the form -----------------------------------------------------------------------------------


def form_values(
    users: list[str], amount: str, reason: str, currency: str = "USD"
) -> dict[str, Any]:
    def select(value: str) -> dict[str, Any]:
        return {
            "type": "static_select",
            "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
        }

    return {
        "vb_rw_recipients": {
            "vb_rw_recipients": {"type": "multi_users_select", "selected_users": users}
        },
        "vb_rw_amount": {"vb_rw_amount": {"type": "plain_text_input", "value": amount}},
        "vb_rw_currency": {"vb_rw_currency": select(currency)},
        "vb_rw_reason": {"vb_rw_reason": {"type": "plain_text_input", "value": reason}},
        "vb_rw_programme": {"vb_rw_programme": select(KUDOS)},
    }


async def test_reward_alone_opens_a_form_that_checks_the_amount_then_shows_the_confirmation(
    reward_slack: SlackWorld,
) -> None:
    await reward_slack.reward("", user=HR, trigger="77.1.trigger", response_url="form")
    await reward_slack.settle()
    [opened] = reward_slack.fake.calls_to("views.open")
    assert opened.args["trigger_id"] == "77.1.trigger"
    view = opened.args["view"]
    currency = next(b for b in view["blocks"] if b["block_id"] == "vb_rw_currency")["element"]
    assert [o["value"] for o in currency["options"]] == ["USD"]

    refused = await reward_slack.submit_view(
        view, form_values([ADA, GRACE], "lots", "For the migration")
    )
    assert await refused.json() == {
        "response_action": "errors",
        "errors": {"vb_rw_amount": "“lots” is not an amount."},
    }
    accepted = await reward_slack.submit_view(
        view, form_values([ADA, GRACE, ROBOT], "20", "For the migration")
    )
    assert accepted.status == 200 and await accepted.text() == ""
    confirmation = await reward_slack.wait_for_response("form")

    text = section_texts(confirmation["blocks"])
    assert (
        "*Send a reward to 2 people?*\nAda Lovelace, Grace Hopper" in text
        and "*Total*\n$40" in text
    )
    assert "Left out Deploy Robot" in text
    assert reward_slack.store.rewards == {}
    await send(reward_slack, confirmation)
    assert sorted(r.recipient.user_id for r in reward_slack.store.rewards.values()) == [ADA, GRACE]
    assert {r.reason for r in reward_slack.store.rewards.values()} == {"For the migration"}


# --- delivery edge cases, wallet and App Home --------------------------------------------------


async def test_the_giver_is_told_in_their_dm_when_a_recipient_cannot_be_reached(
    reward_slack: SlackWorld,
) -> None:
    await send(reward_slack, await confirm(reward_slack, f"<@{ADA}|ada> 25 Thanks"))
    reward_slack.fake.remove_user(ADA)

    await reward_slack.relay.run_once()
    await reward_slack.relay.run_once()

    [told] = reward_slack.fake.messages_in(dm(HR))
    assert told.text == "Could not reach Ada Lovelace about their reward"
    assert "user_not_found" in section_texts(told.blocks)
    notice = next(
        m for m in reward_slack.store.outbox.values() if m.kind is MessageKind.REWARD_NOTICE
    )
    assert notice.status is MessageStatus.DEAD


async def test_a_reminder_says_the_reward_expires_soon_with_the_button(
    reward_slack: SlackWorld,
) -> None:
    await send(reward_slack, await confirm(reward_slack, f"<@{ADA}|ada> 25 Thanks"))
    await reward_slack.relay.run_once()
    reward_slack.clock.advance(days=85)

    assert (
        reward_slack.recognition is not None
        and await reward_slack.recognition.rewards.remind_due() == 1
    )
    await reward_slack.relay.run_once()

    reminder = reward_slack.fake.messages_in(dm(ADA))[-1]
    assert reminder.text == "Your $25 reward expires on Feb 24, 2027"
    assert "Your reward expires soon" in json.dumps(reminder.blocks)
    assert element(reminder.blocks, "vb_reward_choose")


async def test_the_wallet_and_app_home_show_open_rewards_with_choose_your_voucher(
    reward_slack: SlackWorld,
) -> None:
    await send(reward_slack, await confirm(reward_slack, f"<@{ADA}|ada> 25 Thanks for the launch"))

    await reward_slack.command("mine", user=ADA, response_url="wallet")
    wallet = await reward_slack.wait_for_response("wallet")
    await reward_slack.home_opened(user=ADA)
    await reward_slack.settle()

    reward_id = next(iter(reward_slack.store.rewards))
    for rendered in (wallet["blocks"], reward_slack.fake.views[ADA]["blocks"]):
        text = section_texts(rendered)
        assert (
            "*$25* from Hana from HR · “Thanks for the launch”\n$25 left · expires Feb 24, 2027"
            in text
        )
        assert element(rendered, "vb_reward_choose:0")["value"] == reward_id


async def test_choose_your_voucher_from_app_home_posts_the_reward_catalog_in_the_dm(
    reward_slack: SlackWorld,
) -> None:
    await send(reward_slack, await confirm(reward_slack, f"<@{ADA}|ada> 25 Thanks"))
    await reward_slack.home_opened(user=ADA)
    await reward_slack.settle()
    home = reward_slack.fake.views[ADA]["blocks"]

    await reward_slack.action(
        clicked(home, "vb_reward_choose:0"), user=ADA, channel=dm(ADA), response_url="home"
    )
    await reward_slack.settle()

    [catalog] = reward_slack.fake.messages_in(dm(ADA))
    assert "Spending your reward from Hana from HR: *$25* left" in section_texts(catalog.blocks)


async def test_a_spent_reward_says_so_instead_of_opening_the_catalog(
    reward_slack: SlackWorld,
) -> None:
    await send(reward_slack, await confirm(reward_slack, f"<@{ADA}|ada> 25 Thanks"))
    reward_id = next(iter(reward_slack.store.rewards))
    assert reward_slack.recognition is not None
    await reward_slack.recognition.rewards.cancel(reward_id, "admin:ops")

    choose = {
        "type": "button",
        "action_id": "vb_reward_choose",
        "value": reward_id,
        "text": {"type": "plain_text", "text": "Choose"},
    }
    await reward_slack.action(
        choose, user=ADA, channel=dm(ADA), ephemeral=False, response_url="late"
    )
    await reward_slack.settle()

    [reply] = reward_slack.fake.messages_in(dm(ADA))
    assert reply.text == "This reward is cancelled and cannot be spent."
    assert reward_slack.store.orders == {}


async def test_the_slack_directory_finds_colleagues_by_work_email(reward_slack: SlackWorld) -> None:
    directory = await reward_slack.channel.directory_for("T0VB")

    found = await directory.find_by_email("Grace@Harbour.example")
    robot = await directory.find_by_id(ROBOT)
    missing = await directory.find_by_email("nobody@harbour.example")

    assert (
        found is not None
        and found.user.key == "slack:T0VB:U0GRACE"
        and found.user.name == "Grace Hopper"
    )
    assert json.loads(found.conversation.address)["user"] == GRACE
    assert robot is None and missing is None
    assert len(reward_slack.fake.calls_to("users.list")) == 1


async def test_choose_your_voucher_with_someone_elses_reward_shows_nothing_of_it(
    reward_slack: SlackWorld,
) -> None:
    await send(reward_slack, await confirm(reward_slack, f"<@{ADA}|ada> 25 Thanks"))
    reward_id = next(iter(reward_slack.store.rewards))
    choose = {
        "type": "button",
        "action_id": "vb_reward_choose",
        "value": reward_id,  # Ada's reward, pressed (or forged) by Grace
        "text": {"type": "plain_text", "text": "Choose"},
    }

    await reward_slack.action(
        choose, user=GRACE, channel=dm(GRACE), ephemeral=False, response_url="g"
    )
    await reward_slack.settle()

    [reply] = reward_slack.fake.messages_in(dm(GRACE))
    assert reply.text == "Only the person who received this reward can spend it."
    assert "$25" not in json.dumps(reply.blocks)


async def test_a_catalog_page_button_with_someone_elses_reward_shows_nothing_of_it(
    reward_slack: SlackWorld,
) -> None:
    from adapters.slack.translate import encode_query
    from core.catalog import CatalogQuery

    await send(reward_slack, await confirm(reward_slack, f"<@{ADA}|ada> 25 Thanks"))
    reward_id = next(iter(reward_slack.store.rewards))
    page = {
        "type": "button",
        "action_id": "vb_page:next",
        "value": encode_query(CatalogQuery(page=2), reward_id),
        "text": {"type": "plain_text", "text": "Next"},
    }

    await reward_slack.action(page, user=GRACE, response_url="grace-page")
    answer = await reward_slack.wait_for_response("grace-page")

    assert answer["text"] == "Only the person who received this reward can spend it."
    assert "Spending your reward" not in json.dumps(answer)
