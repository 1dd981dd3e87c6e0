"""The "Send a gift" message extension through the real CloudAdapter: the dialog, its refusals, and
the order that goes to the buyer's personal chat (an extension's invoke has no card to update in
place)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from adapters.teams.gift_extension import COMMAND_ID
from core.catalog import Catalog, Product
from core.gifts import GiftStatus
from core.identity import ChatUser, ConversationRef
from core.orders import OrderStatus
from core.outbox import MessageKind
from core.rewards import Recipient
from tests.fake_connector import ADAPTIVE_CARD, card_problems
from tests.teams.conftest import (
    COFFEE,
    DAVE_AAD,
    GRACE,
    TENANT,
    TeamsWorld,
    actions,
    card_text,
    fixture_activity,
    press,
)
from tests.unit.conftest import BOOKS, TEA

EXTENSION_CHANNEL = "19:9d3c71104f8c49128368b23a5eaeb86d@thread.skype"  # the captured fetchTask's
DAVE_ID = (
    "29:1CFIxRJBLjT_io3iNsDZxMk_4YPWQmr3DZUM1I6ihf5L2ocCDqg9S1vkHK6kRdGfK1P_2LFE2nQqFIvdu-GBOZA"
)
DAVE_CHAT = f"a:personal-{DAVE_ID}"  # the 1:1 chat the fake Connector opens for Dave, the buyer
GRACE_CHAT = f"a:personal-{GRACE.id}"
ON_GRACES_MESSAGE = {  # value.messagePayload of a message action, as Microsoft documents it
    "id": "1581064284812",
    "messageType": "message",
    "body": {"contentType": "html", "content": "<p>Shipped the winter release!</p>"},
    "from": {
        "user": {
            "id": GRACE.aad,
            "displayName": GRACE.name,
            "userIdentityType": "aadUser",
        }
    },
}


def extension(
    teams: TeamsWorld,
    name: str,
    data: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An invoke of "Send a gift", shaped like the captured composeExtension/fetchTask."""
    activity = teams.activity(
        "invoke.composeExtension_fetchTask.botbuilder_js_recording", name=name
    )
    context = "message" if payload else "compose"
    activity["value"] = {"commandId": COMMAND_ID, "commandContext": context}
    if payload is not None:
        activity["value"]["messagePayload"] = payload
    if data is not None:
        activity["value"]["data"] = data
    return activity


async def invoke(teams: TeamsWorld, activity: dict[str, Any]) -> dict[str, Any]:
    response = await teams.post(activity)
    assert response.status == 200 and response.content_type == "application/json"
    task: dict[str, Any] = (await response.json())["task"]
    return task


def dialog_card(task: dict[str, Any]) -> dict[str, Any]:
    assert task["type"] == "continue" and task["value"]["title"] == "Send a gift"
    attachment = task["value"]["card"]
    assert attachment["contentType"] == ADAPTIVE_CARD and card_problems(attachment["content"]) == []
    card: dict[str, Any] = attachment["content"]
    return card


def element(card: dict[str, Any], input_id: str) -> dict[str, Any]:
    (found,) = [e for e in card["body"] if e.get("id") == input_id]
    return found


async def opened(teams: TeamsWorld, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    return dialog_card(
        await invoke(teams, extension(teams, "composeExtension/fetchTask", payload=payload))
    )


async def submitted(teams: TeamsWorld, card: dict[str, Any], **inputs: str) -> dict[str, Any]:
    filled = {"to": "", "email": "", "product": TEA.id, "amount": "", "date": "", "time": ""}
    data = press(card, "Continue to payment", {**filled, "note": "", **inputs})
    return await invoke(teams, extension(teams, "composeExtension/submitAction", data))


async def test_the_dialog_asks_who_which_voucher_how_much_when_and_a_message(
    teams: TeamsWorld,
) -> None:
    card = await opened(teams)

    picker = element(card, "to")
    assert (
        picker["choices.data"]["dataset"] == "graph.microsoft.com/users" and "value" not in picker
    )
    products = [c["value"] for c in element(card, "product")["choices"]]
    assert sorted(products) == sorted(["copper-kettle-coffee", "quiet-harbour-books", TEA.id])
    assert {"email", "amount", "date", "time", "note"} <= {e.get("id") for e in card["body"]}
    assert [a["title"] for a in actions(card)] == ["Continue to payment"]
    assert teams.connector.calls == []  # nothing sent to Teams to open a dialog


async def test_opened_on_a_colleagues_message_the_dialog_proposes_its_author(
    teams: TeamsWorld,
) -> None:
    card = await opened(teams, ON_GRACES_MESSAGE)

    picker = element(card, "to")
    assert picker["value"] == GRACE.aad
    assert picker["choices"] == [{"title": "Grace Hopper", "value": GRACE.aad}]


async def test_opened_on_ones_own_message_or_a_bots_the_dialog_proposes_nobody(
    teams: TeamsWorld,
) -> None:
    own = {**ON_GRACES_MESSAGE, "from": {"user": {"id": DAVE_AAD, "displayName": "Dave"}}}
    bot = {**ON_GRACES_MESSAGE, "from": {"application": {"id": "28:bot", "displayName": "CI"}}}

    for payload in (own, bot):
        assert "value" not in element(await opened(teams, payload), "to")


async def test_the_order_goes_to_the_buyers_personal_chat_and_the_gift_reaches_the_colleague(
    teams: TeamsWorld,
) -> None:
    teams.connector.add_members(EXTENSION_CHANNEL, GRACE)
    card = await opened(teams, ON_GRACES_MESSAGE)

    task = await submitted(teams, card, to=GRACE.aad, amount="25", note="For the winter release")

    assert task["type"] == "message" and "personal chat" in task["value"]
    order = teams.order()
    assert order.buyer.user_id == DAVE_AAD and order.status is OrderStatus.AWAITING_PAYMENT
    (shown,) = teams.connector.in_conversation(DAVE_CHAT)
    assert "Lantern Tea House" in card_text(shown.card) and any(
        a["title"].startswith("Pay") for a in actions(shown.card)
    )
    assert teams.connector.in_conversation(EXTENSION_CHANNEL) == []  # nothing in the channel
    (gift,) = teams.store.gifts.values()
    assert gift.recipient.user_id == GRACE.aad and gift.buyer.user_id == DAVE_AAD

    await teams.pay(order)
    await teams.relay.run_once()

    voucher = teams.store.vouchers[order.id]
    (delivered,) = teams.connector.in_conversation(GRACE_CHAT)
    assert voucher.code in card_text(delivered.card)
    assert "For the winter release" in card_text(delivered.card)
    receipts = [
        c for c in teams.connector.in_conversation(DAVE_CHAT) if "Receipt" in card_text(c.card)
    ]
    assert len(receipts) == 1 and "Grace Hopper" in card_text(receipts[0].card)
    dave_saw = json.dumps([c.body for c in teams.connector.in_conversation(DAVE_CHAT)])
    assert voucher.code not in dave_saw and (voucher.pin or "-") not in dave_saw
    assert teams.store.gifts[gift.id].status is GiftStatus.DELIVERED


async def test_a_wrong_amount_brings_the_dialog_back_with_the_reason_and_what_was_typed(
    teams: TeamsWorld,
) -> None:
    card = await opened(teams, ON_GRACES_MESSAGE)

    again = dialog_card(await submitted(teams, card, to=GRACE.aad, amount="3", note="Cheers"))

    assert "€5" in card_text(again) and element(again, "amount")["value"] == "3"  # TEA: €5 to €200
    assert element(again, "note")["value"] == "Cheers"
    assert element(again, "to")["value"] == GRACE.aad  # still shown as Grace
    assert teams.store.orders == {} and teams.connector.calls == []


async def test_without_a_colleague_the_dialog_asks_for_one(teams: TeamsWorld) -> None:
    card = await opened(teams)

    again = dialog_card(await submitted(teams, card, amount="25"))

    assert "Choose a colleague" in card_text(again) and teams.store.orders == {}


async def test_a_gift_to_oneself_is_refused_in_the_dialog_as_the_gift_command_refuses_it(
    teams: TeamsWorld,
) -> None:
    card = await opened(teams)

    again = dialog_card(await submitted(teams, card, to=DAVE_AAD, amount="25"))

    # Said in Teams' words: its own catalog command, not Slack's slash command.
    assert "A gift is for someone else: use “vouchers” to buy a voucher for yourself." in card_text(
        again
    )
    assert "/vouchers" not in card_text(again)
    assert [o.status for o in teams.store.orders.values()] in ([], [OrderStatus.CREATED])
    assert teams.store.gifts == {}


async def test_a_colleague_in_slack_is_named_by_work_email_and_found_in_the_directory(
    teams: TeamsWorld,
) -> None:
    lin = ChatUser("slack", "T0HARBOUR", "U0LIN", "Lin Wei")
    teams.directory.people["lin@harbour.example"] = Recipient(
        lin, ConversationRef("slack", "T0HARBOUR:U0LIN")
    )
    card = await opened(teams)

    task = await submitted(teams, card, email="Lin@Harbour.example", amount="12")

    assert task["type"] == "message"
    (gift,) = teams.store.gifts.values()
    assert gift.recipient == lin and gift.recipient_conversation.platform == "slack"


async def test_an_email_nobody_answers_to_is_refused_in_the_dialog(teams: TeamsWorld) -> None:
    card = await opened(teams)

    again = dialog_card(await submitted(teams, card, email="nobody@harbour.example", amount="25"))

    assert "nobody@harbour.example" in card_text(again) and teams.store.orders == {}


async def test_a_delivery_date_schedules_the_gift_in_the_senders_zone(teams: TeamsWorld) -> None:
    teams.connector.add_members(EXTENSION_CHANNEL, GRACE)
    card = await opened(teams)

    await submitted(teams, card, to=GRACE.aad, amount="50", date="2026-12-24", time="08:30")

    (gift,) = teams.store.gifts.values()
    assert gift.deliver_at == datetime(2026, 12, 24, 8, 30, tzinfo=UTC)  # the invoke named no zone
    kinds = [m.kind for m in teams.store.outbox.values()]
    assert MessageKind.GIFT_DELIVERY not in kinds  # nothing queued before the payment


async def test_the_buyers_personal_chat_is_in_the_buyers_tenant(teams: TeamsWorld) -> None:
    teams.connector.add_members(EXTENSION_CHANNEL, GRACE)
    card = await opened(teams)

    await submitted(teams, card, to=GRACE.aad, amount="25")

    (created,) = teams.connector.made("create")
    assert created.body["channelData"]["tenant"]["id"] == TENANT
    assert [m["id"] for m in created.body["members"]] == [DAVE_ID]


async def test_a_german_buyer_gets_the_dialog_and_its_answer_in_german(teams: TeamsWorld) -> None:
    teams.connector.add_members(EXTENSION_CHANNEL, GRACE)
    fetch = {**extension(teams, "composeExtension/fetchTask"), "locale": "de-DE"}

    task = await invoke(teams, fetch)
    card = task["value"]["card"]["content"]
    data = press(card, "Weiter zur Zahlung", {"to": GRACE.aad, "product": TEA.id, "amount": "25"})
    submit = {**extension(teams, "composeExtension/submitAction", data), "locale": "de-DE"}
    answer = await invoke(teams, submit)

    assert task["value"]["title"] == "Geschenk senden" and card_problems(card) == []
    assert "Lantern Tea House: von 5\u00a0€ bis 200\u00a0€" in card_text(card)
    # de-DE: vouchers for Germany are listed first, and chosen unless the buyer picks another
    assert (
        element(card, "product")["choices"][0]["value"]
        == TEA.id
        == element(card, "product")["value"]
    )
    assert answer["value"].startswith("Ihr Geschenk liegt in unserem persönlichen Chat")


async def test_a_replayed_submit_places_no_second_order_and_posts_nothing_new(
    teams: TeamsWorld,
) -> None:
    teams.connector.add_members(EXTENSION_CHANNEL, GRACE)
    card = await opened(teams, ON_GRACES_MESSAGE)
    data = press(card, "Continue to payment", {"to": GRACE.aad, "product": TEA.id, "amount": "25"})
    submit = extension(teams, "composeExtension/submitAction", data)

    first = await invoke(teams, submit)
    posted = len(teams.connector.in_conversation(DAVE_CHAT))
    again = await invoke(teams, submit)  # Teams sends the same invoke again when the answer is late

    assert again == first and first["type"] == "message"
    order = teams.order()
    assert order.id in first["value"] and len(teams.store.gifts) == 1
    assert posted == 1 and len(teams.connector.in_conversation(DAVE_CHAT)) == 1
    posts = [c.kind for c in teams.connector.calls if c.kind in ("send", "reply", "update")]
    assert posts == ["reply"]  # the order card, once; the replay only looked Grace up again


async def test_a_replay_arriving_while_the_first_submit_runs_posts_the_order_card_once(
    teams: TeamsWorld,
) -> None:
    teams.connector.add_members(EXTENSION_CHANNEL, GRACE)
    card = await opened(teams, ON_GRACES_MESSAGE)
    data = press(card, "Continue to payment", {"to": GRACE.aad, "product": TEA.id, "amount": "25"})
    submit = extension(teams, "composeExtension/submitAction", data)

    first, again = await asyncio.gather(invoke(teams, submit), invoke(teams, submit))

    assert first == again and teams.order().id in first["value"]
    (shown,) = teams.connector.in_conversation(DAVE_CHAT)
    assert any(a["title"].startswith("Pay") for a in actions(shown.card))
    assert len(teams.store.gifts) == 1


# --- the voucher picker: the first page in the card, the whole catalog by typing
# --------------------

ZEPHYR = Product(
    id="zephyr-kites",
    brand="Zephyr Kite Shop",
    name="Zephyr Kite Shop gift card",
    currency="USD",
    countries=("US",),
    denominations=(2000, 4000),
)
ATELIER = Product(
    id="atelier-bleu",
    brand="Atelier Bleu",
    name="Atelier Bleu carte cadeau",
    currency="EUR",
    countries=("FR",),
    denominations=(3000,),
)


def cinemas(count: int) -> list[Product]:
    """Many vouchers whose brands sort before Zephyr's, so it is beyond the dialog's first page."""
    return [
        Product(
            id=f"aster-cinema-{n:03}",
            brand=f"Aster Cinema {n:03}",
            name="Aster Cinema ticket",
            currency="USD",
            countries=("US",),
            denominations=(1200,),
        )
        for n in range(count)
    ]


def typing(teams: TeamsWorld, dataset: str, text: str, locale: str = "en-US") -> dict[str, Any]:
    """The application/search invoke Teams sends as the buyer types, in the captured dialog's
    chat."""
    documented = fixture_activity("invoke.application_search.msteams_docs")
    activity = extension(teams, "composeExtension/fetchTask")
    activity.update(
        name=documented["name"],
        value={**documented["value"], "dataset": dataset, "queryText": text},
        locale=locale,
        localTimezone=documented["localTimezone"],
    )
    return activity


async def found(teams: TeamsWorld, activity: dict[str, Any]) -> list[dict[str, str]]:
    response = await teams.post(activity)
    assert response.status == 200 and response.content_type == "application/json"
    body = await response.json()
    assert body["type"] == "application/vnd.microsoft.search.searchResponse"
    results: list[dict[str, str]] = body["value"]["results"]
    return results


async def test_a_voucher_beyond_the_first_page_is_found_by_typing_and_gifted(
    teams: TeamsWorld,
) -> None:
    teams.checkout.catalog = Catalog([*cinemas(60), BOOKS, TEA, COFFEE, ZEPHYR])
    teams.connector.add_members(EXTENSION_CHANNEL, GRACE)
    card = await opened(teams, ON_GRACES_MESSAGE)
    picker = element(card, "product")
    assert len(picker["choices"]) == 50 and ZEPHYR.id not in str(picker["choices"])
    assert picker["choices.data"]["type"] == "Data.Query"

    results = await found(teams, typing(teams, picker["choices.data"]["dataset"], "zeph"))

    assert results == [{"title": "Zephyr Kite Shop: $20 · $40", "value": ZEPHYR.id}]
    task = await submitted(teams, card, to=GRACE.aad, product=results[0]["value"], amount="40")
    assert task["type"] == "message"
    order = teams.order()
    assert order.product_id == ZEPHYR.id and order.amount.minor == 4000
    (gift,) = teams.store.gifts.values()
    assert gift.recipient.user_id == GRACE.aad


async def test_typing_lists_the_buyers_countrys_vouchers_then_its_currencys_then_the_rest(
    teams: TeamsWorld,
) -> None:
    teams.checkout.catalog = Catalog([BOOKS, TEA, COFFEE, ATELIER])
    dataset = element(await opened(teams), "product")["choices.data"]["dataset"]

    german = await found(teams, typing(teams, dataset, "e", locale="de-DE"))
    american = await found(teams, typing(teams, dataset, "e", locale="en-US"))

    # Germany: Lantern Tea (for Germany), Atelier Bleu (euros, France), then the dollar vouchers
    assert [r["value"] for r in german] == [TEA.id, ATELIER.id, COFFEE.id, BOOKS.id]
    assert german[0]["title"] == "Lantern Tea House: von 5\u00a0€ bis 200\u00a0€"
    assert [r["value"] for r in american] == [COFFEE.id, BOOKS.id, ATELIER.id, TEA.id]


async def test_typing_what_no_voucher_has_or_in_another_dataset_finds_nothing(
    teams: TeamsWorld,
) -> None:
    dataset = element(await opened(teams), "product")["choices.data"]["dataset"]

    assert await found(teams, typing(teams, dataset, "submarine")) == []
    assert await found(teams, typing(teams, "npm", "tea")) == []  # not a dataset of ours
    assert teams.connector.calls == []


async def test_the_dialog_shown_again_keeps_a_voucher_found_by_typing(teams: TeamsWorld) -> None:
    teams.checkout.catalog = Catalog([*cinemas(60), ZEPHYR])
    card = await opened(teams)

    again = dialog_card(await submitted(teams, card, to=GRACE.aad, product=ZEPHYR.id, amount="3"))

    picker = element(again, "product")
    assert picker["value"] == ZEPHYR.id and ZEPHYR.id in [c["value"] for c in picker["choices"]]
    assert (
        "values this voucher comes in: $20 · $40" in card_text(again) and teams.store.orders == {}
    )


async def test_typing_pages_through_many_matches_as_teams_asks_with_skip_and_top(
    teams: TeamsWorld,
) -> None:
    teams.checkout.catalog = Catalog(cinemas(40))
    dataset = element(await opened(teams), "product")["choices.data"]["dataset"]
    first, following = (typing(teams, dataset, "aster") for _ in range(2))
    following["value"]["queryOptions"] = {"skip": 15, "top": 15}

    shown, more = await found(teams, first), await found(teams, following)

    assert [r["value"] for r in shown + more] == [f"aster-cinema-{n:03}" for n in range(30)]
