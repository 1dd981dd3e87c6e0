"""Rewards typed to the bot, through the real CloudAdapter: refusal, confirmation, sending,
delivery, reach."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams import build_teams
from adapters.teams.people import NOT_FOUND
from core.outbox import MessageKind, MessageStatus
from core.rewards import Budget
from tests.fake_connector import Call, Member
from tests.teams.conftest import (
    ADA,
    DAVE_AAD,
    GRACE,
    LIN,
    TeamsWorld,
    actions,
    button,
    card_text,
    press,
    with_mentions,
)

THANKS = "reward {0} {1} {2} 25 USD Five years of quiet excellence"


def budget(teams: TeamsWorld) -> Budget:
    return Budget.of(e for e in teams.store.ledger if e.programme_id == "kudos")


async def ask(
    teams: TeamsWorld, text: str = THANKS, *members: Member
) -> tuple[dict[str, Any], Call]:
    """Dave, a reward admin, asks in the channel; returns his post and the bot's answer."""
    post = with_mentions(teams.in_channel(""), text, *(members or (ADA, GRACE, LIN)))
    await teams.post(post)
    return post, teams.connector.delivered()[-1]


async def send_three(teams: TeamsWorld) -> tuple[dict[str, Any], Call]:
    post, confirmation = await ask(teams)
    await teams.post(teams.submit(post, confirmation, press(confirmation.card, "Send $75")))
    return post, confirmation


def personal_chat(member: Member) -> str:
    return f"a:personal-{member.id}"


async def test_someone_who_is_not_a_reward_admin_is_refused_and_the_attempt_is_audited(
    rewarding: TeamsWorld,
) -> None:
    message = with_mentions(rewarding.personal(""), "reward {0} 25 USD thanks for the help", ADA)
    message["from"] = {"id": LIN.id, "name": LIN.name, "aadObjectId": LIN.aad}

    await rewarding.post(message)

    (reply,) = rewarding.connector.delivered()
    assert "Only reward admins can send rewards" in reply.text
    assert rewarding.store.rewards == {} and rewarding.store.outbox == {}
    refusal = rewarding.store.audit[-1]
    assert (refusal.action, refusal.actor) == ("reward.refused", f"teams:{LIN.aad}")


async def test_an_admin_confirms_who_how_much_the_total_and_the_budget_before_anything_is_sent(
    rewarding: TeamsWorld,
) -> None:
    post, confirmation = await ask(rewarding)

    assert (
        confirmation.kind == "reply" and confirmation.conversation_id == post["conversation"]["id"]
    )
    text = card_text(confirmation.card)
    assert "Ada Lovelace, Grace Hopper, Lin Wei" in text
    for expected in ("$25", "$75", "$100", "“Five years of quiet excellence”", "Kudos"):
        assert expected in text
    assert "Budget after\n$25" in text
    assert [a["title"] for a in actions(confirmation.card)] == ["Send $75", "Cancel"]
    assert rewarding.store.rewards == {} and rewarding.store.outbox == {}
    assert budget(rewarding).available == 10000


async def test_send_grants_the_three_rewards_once_even_after_a_double_tap_or_a_retried_message(
    rewarding: TeamsWorld,
) -> None:
    post, confirmation = await send_three(rewarding)
    sent = rewarding.connector.delivered()[-1]

    await rewarding.post(
        {**rewarding.submit(post, confirmation, press(confirmation.card, "Send $75"))}
    )
    await rewarding.post(
        post
    )  # Teams retried the `reward` message: a second confirmation, the same request
    again = rewarding.connector.delivered()[-1]
    await rewarding.post(rewarding.submit(post, again, press(again.card, "Send $75")))

    assert sent.kind == "update" and sent.message_id == confirmation.message_id
    assert "Rewards sent" in card_text(sent.card) and "Budget left\n$25" in card_text(sent.card)
    rewards = sorted(rewarding.store.rewards.values(), key=lambda r: r.recipient.name)
    assert [(r.recipient.name, r.recipient.user_id, r.amount.minor) for r in rewards] == [
        ("Ada Lovelace", ADA.aad, 2500),
        ("Grace Hopper", GRACE.aad, 2500),
        ("Lin Wei", LIN.aad, 2500),
    ]
    assert {r.giver.user_id for r in rewards} == {DAVE_AAD}
    assert (budget(rewarding).available, budget(rewarding).reserved) == (2500, 7500)
    assert [c.kind for c in rewarding.connector.delivered()] == ["reply", "update", "reply"]


async def test_send_with_action_execute_answers_with_the_sent_card_and_sends_once(
    rewarding: TeamsWorld,
) -> None:
    post, confirmation = await ask(rewarding)
    execute = rewarding.execute(post, confirmation, press(confirmation.card, "Send $75"))

    first = await rewarding.post(execute)
    second = await rewarding.post({**execute, "id": "f:execute-again"})

    body = await first.json()
    assert first.status == second.status == 200
    assert body[
        "type"
    ] == "application/vnd.microsoft.card.adaptive" and "Rewards sent" in card_text(body["value"])
    assert (await second.json())["type"] == "application/vnd.microsoft.activity.message"
    assert len(rewarding.store.rewards) == 3


async def test_each_recipient_gets_the_reward_card_in_a_personal_chat_with_the_bot(
    rewarding: TeamsWorld,
) -> None:
    post, _ = await send_three(rewarding)

    results = await rewarding.relay.run_once()

    assert [r.outcome for r in results] == ["sent", "sent", "sent"]
    created = rewarding.connector.made("create")
    assert sorted(c.body["members"][0]["id"] for c in created) == sorted(
        m.id for m in (ADA, GRACE, LIN)
    )
    assert {c.body["channelData"]["tenant"]["id"] for c in created} == {
        post["channelData"]["tenant"]["id"]
    }
    (card,) = [c for c in rewarding.connector.in_conversation(personal_chat(ADA))]
    text = card_text(card.card)
    assert "You've been thanked!" in text
    assert (
        "Dave Taniguchi sent you a reward of $25." in text
        and "“Five years of quiet excellence”" in text
    )
    assert "$25" in text and "Feb 24, 2027" in text
    reward = next(r for r in rewarding.store.rewards.values() if r.recipient.user_id == ADA.aad)
    assert button(card.card, "Choose your voucher")["data"] == {
        "cmd": "redeem",
        "reward": reward.id,
    }
    # Nothing about the rewards is posted back into the channel thread but the giver's own
    # confirmation.
    assert len(rewarding.connector.in_conversation(post["conversation"]["id"])) == 2


async def test_a_recipient_without_the_app_cannot_be_reached_and_the_giver_is_told(
    rewarding: TeamsWorld,
) -> None:
    rewarding.connector.without_app(LIN)
    post, _ = await send_three(rewarding)

    first = await rewarding.relay.run_once()
    second = await rewarding.relay.run_once()

    assert sorted(r.outcome for r in first) == ["dead", "sent", "sent"]
    assert [(r.kind, r.outcome) for r in second] == [(MessageKind.REWARD_UNDELIVERABLE, "sent")]
    assert rewarding.connector.in_conversation(personal_chat(LIN)) == []
    told = rewarding.connector.in_conversation(post["conversation"]["id"])[-1]
    text = card_text(told.card)
    assert "I couldn't reach Lin Wei" in text and "app installed" in text and "403" in text
    dead = [m for m in rewarding.store.outbox.values() if m.status is MessageStatus.DEAD]
    assert len(dead) == 1 and "BotNotInConversationRoster" in dead[0].last_error


async def test_cancel_replaces_the_confirmation_and_sends_nothing(rewarding: TeamsWorld) -> None:
    post, confirmation = await ask(rewarding)

    await rewarding.post(rewarding.submit(post, confirmation, press(confirmation.card, "Cancel")))

    update = rewarding.connector.delivered()[-1]
    assert update.kind == "update" and update.message_id == confirmation.message_id
    assert "no reward was sent" in card_text(update.card)
    assert rewarding.store.rewards == {}


async def test_only_the_admin_who_asked_can_press_send_on_the_confirmation(
    rewarding: TeamsWorld,
) -> None:
    post, confirmation = await ask(rewarding)
    press_by_ada = rewarding.submit(post, confirmation, press(confirmation.card, "Send $75"))
    press_by_ada["from"] = {"id": ADA.id, "name": ADA.name, "aadObjectId": ADA.aad}

    await rewarding.post(press_by_ada)

    assert "Only the person who asked" in rewarding.connector.delivered()[-1].text
    assert rewarding.store.rewards == {}


async def test_a_press_by_someone_else_leaves_the_confirmation_to_the_admin_who_asked(
    rewarding: TeamsWorld,
) -> None:
    post, confirmation = await ask(rewarding)
    press_by_ada = rewarding.submit(post, confirmation, press(confirmation.card, "Send $75"))
    press_by_ada["from"] = {"id": ADA.id, "name": ADA.name, "aadObjectId": ADA.aad}
    await rewarding.post(press_by_ada)

    await rewarding.post(rewarding.submit(post, confirmation, press(confirmation.card, "Send $75")))

    assert (
        len(rewarding.store.rewards) == 3
    )  # the request waited in the core, untouched by Ada's press
    assert "Rewards sent" in card_text(rewarding.connector.delivered()[-1].card)


async def test_a_reward_beyond_the_budget_shows_why_and_offers_no_send(
    rewarding: TeamsWorld,
) -> None:
    _, confirmation = await ask(rewarding, "reward {0} {1} {2} 40 USD Launch week heroics")

    text = card_text(confirmation.card)
    assert "The budget has $100 left, not enough for $120." in text
    assert [a["title"] for a in actions(confirmation.card)] == ["Cancel"]


async def test_someone_the_bot_cannot_look_up_is_left_out_with_the_reason(
    rewarding: TeamsWorld,
) -> None:
    stranger = Member("29:1str4nger", "", "Sam Stranger")

    _, confirmation = await ask(rewarding, "reward {0} {1} 10 USD Great demo", ADA, stranger)

    text = card_text(confirmation.card)
    assert f"Left out: Sam Stranger ({NOT_FOUND})." in text
    assert "To\nAda Lovelace\n" in text and "$10" in text


async def test_a_request_without_an_amount_gets_the_usage(rewarding: TeamsWorld) -> None:
    await ask(rewarding, "reward {0} thanks a lot", ADA)
    await ask(rewarding, "reward {0} 12.345 USD thanks a lot", ADA)

    usage, decimals = rewarding.connector.delivered()[-2:]
    assert "Type “reward @name [@name …] <amount> [<currency>] <reason>”" in usage.text
    assert "USD amounts have 2 decimals at most" in decimals.text
    assert rewarding.store.rewards == {}


async def test_a_currency_without_a_programme_is_explained(rewarding: TeamsWorld) -> None:
    await ask(rewarding, "reward {0} 25 EUR thanks a lot", ADA)

    assert "There is no reward programme in EUR yet" in rewarding.connector.delivered()[-1].text


async def test_a_euro_sign_asks_for_euros_and_an_ambiguous_comma_is_refused(
    rewarding: TeamsWorld,
) -> None:
    await ask(rewarding, "reward {0} €25 thanks a lot", ADA)
    await ask(rewarding, "reward {0} 2,50 USD thanks a lot", ADA)

    euros, comma = rewarding.connector.delivered()[-2:]
    assert "There is no reward programme in EUR yet" in euros.text  # was a confirmation of 25 USD
    assert "'2,50' is ambiguous: write 2.50" in comma.text
    assert rewarding.store.rewards == {}


async def test_a_reward_typed_in_a_personal_chat_with_a_lowercase_currency_is_read(
    rewarding: TeamsWorld,
) -> None:
    message = with_mentions(
        rewarding.personal(""), "reward {0} $25 usd Thanks for covering on-call", ADA
    )

    await rewarding.post(message)

    # Ada is not in this 1:1 chat's roster and Teams gave no Entra id: she is left out, never
    # guessed at.
    text = card_text(rewarding.connector.delivered()[-1].card)
    assert "“Thanks for covering on-call”" in text and "Left out: Ada Lovelace" in text
    assert "Name at least one recipient." in text


async def test_without_a_programme_the_admin_is_told_how_to_get_one(teams: TeamsWorld) -> None:
    await teams.post(with_mentions(teams.in_channel(""), "reward {0} 25 USD thanks", ADA))

    expected = "There is no reward programme in USD yet. An admin can create one in the dashboard."
    assert teams.connector.delivered()[-1].text == expected


async def test_a_bot_built_without_rewards_says_they_are_not_switched_on(teams: TeamsWorld) -> None:
    channel = build_teams(teams.checkout, public_base_url="https://vouchers.example.com")
    app = web.Application()
    channel.mount(app)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        post = with_mentions(teams.in_channel(""), "reward {0} 25 USD thanks", ADA)
        response = await client.post("/api/messages", json=post)
    await channel.close()

    assert response.status == 201
    assert teams.connector.delivered()[-1].text == "Rewards are not switched on for this bot."
