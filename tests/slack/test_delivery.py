"""From a paid order to the voucher in Slack: the outbox relay through SlackSender to the fake Web
API."""

from __future__ import annotations

import json

import pytest

from core.errors import DeliveryError, DeliveryRetryLater
from core.identity import ConversationRef
from core.orders import Order, OrderStatus
from core.outbox import MessageKind, MessageStatus
from core.payments import PaymentEvent, PaymentEventKind
from core.views import VoucherDelivery
from tests.slack.conftest import ADA, BOOKS, GENERAL, TEA, SlackWorld, clicked, element
from tests.slack.test_requests import section_texts

DM = f"D{ADA}"


async def order_from_channel(slack: SlackWorld, response_url: str = "buy") -> Order:
    """Ada buys a $25 Quiet Harbour Books card from an ephemeral catalog in #general."""
    catalog = await (await slack.command("books")).json()
    await slack.action(clicked(catalog["blocks"], "vb_choose:0"), response_url="choose")
    card = await slack.wait_for_response("choose")
    await slack.action(clicked(card["blocks"], "vb_denomination:1"), response_url=response_url)
    await slack.wait_for_response(response_url)
    return slack.only_order()


async def order_from_dm_message(slack: SlackWorld) -> Order:
    """Ada opened App Home, pressed Browse; the catalog was posted in her DM, where she buys."""
    await slack.action(
        {
            "type": "button",
            "action_id": "vb_browse",
            "value": "browse",
            "text": {"type": "plain_text", "text": "Browse vouchers"},
        },
        channel=DM,
        ephemeral=False,
        response_url="home-browse",
    )
    await slack.settle()
    posted = slack.fake.messages_in(DM)[-1]
    await slack.action(
        clicked(posted.blocks, "vb_choose:0"),
        channel=DM,
        message_ts=posted.ts,
        ephemeral=False,
        response_url="dm-choose",
    )
    card = await slack.wait_for_response("dm-choose")
    await slack.action(
        clicked(card["blocks"], "vb_denomination:0"),
        channel=DM,
        message_ts=posted.ts,
        ephemeral=False,
        response_url="dm-buy",
    )
    await slack.wait_for_response("dm-buy")
    return slack.only_order()


async def test_a_paid_order_delivers_the_voucher_to_its_owner_with_code_and_expiry(
    slack: SlackWorld,
) -> None:
    order = await order_from_channel(slack)

    await slack.pay(order)
    results = await slack.relay.run_once()

    assert [r.outcome for r in results] == ["sent", "sent", "sent"]
    assert slack.store.orders[order.id].status is OrderStatus.DELIVERED
    [voucher_message] = slack.fake.messages_in(DM)
    text = section_texts(voucher_message.blocks)
    code = slack.store.vouchers[order.id].code
    assert f"`{code}`" in text and "Expires: Nov 26, 2027" in text and f"`{order.id}`" in text
    assert "Amount: $25" in text and "Show the code at the till" in text
    assert element(voucher_message.blocks, "vb_redeem")["url"] == BOOKS.redeem_url
    assert code not in voucher_message.text  # notifications and lock screens never show the code
    assert [c.args["users"] for c in slack.fake.calls_to("conversations.open")] == [ADA]


async def test_a_voucher_ordered_in_a_channel_is_also_shown_there_only_to_its_owner(
    slack: SlackWorld,
) -> None:
    order = await order_from_channel(slack)

    await slack.pay(order)
    await slack.relay.run_once()

    copies = [r for r in slack.responses("buy") if r.get("replace_original") is False]
    assert len(copies) == 1
    assert copies[0]["response_type"] == "ephemeral"
    assert f"`{slack.store.vouchers[order.id].code}`" in section_texts(copies[0]["blocks"])
    assert (
        slack.fake.calls_to("chat.postMessage")[0].args["channel"] == DM
    )  # never the channel itself


async def test_the_order_message_in_a_channel_goes_awaiting_payment_then_paid_then_voucher_ready(
    slack: SlackWorld,
) -> None:
    order = await order_from_channel(slack)

    await slack.pay(order)
    await slack.relay.run_once()

    replaced = [r for r in slack.responses("buy") if r.get("replace_original") is True]
    labels = [r["text"] for r in replaced]
    # Each update shows the step it was written for, though the voucher is ready by the time both
    # are sent.
    assert labels == [
        "Quiet Harbour Books $25: Awaiting payment",
        "Quiet Harbour Books $25: Paid, preparing your voucher",
        "Quiet Harbour Books $25: Voucher ready",
    ]
    assert "sent to you privately" in section_texts(replaced[-1]["blocks"])
    assert slack.fake.calls_to("chat.update") == []


async def test_an_order_placed_in_the_dm_is_updated_with_chat_update_and_gets_one_voucher_message(
    slack: SlackWorld,
) -> None:
    order = await order_from_dm_message(slack)
    catalog_ts = json.loads(order.conversation.address)["ts"]

    await slack.pay(order)
    await slack.relay.run_once()

    updates = slack.fake.calls_to("chat.update")
    assert [u.args["ts"] for u in updates] == [catalog_ts, catalog_ts]
    assert slack.fake.messages[catalog_ts].text == "Copper Kettle Coffee €10: Voucher ready"
    vouchers = [m for m in slack.fake.messages_in(DM) if m.ts != catalog_ts]
    assert (
        len(vouchers) == 1
        and vouchers[0].text == "Your Copper Kettle Coffee voucher (€10) is ready"
    )
    assert not [r for r in slack.responses("dm-buy") if r.get("replace_original") is False]


async def test_a_rate_limited_voucher_is_retried_after_retry_after_and_delivered_once(
    slack: SlackWorld,
) -> None:
    order = await order_from_channel(slack)
    await slack.pay(order)
    slack.fake.fail_next(1, status=429, retry_after=30, method="chat.postMessage")

    first = await slack.relay.run_once()

    assert [r.outcome for r in first] == ["sent", "retry", "deferred"]
    voucher_row = next(
        m for m in slack.store.outbox.values() if m.kind is MessageKind.VOUCHER_DELIVERY
    )
    assert (voucher_row.next_attempt_at - slack.clock.now()).total_seconds() >= 30
    assert slack.fake.messages_in(DM) == []

    slack.clock.advance(seconds=29)
    assert await slack.relay.run_once() == []
    slack.clock.advance(seconds=400)
    later = await slack.relay.run_once()

    assert [r.outcome for r in later] == ["sent", "sent"]
    assert len(slack.fake.messages_in(DM)) == 1
    assert slack.store.outbox[voucher_row.key].status is MessageStatus.SENT


async def test_a_slack_outage_is_retried_and_loses_nothing(slack: SlackWorld) -> None:
    order = await order_from_channel(slack)
    await slack.pay(order)
    slack.fake.fail_next(2, status=500, method="conversations.open")

    await slack.relay.run_once()
    for _ in range(3):
        slack.clock.advance(seconds=400)
        await slack.relay.run_once()

    assert len(slack.fake.messages_in(DM)) == 1
    assert all(m.status is MessageStatus.SENT for m in slack.store.outbox.values())


async def test_the_sender_maps_429_to_retry_later_with_the_retry_after_seconds(
    slack: SlackWorld,
) -> None:
    delivery = await voucher_delivery(slack)
    slack.fake.fail_next(1, status=429, retry_after=12)

    with pytest.raises(DeliveryRetryLater) as raised:
        await slack.channel.sender.send(dm_address(), delivery)

    assert raised.value.retry_after == 12


async def test_the_sender_maps_server_errors_and_unreachable_slack_to_retry_later(
    slack: SlackWorld,
) -> None:
    delivery = await voucher_delivery(slack)
    slack.fake.fail_next(1, status=503)
    with pytest.raises(DeliveryRetryLater):
        await slack.channel.sender.send(dm_address(), delivery)

    await slack.fake.close()
    with pytest.raises(DeliveryRetryLater):
        await slack.channel.sender.send(dm_address(), delivery)


async def test_the_sender_maps_a_refusal_to_a_final_delivery_error(slack: SlackWorld) -> None:
    delivery = await voucher_delivery(slack)
    slack.fake.remove_user(ADA)

    with pytest.raises(DeliveryError) as raised:
        await slack.channel.sender.send(dm_address(), delivery)

    assert not isinstance(raised.value, DeliveryRetryLater)
    assert "user_not_found" in str(raised.value)


async def test_an_order_message_that_was_deleted_is_updated_in_the_dm(slack: SlackWorld) -> None:
    delivery = await voucher_delivery(slack)
    summary = await slack.checkout.order_summary(delivery.order_id)
    deleted = ConversationRef(
        "slack",
        json.dumps(
            {
                "team": "T0VB",
                "user": ADA,
                "channel": DM,
                "ts": "1700000000.000999",
                "ephemeral": False,
            }
        ),
    )

    await slack.channel.sender.send(deleted, summary)

    assert [c.args["ts"] for c in slack.fake.calls_to("chat.update", ok_only=False)] == [
        "1700000000.000999"
    ]
    assert [m.text for m in slack.fake.messages_in(DM)] == [
        "Quiet Harbour Books $25: Voucher ready"
    ]


async def test_an_expired_response_url_moves_the_order_update_to_the_dm(slack: SlackWorld) -> None:
    order = await order_from_channel(slack, response_url="short-lived")
    slack.fake.expire_response_url("short-lived")  # more than 30 minutes later, or used five times

    await slack.pay(order)
    await slack.relay.run_once()

    dm_texts = [m.text for m in slack.fake.messages_in(DM)]
    assert dm_texts == [
        "Quiet Harbour Books $25: Paid, preparing your voucher",
        "Your Quiet Harbour Books voucher ($25) is ready",
        "Quiet Harbour Books $25: Voucher ready",
    ]


async def test_a_failed_payment_says_so_and_offers_a_retry(slack: SlackWorld) -> None:
    order = await order_from_channel(slack)
    await slack.checkout.handle_payment_event(
        PaymentEvent(
            "evt_declined",
            PaymentEventKind.FAILED,
            order.payment_intent_id or "",
            order.id,
            failure_message="Your card was declined.",
        )
    )
    await slack.relay.run_once()
    failed = slack.responses("buy")[-1]

    assert ":warning: Your card was declined." in section_texts(failed["blocks"])
    await slack.action(clicked(failed["blocks"], "vb_retry"), response_url="retry")
    retried = await slack.wait_for_response("retry")

    assert slack.store.orders[order.id].status is OrderStatus.AWAITING_PAYMENT
    assert element(retried["blocks"], "vb_pay")["url"].endswith(
        slack.store.orders[order.id].checkout_token or "?"
    )


async def test_vouchers_mine_shows_the_voucher_with_its_code(slack: SlackWorld) -> None:
    order = await order_from_channel(slack)
    await slack.pay(order)
    await slack.relay.run_once()

    await slack.command("mine", response_url="wallet")
    wallet = await slack.wait_for_response("wallet")

    text = section_texts(wallet["blocks"])
    assert (
        f"`{slack.store.vouchers[order.id].code}`" in text
        and "Active · expires Nov 26, 2027" in text
    )


async def test_app_home_shows_the_wallet_newest_first(slack: SlackWorld) -> None:
    first = await order_from_channel(slack)
    await slack.pay(first)
    slack.clock.advance(days=1)
    await slack.command(f"buy {TEA.id} 30", response_url="tea")
    await slack.settle()
    tea = next(o for o in slack.store.orders.values() if o.product_id == TEA.id)
    await slack.pay(tea, event_id="evt_tea")

    response = await slack.home_opened()
    await slack.settle()

    assert response.status == 200
    view = slack.fake.views[ADA]
    assert view["type"] == "home"
    rows = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert rows[0].startswith("*Lantern Tea House*") and "••••" in rows[1]
    assert "4321" not in json.dumps(view) and slack.store.vouchers[tea.id].code not in json.dumps(
        view
    )
    assert element(view["blocks"], "vb_reveal:0")["value"] == tea.id
    assert rows[2].startswith("*Quiet Harbour Books*")
    assert element(view["blocks"], "vb_browse")["text"]["text"] == "Browse vouchers"


async def test_the_messages_tab_opening_publishes_nothing(slack: SlackWorld) -> None:
    response = await slack.home_opened(tab="messages")
    await slack.settle()

    assert response.status == 200
    assert slack.fake.calls_to("views.publish") == []


async def test_a_failing_home_tab_publish_is_logged_and_harms_nothing(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fake.fail_next(1, status=500, method="views.publish")

    response = await slack.home_opened()
    await slack.settle()
    await slack.home_opened()
    await slack.settle()

    assert response.status == 200
    assert "slack background work failed" in caplog.text
    assert slack.fake.views[ADA]["type"] == "home"  # the next opening publishes it


async def voucher_delivery(slack: SlackWorld) -> VoucherDelivery:
    order = await order_from_channel(slack)
    await slack.pay(order)
    return VoucherDelivery.of(slack.store.vouchers[order.id], BOOKS)


def dm_address() -> ConversationRef:
    return ConversationRef("slack", json.dumps({"team": "T0VB", "user": ADA, "channel": GENERAL}))
