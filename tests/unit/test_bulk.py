"""core.bulk.send_rows: one reward per row, each sent or refused on its own, reported row by row."""

from __future__ import annotations

import pytest

from core.bulk import RewardRow, send_rows
from core.money import Money
from core.rewards import NotRewardAdmin, Programme, Recipient
from tests.unit.conftest import ADA, GRACE, World
from tests.unit.test_rewards import HR, LIN, Rewarding, dm, rewarding  # noqa: F401 - the fixture

PEOPLE = {"ada@harbour.example": ADA, "grace@harbour.example": GRACE}


async def find(row: RewardRow) -> Recipient | str:
    user = PEOPLE.get(row.who)
    return Recipient(user, dm(user)) if user else f"No one has the email {row.who}."


def rows(key: str = "file-1") -> list[RewardRow]:
    return [
        RewardRow(2, "ada@harbour.example", "25", "Launch", f"{key}:2"),
        RewardRow(3, "nobody@harbour.example", "25", "Launch", f"{key}:3"),
        RewardRow(4, "grace@harbour.example", "2,50", "Launch", f"{key}:4"),
        RewardRow(5, "grace@harbour.example", "€10", "Launch", f"{key}:5"),
        RewardRow(6, "grace@harbour.example", "10", "Launch", f"{key}:6", currency="EUR"),
        RewardRow(7, "grace@harbour.example", "$10", "Launch", f"{key}:7", currency="EUR"),
    ]


async def test_each_row_is_sent_or_refused_with_its_reason_and_the_budget_left_is_reported(
    rewarding: Rewarding,
) -> None:
    await rewarding.recognition.budgets.create_programme(
        Programme("merci", "Merci", "EUR"), "setup"
    )
    await rewarding.recognition.budgets.credit("merci", Money(5000, "EUR"), "setup")

    report = await send_rows(rewarding.recognition, HR, "launch.csv", rows(), find)

    assert [(o.line, o.who, o.amount, o.reason) for o in report.outcomes] == [
        (2, "Ada", Money(2500, "USD"), ""),
        (3, "nobody@harbour.example", None, "No one has the email nobody@harbour.example."),
        (
            4,
            "grace@harbour.example",
            None,
            "'2,50' is ambiguous: write 2.50 (a comma only separates thousands).",
        ),
        (5, "Grace", Money(1000, "EUR"), ""),  # the symbol picks the EUR programme
        (6, "Grace", Money(1000, "EUR"), ""),
        (7, "grace@harbour.example", None, "'$10' is in USD, but the currency given is EUR."),
    ]
    assert report.totals() == [Money(2000, "EUR"), Money(2500, "USD")]
    assert report.budget_left == (
        Money(7500, "USD"),
        Money(3000, "EUR"),
    )  # by programme: kudos, merci


async def test_the_same_file_again_sends_nothing_twice_and_says_so(rewarding: Rewarding) -> None:
    first = await send_rows(rewarding.recognition, HR, "launch.csv", rows()[:1], find)
    again = await send_rows(rewarding.recognition, HR, "launch.csv", rows()[:1], find)

    assert (len(first.sent), first.repeated) == (1, 0)
    assert (len(again.sent), again.repeated, again.outcomes[0].reward) == (1, 1, None)
    assert (await rewarding.budget()).reserved == 2500


async def test_a_giver_who_is_not_an_admin_is_refused_before_any_row(
    rewarding: Rewarding, world: World
) -> None:
    with pytest.raises(NotRewardAdmin):
        await send_rows(rewarding.recognition, LIN, "launch.csv", rows(), find)

    assert world.store.rewards == {} and world.store.audit[-1].action == "reward.refused"
