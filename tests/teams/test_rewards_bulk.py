"""Bulk rewards from a CSV file sent to the bot: good rows sent, bad rows reported, nothing sent
twice."""

from __future__ import annotations

import time
from typing import Any

from core.money import Money
from core.rewards import Budget
from tests.teams.conftest import ADA, GRACE, LIN, TeamsWorld, card_text

ROWS = f"""email,user_id,amount,reason,name
{ADA.email},,25,Quarter-end close,
,{GRACE.aad},10,Helped the new joiners,Grace Hopper
{LIN.email},,ten,Docs sprint,
nobody@harbour.example,,5,Who is this?,
,not-a-guid,5,Typo in the id,
{LIN.email},,5
,,5,Nobody named,
{LIN.email},,60,Too generous,
{LIN.email},,5,,
{LIN.email},,5.00,Thanks for the docs,
""".encode()


def file_message(
    teams: TeamsWorld, name: str, data: bytes, unique_id: str | None = None
) -> dict[str, Any]:
    """What Teams sends when someone drops a file into their personal chat with the bot."""
    message = teams.personal("")
    message.pop("text")
    message["attachments"] = [teams.connector.share_file(name, data, unique_id)]
    return message


def budget(teams: TeamsWorld) -> Budget:
    return Budget.of(e for e in teams.store.ledger if e.programme_id == "kudos")


async def test_good_rows_are_sent_and_each_bad_row_is_reported_with_its_reason(
    rewarding: TeamsWorld,
) -> None:
    await rewarding.post(file_message(rewarding, "rewards.csv", ROWS))

    report = rewarding.connector.delivered()[-1]
    text = card_text(report.card)
    assert "Rewards from rewards.csv" in text
    assert "Sent\n3 ($40)" in text and "Refused\n7" in text and "Budget left\n$60" in text
    for line in (
        "Row 4 (lin@harbour.example): “ten” is not an amount",
        "Row 5 (nobody@harbour.example): no Teams user has the email nobody@harbour.example",
        "Row 6 (not-a-guid): “not-a-guid” is not an Entra object id",
        "Row 7: it has 3 fields, the header has 5",
        "Row 8: no email or user_id",
        "Row 9 (lin@harbour.example): One reward can be at most $50",
        "Row 10 (lin@harbour.example): Give a reason of 1 to 500 characters",
    ):
        assert line in text
    sent = sorted(
        (r.recipient.user_id, r.amount.minor, r.reason) for r in rewarding.store.rewards.values()
    )
    assert sent == sorted(
        [
            (ADA.aad, 2500, "Quarter-end close"),
            (GRACE.aad, 1000, "Helped the new joiners"),
            (LIN.aad, 500, "Thanks for the docs"),
        ]
    )
    assert (budget(rewarding).available, budget(rewarding).reserved) == (6000, 4000)


async def test_the_same_file_sent_again_sends_nothing_twice(rewarding: TeamsWorld) -> None:
    await rewarding.post(file_message(rewarding, "rewards.csv", ROWS, unique_id="FILE-1"))

    await rewarding.post(file_message(rewarding, "rewards.csv", ROWS, unique_id="FILE-1"))

    text = card_text(rewarding.connector.delivered()[-1].card)
    assert "Sent\n0" in text and "Sent before\n3" in text
    assert len(rewarding.store.rewards) == 3 and budget(rewarding).reserved == 4000


async def test_the_recipients_of_a_file_get_their_cards_in_personal_chats(
    rewarding: TeamsWorld,
) -> None:
    await rewarding.post(file_message(rewarding, "rewards.csv", ROWS))

    results = await rewarding.relay.run_once()

    assert [r.outcome for r in results] == ["sent", "sent", "sent"]
    for member, amount in ((ADA, "$25"), (GRACE, "$10"), (LIN, "$5")):
        (card,) = rewarding.connector.in_conversation(f"a:personal-{member.id}")
        assert "Tien Suwandy sent you a reward" in card_text(card.card) and amount in card_text(
            card.card
        )


async def test_a_file_from_someone_who_is_not_a_reward_admin_is_refused_and_audited(
    rewarding: TeamsWorld,
) -> None:
    message = file_message(rewarding, "rewards.csv", ROWS)
    message["from"] = {"id": LIN.id, "name": LIN.name, "aadObjectId": LIN.aad}

    await rewarding.post(message)

    assert "Only reward admins can send rewards" in rewarding.connector.delivered()[-1].text
    assert rewarding.store.rewards == {} and rewarding.store.audit[-1].action == "reward.refused"


async def test_a_file_that_is_not_a_rewards_csv_gets_the_expected_columns(
    rewarding: TeamsWorld,
) -> None:
    await rewarding.post(file_message(rewarding, "rewards.xlsx", b"PK\x03\x04"))
    await rewarding.post(file_message(rewarding, "people.csv", b"name,team\nAda,Engines\n"))

    xlsx, csv = (card_text(c.card) for c in rewarding.connector.delivered()[-2:])
    assert "rewards.xlsx is not a CSV file." in xlsx
    assert "The first line of the CSV must name its columns “email” or “user_id”" in csv
    assert rewarding.store.rewards == {}


async def test_a_thousand_rows_go_through_in_one_report(rewarding: TeamsWorld) -> None:
    await rewarding.recognition.budgets.credit("kudos", Money(100000, "USD"), "setup")
    lines = ["user_id,amount,reason"] + [
        f"0a1d2a3e-0000-4000-8000-{i:012d},1,Thanks for everything" for i in range(1000)
    ]
    started = time.monotonic()

    await rewarding.post(file_message(rewarding, "everyone.csv", "\n".join(lines).encode()))

    assert time.monotonic() - started < 30
    text = card_text(rewarding.connector.delivered()[-1].card)
    assert "Sent\n1,000 ($1,000)" in text and "Refused\n0" in text
    assert len(rewarding.store.rewards) == 1000 and budget(rewarding).reserved == 100000
