"""An amount /reward cannot read is refused in the giver's language: core.money says why as data."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.rewards import Programme
from tests.fake_slack import FakeSlack
from tests.slack.conftest import ADA, HR, SAMPLE, SlackWorld, add_colleagues, make_world
from tests.slack.test_rewards import confirm


@pytest.fixture
async def yen_slack(fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    """Slack with a reward programme paying in yen, which have no decimals."""
    add_colleagues(fake_slack)
    yen = Programme("yen", "Arigato", "JPY", per_reward_limit=50000)
    async for world in make_world(SAMPLE, fake_slack, yen, budget=100000):
        yield world


@pytest.mark.parametrize(
    ("typed", "german"),
    [
        (
            "2,50",
            "„2,50“ ist mehrdeutig: Schreiben Sie 2.50 (ein Komma trennt nur Tausender ab).",
        ),
        (
            "10 JPY",
            "Es gibt noch kein Prämienprogramm in JPY. Ein Admin kann eines im Dashboard anlegen.",
        ),
        ("25.001", "Beträge in USD haben höchstens 2 Nachkommastellen."),
        (
            "1.000,50",
            "„1.000,50“ ist kein Betrag: Ein Komma trennt nur Tausender ab, wie in 1,000.50.",
        ),
    ],
)
async def test_a_german_giver_reads_why_an_amount_is_refused_in_german(
    reward_slack: SlackWorld, typed: str, german: str
) -> None:
    reward_slack.fake.locales[HR] = "de-DE"

    reply = await confirm(reward_slack, f"<@{ADA}|ada> {typed} Danke")

    assert reply["text"] == german
    assert reward_slack.store.rewards == {}


async def test_yen_typed_with_decimals_are_refused_in_german(yen_slack: SlackWorld) -> None:
    yen_slack.fake.locales[HR] = "de-DE"

    german = await confirm(yen_slack, f"<@{ADA}|ada> 10.123 JPY Danke")

    assert german["text"] == "Beträge in JPY haben höchstens 0 Nachkommastellen."
    assert yen_slack.store.rewards == {}


async def test_yen_typed_with_decimals_are_refused_in_english_as_before(
    yen_slack: SlackWorld,
) -> None:
    english = await confirm(yen_slack, f"<@{ADA}|ada> 10.123 JPY Thanks")

    assert english["text"] == "JPY amounts have 0 decimals at most."
