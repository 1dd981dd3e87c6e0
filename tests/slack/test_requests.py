"""Signed Slack requests through the real Bolt dispatch: browsing, choosing, ordering, and refusing
forgeries."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from core.money import Money
from core.orders import OrderStatus
from tests.slack.conftest import ADA, BOOKS, COFFEE, GRACE, TEA, SlackWorld, clicked, element


def section_texts(blocks: list[dict]) -> str:
    return "\n".join(
        b.get("text", {}).get("text", "") + "".join(f.get("text", "") for f in b.get("fields", []))
        for b in blocks
        if b["type"] in ("section", "context", "header")
    ) + "\n".join(
        e.get("text", "") for b in blocks if b["type"] == "context" for e in b["elements"]
    )


async def test_an_unsigned_request_is_refused_and_nothing_happens(slack: SlackWorld) -> None:
    response = await slack.post(
        "command=%2Fvouchers&text=buy+quiet-harbour-books+25",
        "application/x-www-form-urlencoded",
        signed=False,
    )

    assert response.status == 401
    assert slack.fake.calls == [] and slack.store.orders == {}


async def test_a_badly_signed_request_is_refused(slack: SlackWorld) -> None:
    forged = {"X-Slack-Signature": "v0=" + "0" * 64}

    response = await slack.command("buy quiet-harbour-books 25", headers=forged)

    assert response.status == 401
    await slack.settle()
    assert slack.store.orders == {} and slack.fake.calls == []


async def test_a_request_with_a_stale_timestamp_is_refused(slack: SlackWorld) -> None:
    body = "command=%2Fvouchers&text=&team_id=T0VB&user_id=U0ADA"

    response = await slack.post(
        body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 600
    )

    assert response.status == 401
    assert slack.fake.calls == []


async def test_the_url_verification_challenge_is_answered(slack: SlackWorld) -> None:
    body = json.dumps(
        {"token": "legacy", "challenge": "harbour-lights-42", "type": "url_verification"}
    )

    response = await slack.post(body, "application/json")

    assert response.status == 200
    assert (await response.json())["challenge"] == "harbour-lights-42"


async def test_vouchers_answers_with_the_catalog_as_product_cards(slack: SlackWorld) -> None:
    response = await slack.command("")

    assert response.status == 200
    message = await response.json()
    assert slack.fake.check_message(message, "/vouchers") == []
    assert message["response_type"] == "ephemeral"
    text = section_texts(message["blocks"])
    assert "Quiet Harbour Books" in text and "$10 · $25 · $50" in text and "from €5 to €200" in text
    images = [
        b["accessory"]["image_url"]
        for b in message["blocks"]
        if b.get("accessory", {}).get("type") == "image"
    ]
    assert BOOKS.image_url in images and COFFEE.image_url in images
    assert element(message["blocks"], "vb_pick_product")["type"] == "external_select"


async def test_vouchers_with_words_and_filters_searches_the_catalog(slack: SlackWorld) -> None:
    response = await slack.command("coffee currency:EUR country:DE max:50")

    message = await response.json()
    text = section_texts(message["blocks"])
    assert "Copper Kettle Coffee" in text
    assert "Quiet Harbour Books" not in text and "Lantern Tea House" not in text


async def test_an_unreadable_filter_gets_a_clear_message(slack: SlackWorld) -> None:
    response = await slack.command("tea currency:EURO")

    message = await response.json()
    assert "`currency:EURO` is not a currency code" in message["text"]


async def test_help_explains_the_commands(slack: SlackWorld) -> None:
    message = await (await slack.command("help")).json()

    assert "/vouchers mine" in section_texts(message["blocks"])


async def test_paging_walks_through_five_thousand_products(big_slack: SlackWorld) -> None:
    first = await (await big_slack.command("")).json()
    assert "5,003 found · page 1 of 1001" in section_texts(first["blocks"])

    await big_slack.action(clicked(first["blocks"], "vb_page:next"), response_url="paging")
    second = await big_slack.wait_for_response("paging")

    assert second["replace_original"] is True
    assert "page 2 of 1001" in section_texts(second["blocks"])
    first_names = {
        b["text"]["text"]
        for b in first["blocks"]
        if b.get("accessory") is None and "card no." in str(b)
    }
    second_names = {b["text"]["text"] for b in second["blocks"] if "card no." in str(b)}
    assert second_names and not first_names & second_names


async def test_searching_five_thousand_products_keeps_the_filters_while_paging(
    big_slack: SlackWorld,
) -> None:
    first = await (await big_slack.command("cobalt currency:GBP")).json()
    assert "334 found · page 1 of 67" in section_texts(first["blocks"])

    await big_slack.action(clicked(first["blocks"], "vb_page:next"), response_url="paging")
    second = await big_slack.wait_for_response("paging")

    assert "for “cobalt”* · 334 found · page 2 of 67" in section_texts(second["blocks"])
    assert all(
        "Cobalt Coffee Roasters" in b["text"]["text"]
        for b in second["blocks"]
        if "card no." in str(b)
    )


async def test_the_product_picker_offers_at_most_a_hundred_matches(big_slack: SlackWorld) -> None:
    response = await big_slack.options("ember")

    assert response.status == 200
    options = (await response.json())["options"]
    assert big_slack.fake.check_options(options) == []
    assert len(options) == 100
    assert all(o["text"]["text"].startswith("Ember Pizza") for o in options)


async def test_choosing_a_product_shows_its_denominations(slack: SlackWorld) -> None:
    catalog = await (await slack.command("books")).json()

    await slack.action(clicked(catalog["blocks"], "vb_choose:0"), response_url="choose")
    card = await slack.wait_for_response("choose")

    assert card["replace_original"] is True
    buttons = [
        e["text"]["text"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons[:3] == ["Buy $10", "Buy $25", "Buy $50"]


async def test_picking_from_the_typeahead_shows_the_product(slack: SlackWorld) -> None:
    picked = {
        "type": "external_select",
        "action_id": "vb_pick_product",
        "block_id": "vb_picker",
        "selected_option": {"text": {"type": "plain_text", "text": "Lantern Tea"}, "value": TEA.id},
    }

    await slack.action(picked, response_url="picked")
    card = await slack.wait_for_response("picked")

    assert element(card["blocks"], "vb_amount_input")["type"] == "plain_text_input"


async def test_an_unknown_product_gets_a_clear_message(slack: SlackWorld) -> None:
    picked = {
        "type": "external_select",
        "action_id": "vb_pick_product",
        "block_id": "vb_picker",
        "selected_option": {
            "text": {"type": "plain_text", "text": "Gone"},
            "value": "retired-brand",
        },
    }

    await slack.action(picked, response_url="gone")
    reply = await slack.wait_for_response("gone")

    assert reply["text"] == "There is no voucher “retired-brand” in the catalog."
    assert reply["replace_original"] is False


async def test_choosing_a_denomination_places_the_order_and_offers_the_pay_link(
    slack: SlackWorld,
) -> None:
    catalog = await (await slack.command("books")).json()
    await slack.action(clicked(catalog["blocks"], "vb_choose:0"), response_url="choose")
    card = await slack.wait_for_response("choose")

    await slack.action(clicked(card["blocks"], "vb_denomination:1"), response_url="buy")
    summary = await slack.wait_for_response("buy")

    order = slack.only_order()
    assert order.amount == Money(2500, "USD") and order.status is OrderStatus.AWAITING_PAYMENT
    assert order.buyer.key == "slack:T0VB:U0ADA"
    pay = element(summary["blocks"], "vb_pay")
    assert pay["url"] == f"https://vouchers.example.com/checkout/{order.checkout_token}"
    assert "Awaiting payment" in section_texts(summary["blocks"])
    address = json.loads(order.conversation.address)
    assert (
        address["channel"] == "C0GENERAL" and address["user"] == ADA and address["team"] == "T0VB"
    )
    assert address["response_url"] == slack.fake.response_url("buy")


async def test_an_open_value_amount_out_of_range_gets_a_clear_message(slack: SlackWorld) -> None:
    state = {
        f"vb_amount:{TEA.id}": {"vb_amount_input": {"type": "plain_text_input", "value": "500"}}
    }
    submit = {
        "type": "button",
        "action_id": "vb_amount_submit",
        "value": TEA.id,
        "text": {"type": "plain_text", "text": "Buy"},
    }

    await slack.action(submit, state=state, response_url="amount")
    reply = await slack.wait_for_response("amount")

    assert ":warning: €500 is above the maximum of €200 (minimum €5)." in section_texts(
        reply["blocks"]
    )
    assert element(reply["blocks"], "vb_amount_input")["initial_value"] == "500"
    assert slack.store.orders == {}


async def test_an_open_value_amount_that_is_not_a_number_gets_a_clear_message(
    slack: SlackWorld,
) -> None:
    typed = {
        "type": "plain_text_input",
        "action_id": "vb_amount_input",
        "block_id": f"vb_amount:{TEA.id}",
        "value": "lots",
    }

    await slack.action(typed, response_url="amount")
    reply = await slack.wait_for_response("amount")

    assert "“lots” is not an amount. Type a number from €5 to €200." in section_texts(
        reply["blocks"]
    )
    assert slack.store.orders == {}


async def test_an_open_value_amount_within_range_places_the_order(slack: SlackWorld) -> None:
    typed = {
        "type": "plain_text_input",
        "action_id": "vb_amount_input",
        "block_id": f"vb_amount:{TEA.id}",
        "value": "42",
    }

    await slack.action(typed, response_url="amount")
    await slack.wait_for_response("amount")

    assert slack.only_order().amount == Money(4200, "EUR")


async def test_a_retried_action_creates_one_order(slack: SlackWorld) -> None:
    buy = {
        "type": "button",
        "action_id": "vb_denomination:0",
        "value": f"1000|{BOOKS.id}",
        "text": {"type": "plain_text", "text": "Buy $10"},
    }

    first = await slack.action(buy, response_url="first")
    retry = await slack.action(
        buy,
        response_url="first",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    await slack.settle()

    assert first.status == retry.status == 200
    order = slack.only_order()
    assert list(slack.gateway.intents) == [f"{order.id}:pay:1"]
    assert len(slack.responses("first")) == 2  # the same order summary, shown again


async def test_a_retried_slash_command_order_creates_one_order(slack: SlackWorld) -> None:
    first = await slack.command(
        "buy quiet-harbour-books 25", trigger="777.1.trigger", response_url="cmd-buy"
    )
    retry = await slack.command(
        "buy quiet-harbour-books 25",
        trigger="777.1.trigger",
        response_url="cmd-buy",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    await slack.settle()

    assert first.status == retry.status == 200
    assert slack.only_order().request_key == "slack:T0VB:U0ADA:command:777.1.trigger"
    assert element(slack.responses("cmd-buy")[0]["blocks"], "vb_pay")["url"].startswith(
        "https://vouchers.example.com/checkout/"
    )


async def test_a_command_order_for_an_amount_not_sold_is_refused_at_once(slack: SlackWorld) -> None:
    response = await slack.command("buy quiet-harbour-books 30")

    message = await response.json()
    assert message["text"] == "$30 is not one of the values this voucher comes in: $10 · $25 · $50."
    assert slack.store.orders == {}


async def test_an_order_is_acknowledged_before_the_payment_provider_answers(
    slack: SlackWorld,
) -> None:
    release = asyncio.Event()
    create_intent = slack.gateway.create_intent

    async def slow_create_intent(
        **kwargs: Any,
    ) -> Any:  # the provider takes its time; Slack must not wait for it
        await release.wait()
        return await create_intent(**kwargs)

    slack.gateway.create_intent = slow_create_intent  # type: ignore[method-assign]
    buy = {
        "type": "button",
        "action_id": "vb_denomination:0",
        "value": f"1000|{BOOKS.id}",
        "text": {"type": "plain_text", "text": "Buy $10"},
    }

    started = time.monotonic()
    response = await slack.action(buy, response_url="slow")
    acked_in = time.monotonic() - started
    release.set()
    await slack.wait_for_response("slow")

    assert response.status == 200 and acked_in < 1.0
    assert slack.only_order().status is OrderStatus.AWAITING_PAYMENT


async def test_only_the_buyer_can_retry_a_payment(slack: SlackWorld) -> None:
    await slack.command("buy quiet-harbour-books 25", response_url="cmd-buy")
    await slack.settle()
    order = slack.only_order()
    retry = {
        "type": "button",
        "action_id": "vb_retry",
        "value": order.id,
        "text": {"type": "plain_text", "text": "Retry payment"},
    }

    await slack.action(retry, user=GRACE, response_url="grace")
    reply = await slack.wait_for_response("grace")

    assert reply["text"] == "Only the person who placed this order can do that."


async def test_a_failure_after_the_ack_is_logged_and_apologised_for(slack: SlackWorld) -> None:
    async def exploding_create_intent(
        **kwargs: Any,
    ) -> Any:  # a bug below the core, not a payment refusal
        raise RuntimeError("gateway adapter bug")

    slack.gateway.create_intent = exploding_create_intent  # type: ignore[method-assign]
    buy = {
        "type": "button",
        "action_id": "vb_denomination:0",
        "value": f"1000|{BOOKS.id}",
        "text": {"type": "plain_text", "text": "Buy $10"},
    }

    response = await slack.action(buy, response_url="oops")
    reply = await slack.wait_for_response("oops")

    assert response.status == 200
    assert reply["text"].startswith("Sorry, something went wrong")


async def test_a_failure_before_the_ack_goes_to_the_global_error_handler(
    slack: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    class BrokenCatalog:
        def search(self, query: Any) -> Any:
            raise RuntimeError("catalog index corrupt")

    monkeypatch.setattr(slack.checkout, "catalogs", lambda: BrokenCatalog())

    response = await slack.command("books")

    assert response.status == 200
    assert (await response.json())["text"].startswith("Sorry, something went wrong")
