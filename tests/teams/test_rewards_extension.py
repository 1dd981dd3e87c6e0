"""The "Send a reward" message extension through the real CloudAdapter: form, review, send,
refusals."""

from __future__ import annotations

from typing import Any

from adapters.teams.extension import COMMAND_ID
from core.outbox import MessageKind
from tests.fake_connector import ADAPTIVE_CARD, card_problems
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
)

EXTENSION_CHANNEL = (
    "19:9d3c71104f8c49128368b23a5eaeb86d@thread.skype"  # where the captured fetchTask came from
)
DAVE_ID = (
    "29:1CFIxRJBLjT_io3iNsDZxMk_4YPWQmr3DZUM1I6ihf5L2ocCDqg9S1vkHK6kRdGfK1P_2LFE2nQqFIvdu-GBOZA"
)
FORM = {
    "cmd": "reward-review",
    "people": f"{ADA.aad},{GRACE.aad}",
    "emails": "lin@harbour.example, lin.at.home",
    "programme": "kudos",
    "amount": "20",
    "reason": "Shipping the winter release",
}


def extension(teams: TeamsWorld, name: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """An invoke of our message extension, shaped like the captured composeExtension/fetchTask."""
    activity = teams.activity(
        "invoke.composeExtension_fetchTask.botbuilder_js_recording", name=name
    )
    activity["value"] = {
        "commandId": COMMAND_ID,
        "commandContext": "compose",
        "context": {"theme": "default"},
    }
    if data is not None:
        activity["value"]["data"] = data
    return activity


async def invoke(teams: TeamsWorld, activity: dict[str, Any]) -> dict[str, Any]:
    response = await teams.post(activity)
    assert response.status == 200 and response.content_type == "application/json"
    task: dict[str, Any] = (await response.json())["task"]
    return task


def dialog_card(task: dict[str, Any]) -> dict[str, Any]:
    assert task["type"] == "continue" and task["value"]["title"] in (
        "Send a reward",
        "Belohnung senden",
    )
    attachment = task["value"]["card"]
    assert attachment["contentType"] == ADAPTIVE_CARD and card_problems(attachment["content"]) == []
    card: dict[str, Any] = attachment["content"]
    return card


async def review(teams: TeamsWorld, **changes: str) -> dict[str, Any]:
    teams.connector.add_members(EXTENSION_CHANNEL, ADA, GRACE, LIN)
    return dialog_card(
        await invoke(teams, extension(teams, "composeExtension/submitAction", {**FORM, **changes}))
    )


async def test_the_extension_opens_the_reward_form_with_a_people_picker(
    rewarding: TeamsWorld,
) -> None:
    card = dialog_card(await invoke(rewarding, extension(rewarding, "composeExtension/fetchTask")))

    (picker,) = [e for e in card["body"] if e.get("id") == "people"]
    assert picker["choices.data"] == {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
    assert picker["isMultiSelect"] is True
    (programme,) = [e for e in card["body"] if e.get("id") == "programme"]
    assert programme["choices"] == [{"title": "Kudos (USD)", "value": "kudos"}]
    assert {e.get("id") for e in card["body"]} >= {"emails", "amount", "reason"}
    assert button(card, "Review")["data"] == {"cmd": "reward-review"}


async def test_someone_who_is_not_a_reward_admin_is_refused_before_the_form_and_audited(
    rewarding: TeamsWorld,
) -> None:
    opened = extension(rewarding, "composeExtension/fetchTask")
    opened["from"] = {"id": LIN.id, "name": LIN.name, "aadObjectId": LIN.aad}

    task = await invoke(rewarding, opened)

    assert task == {
        "type": "message",
        "value": "Only reward admins can send rewards. Ask your HR team to add you.",
    }
    assert (rewarding.store.audit[-1].action, rewarding.store.audit[-1].actor) == (
        "reward.refused",
        f"teams:{LIN.aad}",
    )


async def test_review_confirms_the_people_picked_and_typed_with_their_names_and_the_total(
    rewarding: TeamsWorld,
) -> None:
    card = await review(rewarding)

    text = card_text(card)
    assert "Ada Lovelace, Grace Hopper, Lin Wei" in text and "$60" in text and "$40" in text
    assert "Left out: lin.at.home (not an email address)." in text
    assert [a["title"] for a in actions(card)] == ["Send $60", "Cancel"]
    assert rewarding.store.rewards == {}


async def test_a_wrong_amount_brings_the_form_back_with_the_reason_and_what_was_typed(
    rewarding: TeamsWorld,
) -> None:
    card = await review(rewarding, amount="twenty")

    assert "“twenty” is not an amount." in card_text(card)
    (reason,) = [e for e in card["body"] if e.get("id") == "reason"]
    assert reason["value"] == "Shipping the winter release"
    assert button(card, "Review")


async def test_what_the_core_refuses_brings_the_form_back_with_its_reason(
    rewarding: TeamsWorld,
) -> None:
    card = await review(rewarding, reason="", amount="60")

    text = card_text(card)
    assert (
        "Give a reason of 1 to 500 characters." in text and "One reward can be at most $50." in text
    )
    assert rewarding.store.rewards == {}


async def test_send_in_the_dialog_sends_once_and_reports_to_the_giver_privately(
    rewarding: TeamsWorld,
) -> None:
    rewarding.connector.without_app(LIN)
    card = await review(rewarding)
    send = extension(rewarding, "composeExtension/submitAction", press(card, "Send $60"))

    sent = await invoke(rewarding, send)
    again = await invoke(rewarding, {**send, "id": "f:double-tap"})

    assert sent["type"] == "message"
    assert sent["value"].startswith("Sent $20 each to ") and "Budget left: $40" in sent["value"]
    assert again == {"type": "message", "value": "These rewards were already sent."}
    assert sorted(r.recipient.name for r in rewarding.store.rewards.values()) == [
        "Ada Lovelace",
        "Grace Hopper",
        "Lin Wei",
    ]
    assert {r.giver.user_id for r in rewarding.store.rewards.values()} == {DAVE_AAD}
    await rewarding.relay.run_once()
    await rewarding.relay.run_once()
    # The giver hears about Lin in their own 1:1 chat with the bot, not in the channel they wrote
    # in.
    told = rewarding.connector.in_conversation(f"a:personal-{DAVE_ID}")
    assert len(told) == 1 and "I couldn't reach Lin Wei" in card_text(told[0].card)
    kinds = sorted(m.kind for m in rewarding.store.outbox.values())
    assert kinds == [MessageKind.REWARD_NOTICE] * 3 + [MessageKind.REWARD_UNDELIVERABLE]


async def test_cancel_in_the_dialog_sends_nothing(rewarding: TeamsWorld) -> None:
    card = await review(rewarding)

    task = await invoke(
        rewarding, extension(rewarding, "composeExtension/submitAction", press(card, "Cancel"))
    )

    assert task == {"type": "message", "value": "Cancelled: no reward was sent."}
    assert rewarding.store.rewards == {}


async def test_a_command_the_bot_does_not_know_is_answered_not_crashed_on(
    rewarding: TeamsWorld,
) -> None:
    activity = extension(rewarding, "composeExtension/fetchTask")
    activity["value"]["commandId"] = "createWithPreview"

    task = await invoke(rewarding, activity)

    assert task == {"type": "message", "value": "I don't know that command; update the app."}


async def test_without_a_programme_the_extension_says_how_to_get_one(teams: TeamsWorld) -> None:
    task = await invoke(teams, extension(teams, "composeExtension/fetchTask"))

    assert task == {
        "type": "message",
        "value": "There is no reward programme yet. An admin can create one.",
    }


async def test_a_german_giver_reads_the_dialogs_amounts_as_german_writes_them(
    rewarding: TeamsWorld,
) -> None:
    rewarding.connector.add_members(EXTENSION_CHANNEL, ADA, GRACE, LIN)
    asked = extension(rewarding, "composeExtension/submitAction", FORM)
    card = dialog_card(await invoke(rewarding, {**asked, "locale": "de-DE"}))
    send = extension(rewarding, "composeExtension/submitAction", press(card, "60\u00a0US$ senden"))

    sent = await invoke(rewarding, {**send, "locale": "de-DE"})

    # CLDR de: the amount before its symbol, and US$ for dollars outside the US
    assert (
        sent["value"].startswith("Je 20\u00a0US$ an ")
        and "Verbleibendes Budget: 40\u00a0US$" in sent["value"]
    )
