"""Real Teams activities through the real CloudAdapter: browse, choose, order, pay, with a fake
Connector."""

from __future__ import annotations

import json

import pytest

from core.money import Money
from core.orders import OrderStatus
from tests.fake_connector import card_problems
from tests.teams.conftest import COFFEE, TeamsWorld, button, card_text, press
from tests.unit.conftest import BOOKS, TEA


async def test_vouchers_in_a_personal_chat_answers_with_the_catalog_card(teams: TeamsWorld) -> None:
    message = teams.personal("vouchers")

    response = await teams.post(message)

    assert response.status == 201
    (reply,) = teams.connector.delivered()
    assert reply.conversation_id == message["conversation"]["id"]
    text = card_text(reply.card)
    # The recorded activity says en-US: the catalog opens on the United States, one click from all.
    assert (
        "Quiet Harbour Books" in text
        and "$10 · $25 · $50" in text
        and "Lantern Tea House" not in text
    )
    await teams.post(teams.submit(message, reply, press(reply.card, "All countries")))
    every = card_text(teams.connector.delivered()[-1].card)
    assert "Quiet Harbour Books" in every and "Lantern Tea House" in every


async def test_vouchers_coffee_searches_the_catalog(teams: TeamsWorld) -> None:
    await teams.post(teams.personal("vouchers coffee"))

    (reply,) = teams.connector.delivered()
    assert "Copper Kettle Coffee" in card_text(reply.card)
    assert "Quiet Harbour Books" not in card_text(reply.card)
    assert "1 voucher for “coffee”" in card_text(reply.card)


async def test_filters_narrow_the_catalog(teams: TeamsWorld) -> None:
    await teams.post(teams.personal("vouchers currency:EUR country:DE max:50"))

    (reply,) = teams.connector.delivered()
    assert "Lantern Tea House" in card_text(reply.card)
    assert "Quiet Harbour Books" not in card_text(reply.card)


async def test_a_wrong_filter_gets_a_hint_not_an_error(teams: TeamsWorld) -> None:
    await teams.post(teams.personal("vouchers max:lots"))

    (reply,) = teams.connector.delivered()
    assert "not a price; try “max:50”" in reply.text


async def test_a_channel_post_mentioning_the_bot_is_answered_in_its_thread(
    teams: TeamsWorld,
) -> None:
    post = teams.in_channel("vouchers coffee")

    await teams.post(post)

    (reply,) = teams.connector.delivered()
    assert reply.conversation_id == post["conversation"]["id"]
    assert "Copper Kettle Coffee" in card_text(reply.card)


async def test_choosing_and_buying_with_action_submit_replaces_the_card_each_step(
    teams: TeamsWorld,
) -> None:
    message = teams.personal("vouchers tea")
    await teams.post(message)
    (catalog,) = teams.connector.delivered()

    await teams.post(teams.submit(message, catalog, press(catalog.card, "Choose", product=TEA.id)))
    product = teams.connector.delivered()[-1]
    await teams.post(
        teams.submit(message, product, press(product.card, "Continue to payment", {"amount": "42"}))
    )
    order_message = teams.connector.delivered()[-1]

    assert [c.kind for c in teams.connector.delivered()] == ["reply", "update", "update"]
    assert product.message_id == order_message.message_id == catalog.message_id
    assert "Amount in EUR (from €5 to €200)" in card_text(product.card)
    order = teams.order()
    assert (order.product_id, order.amount, order.status) == (
        TEA.id,
        Money(4200, "EUR"),
        OrderStatus.AWAITING_PAYMENT,
    )
    assert button(order_message.card, "Pay €42")["data"]["msteams"] == {"type": "task/fetch"}
    assert (
        button(order_message.card, "Open in browser")["url"]
        == f"https://vouchers.example.com/checkout/{order.checkout_token}"
    )
    assert json.loads(order.conversation.address)["card"] == catalog.message_id


async def test_a_denomination_is_bought_from_the_choice_set(teams: TeamsWorld) -> None:
    message = teams.personal("vouchers books")
    await teams.post(message)
    (catalog,) = teams.connector.delivered()
    await teams.post(
        teams.submit(message, catalog, press(catalog.card, "Choose", product=BOOKS.id))
    )
    product = teams.connector.delivered()[-1]

    await teams.post(
        teams.submit(
            message, product, press(product.card, "Continue to payment", {"amount": "50.00"})
        )
    )

    assert teams.order().amount == Money(5000, "USD")
    assert teams.order().buyer.user_id == "6d415fdd-f97e-4f70-ac45-e69601e4ecb2"


async def test_an_amount_outside_the_open_range_is_refused_with_a_clear_message(
    teams: TeamsWorld,
) -> None:
    message = teams.personal("vouchers tea")
    await teams.post(message)
    (catalog,) = teams.connector.delivered()
    await teams.post(teams.submit(message, catalog, press(catalog.card, "Choose", product=TEA.id)))
    product = teams.connector.delivered()[-1]

    for typed in ("250", "4.5", "lots"):
        await teams.post(
            teams.submit(
                message, product, press(product.card, "Continue to payment", {"amount": typed})
            )
        )
        again = teams.connector.delivered()[-1]
        assert again.kind == "update" and again.message_id == product.message_id
        assert "Continue to payment" in card_text(again.card)

    texts = [card_text(c.card) for c in teams.connector.delivered()[-3:]]
    assert "€250 is above the maximum of €200 (minimum €5)." in texts[0]
    assert "from €5 to €200" in texts[1]
    assert "“lots” is not an amount" in texts[2]
    assert teams.store.orders == {}


async def test_a_retried_activity_and_a_double_tap_create_one_order(teams: TeamsWorld) -> None:
    message = teams.personal("vouchers coffee")
    await teams.post(message)
    (catalog,) = teams.connector.delivered()
    await teams.post(
        teams.submit(message, catalog, press(catalog.card, "Choose", product=COFFEE.id))
    )
    product = teams.connector.delivered()[-1]
    buy = teams.submit(
        message, product, press(product.card, "Continue to payment", {"amount": "15.00"})
    )

    await teams.post(buy)
    await teams.post(buy)  # the channel retried the same activity
    await teams.post({**buy, "id": "f:second-tap"})  # a second tap before the card was replaced

    assert len(teams.store.orders) == 1
    assert len(teams.gateway.intents) == 1


async def test_choosing_and_buying_with_action_execute_answers_with_the_next_card(
    teams: TeamsWorld,
) -> None:
    message = teams.personal("vouchers tea")
    await teams.post(message)
    (catalog,) = teams.connector.delivered()

    chosen = await teams.post(
        teams.execute(message, catalog, press(catalog.card, "Choose", product=TEA.id))
    )
    product = (await chosen.json())["value"]
    bought = await teams.post(
        teams.execute(message, catalog, press(product, "Continue to payment", {"amount": "42"}))
    )
    body = await bought.json()

    assert chosen.status == bought.status == 200
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert card_problems(product) == [] and card_problems(body["value"]) == []
    assert "Pay €42" in card_text(body["value"])
    assert teams.order().amount == Money(4200, "EUR")
    assert (
        len(teams.connector.delivered()) == 1
    )  # the invoke responses replaced the card, nothing was posted


async def test_an_action_execute_from_a_foreign_card_gets_a_message_not_an_error(
    teams: TeamsWorld,
) -> None:
    message = teams.personal("vouchers")
    await teams.post(message)
    (catalog,) = teams.connector.delivered()

    response = await teams.post(teams.execute(message, catalog, {"feedback": "test invokes"}))

    body = await response.json()
    assert response.status == 200
    assert (
        body["type"] == "application/vnd.microsoft.activity.message"
        and "type “vouchers”" in body["value"]
    )


async def test_pay_opens_the_checkout_page_in_a_teams_dialog(teams: TeamsWorld) -> None:
    message = teams.personal("vouchers coffee")
    await teams.post(message)
    (catalog,) = teams.connector.delivered()
    await teams.post(
        teams.submit(message, catalog, press(catalog.card, "Choose", product=COFFEE.id))
    )
    product = teams.connector.delivered()[-1]
    await teams.post(
        teams.submit(
            message, product, press(product.card, "Continue to payment", {"amount": "5.00"})
        )
    )
    order_card = teams.connector.delivered()[-1].card

    response = await teams.post(teams.task_fetch(message, press(order_card, "Pay $5")))

    assert response.status == 200
    task = (await response.json())["task"]
    url = f"https://vouchers.example.com/checkout/{teams.order().checkout_token}"
    assert task == {
        "type": "continue",
        "value": {
            "title": "Pay $5 for Copper Kettle Coffee",
            "url": url,
            "fallbackUrl": url,
            "height": "large",
            "width": "medium",
        },
    }


async def test_pay_on_a_paid_order_says_so_instead_of_opening_the_checkout(
    teams: TeamsWorld,
) -> None:
    message = teams.personal("vouchers coffee")
    await teams.post(message)
    (catalog,) = teams.connector.delivered()
    await teams.post(
        teams.submit(message, catalog, press(catalog.card, "Choose", product=COFFEE.id))
    )
    product = teams.connector.delivered()[-1]
    await teams.post(
        teams.submit(
            message, product, press(product.card, "Continue to payment", {"amount": "5.00"})
        )
    )
    pay = press(teams.connector.delivered()[-1].card, "Pay $5")
    await teams.pay(teams.order())

    response = await teams.post(teams.task_fetch(message, pay))

    task = (await response.json())["task"]
    assert task["type"] == "message" and "Voucher ready" in task["value"]


async def test_closing_the_checkout_dialog_is_acknowledged(teams: TeamsWorld) -> None:
    submitted = teams.activity("invoke.task_submit.botbuilder_js_recording")

    response = await teams.post(submitted)

    assert response.status == 200
    assert (await response.json())["task"]["type"] == "message"


async def test_the_bot_added_to_a_team_posts_a_welcome_card(teams: TeamsWorld) -> None:
    added = teams.activity("conversationUpdate.bot_added_to_team.msteams_docs")

    await teams.post(added)

    (welcome,) = teams.connector.delivered()
    assert welcome.kind == "send" and welcome.conversation_id == added["conversation"]["id"]
    assert "vouchers mine" in card_text(welcome.card)


async def test_the_bot_installed_in_a_personal_chat_says_hello(teams: TeamsWorld) -> None:
    added = teams.activity("conversationUpdate.bot_added_personal.msteams_docs")
    added["recipient"]["id"] = added["membersAdded"][0][
        "id"
    ]  # the docs example leaves a placeholder here

    await teams.post(added)

    (welcome,) = teams.connector.delivered()
    assert "Gift vouchers, right here in Teams" in card_text(welcome.card)


async def test_someone_else_joining_a_group_chat_gets_no_welcome(teams: TeamsWorld) -> None:
    await teams.post(
        teams.activity("conversationUpdate.groupchat_member_added.botbuilder_js_recording")
    )
    await teams.post(teams.activity("conversationUpdate.teamMemberRemoved.botbuilder_js_recording"))

    assert teams.connector.calls == []


async def test_help_and_unknown_text_answer_with_the_help_card(teams: TeamsWorld) -> None:
    await teams.post(teams.personal("help"))
    await teams.post(teams.personal("file"))

    first, second = teams.connector.delivered()
    assert "vouchers coffee" in card_text(first.card)
    assert "I don't know “file”." in card_text(second.card)


async def test_an_unexpected_failure_is_logged_and_answered_with_a_short_apology(
    teams: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(**_: object) -> None:
        raise RuntimeError("payment provider exploded")

    teams.gateway.create_intent = broken  # type: ignore[method-assign]
    message = teams.personal("vouchers coffee")
    await teams.post(message)
    (catalog,) = teams.connector.delivered()
    await teams.post(
        teams.submit(message, catalog, press(catalog.card, "Choose", product=COFFEE.id))
    )
    product = teams.connector.delivered()[-1]

    response = await teams.post(
        teams.submit(
            message, product, press(product.card, "Continue to payment", {"amount": "5.00"})
        )
    )

    assert response.status == 201
    assert teams.connector.delivered()[-1].text.startswith("Sorry, something went wrong")
    (record,) = [r for r in caplog.records if r.message == "Teams turn failed"]
    assert record.exc_info is not None and "exploded" in str(record.exc_info[1])


async def test_pay_for_an_unknown_order_says_so(teams: TeamsWorld) -> None:
    response = await teams.post(
        teams.task_fetch(teams.personal("x"), {"cmd": "pay", "order": "ord_nope"})
    )

    task = (await response.json())["task"]
    assert response.status == 200 and task == {
        "type": "message",
        # said by words.error_text, in the person's language
        "value": "There is no order ord_nope.",
    }


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"vouchers", "text/plain", 415),
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
    ],
)
async def test_a_request_that_is_not_an_activity_is_refused_not_crashed_on(
    teams: TeamsWorld, body: bytes, content_type: str, status: int
) -> None:
    response = await teams.client.post(
        "/api/messages", data=body, headers={"Content-Type": content_type}
    )

    assert response.status == status
    assert teams.connector.calls == []


async def test_the_installation_update_that_follows_the_bot_added_event_adds_no_second_welcome(
    teams: TeamsWorld,
) -> None:
    # Teams sends both a conversationUpdate (bot added) and an installationUpdate on install; one
    # welcome.
    await teams.post(teams.activity("conversationUpdate.bot_added_to_team.msteams_docs"))
    await teams.post(teams.activity("installationUpdate.add.msteams_docs"))

    assert len(teams.connector.delivered()) == 1


async def test_an_empty_amount_says_what_to_type_and_a_german_speaker_reads_it_in_german_numbers(
    teams: TeamsWorld,
) -> None:
    message = teams.personal("vouchers tea")
    await teams.post(message)
    (catalog,) = teams.connector.delivered()
    await teams.post(teams.submit(message, catalog, press(catalog.card, "Choose", product=TEA.id)))
    product = teams.connector.delivered()[-1]

    await teams.post(
        teams.submit(message, product, press(product.card, "Continue to payment", {"amount": ""}))
    )
    assert "Type an amount from €5 to €200." in card_text(teams.connector.delivered()[-1].card)

    german = {
        **teams.submit(
            message, product, press(product.card, "Continue to payment", {"amount": "250"})
        ),
        "locale": "de-DE",
    }
    await teams.post(german)
    refused = teams.connector.delivered()[-1].card
    assert "250\xa0€" in card_text(refused) and "200\xa0€" in card_text(refused)
    assert next(e for e in refused["body"] if e.get("id") == "amount")["value"] == 250
    assert teams.store.orders == {}
