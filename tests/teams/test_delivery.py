"""After payment the outbox reaches Teams proactively: order card updated, voucher card to its owner
only."""

from __future__ import annotations

from typing import Any

from core.orders import OrderStatus
from core.outbox import MessageKind, MessageStatus
from tests.fake_connector import Call
from tests.teams.conftest import COFFEE, TeamsWorld, card_text, press
from tests.unit.conftest import TEA


async def buy(teams: TeamsWorld, message: dict[str, Any], product_id: str, amount: str) -> Call:
    """Browse, choose and order from `message`'s conversation; returns the order card as last
    sent."""
    await teams.post(message)
    catalog = teams.connector.delivered()[-1]
    await teams.post(
        teams.submit(message, catalog, press(catalog.card, "Choose", product=product_id))
    )
    product = teams.connector.delivered()[-1]
    await teams.post(
        teams.submit(
            message, product, press(product.card, "Continue to payment", {"amount": amount})
        )
    )
    return teams.connector.delivered()[-1]


def voucher_cards(teams: TeamsWorld) -> list[Call]:
    return [c for c in teams.connector.delivered() if c.cards and "Code" in card_text(c.card)]


async def test_a_paid_order_delivers_the_voucher_card_into_the_personal_chat(
    teams: TeamsWorld,
) -> None:
    message = teams.personal("vouchers tea")
    order_card = await buy(teams, message, TEA.id, "42")
    await teams.pay(teams.order())

    results = await teams.relay.run_once()

    assert [r.outcome for r in results] == ["sent", "sent", "sent"]
    (voucher,) = voucher_cards(teams)
    assert voucher.conversation_id == message["conversation"]["id"]
    text = card_text(voucher.card)
    assert "QHB-0001-7K3M" in text and "4321" in text and "Dec 31, 2027" in text and "€42" in text
    assert teams.order().id in text
    updates = [c for c in teams.connector.made("update") if c.message_id == order_card.message_id]
    assert "Voucher ready" in card_text(updates[-1].card)
    assert teams.store.orders[teams.order().id].status is OrderStatus.DELIVERED


async def test_in_a_channel_the_code_goes_to_a_personal_chat_and_the_thread_gets_a_notice(
    teams: TeamsWorld,
) -> None:
    post = teams.in_channel("vouchers coffee")
    await buy(teams, post, COFFEE.id, "15.00")
    await teams.pay(teams.order())

    await teams.relay.run_once()

    (created,) = teams.connector.made("create")
    assert created.body["members"] == [{"id": post["from"]["id"]}]
    assert created.body["channelData"]["tenant"]["id"] == post["channelData"]["tenant"]["id"]
    (voucher,) = voucher_cards(teams)
    assert voucher.conversation_id == created.conversation_id != post["conversation"]["id"]
    assert "QHB-0001-7K3M" in card_text(voucher.card)
    (notice,) = [c for c in teams.connector.in_conversation(post["conversation"]["id"]) if c.text]
    assert "sent it to you in a personal chat" in notice.text
    thread = teams.connector.in_conversation(post["conversation"]["id"])
    assert all(
        "QHB-0001-7K3M" not in (c.text + "".join(card_text(card) for card in c.cards))
        for c in thread
    )


async def test_throttling_by_teams_is_retried_later_exactly_once(teams: TeamsWorld) -> None:
    message = teams.personal("vouchers coffee")
    await buy(teams, message, COFFEE.id, "5.00")
    await teams.pay(teams.order())
    teams.connector.fail_next(429, retry_after=7)

    first = await teams.relay.run_once()
    teams.clock.advance(seconds=7)
    second = await teams.relay.run_once()

    assert [r.outcome for r in first] == ["retry", "deferred", "deferred"]
    assert [r.outcome for r in second] == ["sent", "sent", "sent"]
    assert [c.status for c in teams.connector.calls[-4:]] == [429, 200, 200, 200]
    assert len(voucher_cards(teams)) == 1
    messages = sorted(teams.store.outbox.values(), key=lambda m: m.created_at)
    assert [m.attempts for m in messages] == [2, 1, 1]
    assert all(m.status is MessageStatus.SENT for m in messages)


async def test_a_server_error_is_retried_by_the_outbox_not_silently_inside_the_sdk(
    teams: TeamsWorld,
) -> None:
    message = teams.personal("vouchers coffee")
    await buy(teams, message, COFFEE.id, "5.00")
    await teams.pay(teams.order())
    teams.connector.fail_next(503)

    results = await teams.relay.run_once()

    assert results[0].outcome == "retry"
    assert [c.status for c in teams.connector.calls[-1:]] == [
        503
    ]  # one attempt, no hidden SDK retries


async def test_a_refusal_is_not_retried(teams: TeamsWorld) -> None:
    message = teams.personal("vouchers coffee")
    await buy(teams, message, COFFEE.id, "5.00")
    await teams.pay(teams.order())
    teams.connector.fail_next(403)

    results = await teams.relay.run_once()

    assert results[0].outcome == "dead"
    dead = [m for m in teams.store.outbox.values() if m.status is MessageStatus.DEAD]
    assert len(dead) == 1 and "403" in dead[0].last_error


async def test_an_order_card_that_was_deleted_is_sent_again(teams: TeamsWorld) -> None:
    message = teams.personal("vouchers coffee")
    await buy(teams, message, COFFEE.id, "5.00")
    await teams.pay(teams.order())
    teams.connector.fail_next(404)

    results = await teams.relay.run_once()

    assert [r.outcome for r in results] == ["sent", "sent", "sent"]
    gone, resent = teams.connector.calls[-4:-2]
    assert (gone.kind, gone.status, resent.kind, resent.status) == ("update", 404, "reply", 200)
    assert "Paid, preparing your voucher" in card_text(resent.card)  # the step it was written for
    assert "Voucher ready" in card_text(teams.connector.calls[-1].card)


async def test_the_order_card_goes_awaiting_payment_then_paid_then_voucher_ready(
    teams: TeamsWorld,
) -> None:
    message = teams.personal("vouchers tea")
    order_card = await buy(teams, message, TEA.id, "42")
    await teams.pay(teams.order())

    await teams.relay.run_once()

    updates = [c for c in teams.connector.made("update") if c.message_id == order_card.message_id]
    statuses = [_status(u.card) for u in updates if "Status" in card_text(u.card).splitlines()]
    assert statuses == ["Awaiting payment", "Paid, preparing your voucher", "Voucher ready"]
    assert len(voucher_cards(teams)) == 1


def _status(card: dict[str, Any]) -> str:
    lines = card_text(card).splitlines()
    return lines[lines.index("Status") + 1]


async def test_the_wallet_shows_the_delivered_voucher(teams: TeamsWorld) -> None:
    message = teams.personal("vouchers tea")
    await buy(teams, message, TEA.id, "42")
    await teams.pay(teams.order())
    await teams.relay.run_once()

    await teams.post(teams.personal("vouchers mine"))

    wallet = teams.connector.delivered()[-1]
    assert wallet.conversation_id == message["conversation"]["id"]
    text = card_text(wallet.card)
    assert "Your vouchers" in text and "QHB-0001-7K3M" in text and "Dec 31, 2027" in text


async def test_asking_for_the_wallet_in_a_channel_answers_privately(teams: TeamsWorld) -> None:
    post = teams.in_channel("vouchers coffee")
    await buy(teams, post, COFFEE.id, "5.00")
    await teams.pay(teams.order())
    await teams.relay.run_once()
    calls_before = len(teams.connector.calls)

    ask = teams.in_channel("vouchers mine")
    await teams.post(ask)

    created, wallet, reply = teams.connector.calls[calls_before:]
    assert created.kind == "create" and wallet.conversation_id == created.conversation_id
    assert "QHB-0001-7K3M" in card_text(wallet.card)
    assert reply.conversation_id == ask["conversation"]["id"] and "personal chat" in reply.text


async def test_order_updates_follow_the_card_after_a_declined_payment(teams: TeamsWorld) -> None:
    from core.payments import PaymentEvent, PaymentEventKind

    message = teams.personal("vouchers coffee")
    order_card = await buy(teams, message, COFFEE.id, "5.00")
    order = teams.order()
    await teams.checkout.handle_payment_event(
        PaymentEvent(
            "evt_declined",
            PaymentEventKind.FAILED,
            order.payment_intent_id or "",
            order.id,
            failure_message="Your card was declined.",
        )
    )

    await teams.relay.run_once()

    update = teams.connector.delivered()[-1]
    assert update.kind == "update" and update.message_id == order_card.message_id
    assert "Your card was declined." in card_text(update.card)
    await teams.post(teams.submit(message, update, press(update.card, "Try again, pay $5")))
    assert (
        teams.order().status is OrderStatus.AWAITING_PAYMENT and teams.order().payment_attempts == 2
    )
    assert "Pay $5" in card_text(teams.connector.delivered()[-1].card)
    assert {m.kind for m in teams.store.outbox.values()} == {MessageKind.ORDER_UPDATE}


async def test_the_voucher_card_is_written_in_the_locale_the_order_came_from(
    teams: TeamsWorld,
) -> None:
    message = {**teams.personal("vouchers tea"), "locale": "fr-FR"}
    await teams.post(message)
    catalog = teams.connector.delivered()[-1]
    await teams.post(teams.submit(message, catalog, press(catalog.card, "Choisir", product=TEA.id)))
    product = teams.connector.delivered()[-1]
    pay = press(product.card, "Continuer vers le paiement", {"amount": "42"})
    await teams.post(teams.submit(message, product, pay))
    await teams.pay(teams.order())

    await teams.relay.run_once()

    (voucher,) = voucher_cards(teams)
    text = card_text(voucher.card)
    assert "31 déc. 2027" in text and "42\xa0€" in text
