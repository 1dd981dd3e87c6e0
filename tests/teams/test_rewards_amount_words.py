"""An amount `reward` cannot read is refused in the giver's language: core.money says why as data,
and Teams words it in the locale the message came with."""

from __future__ import annotations

import pytest

from core.money import Money
from core.rewards import Programme
from tests.teams.conftest import ADA, TeamsWorld, with_mentions


async def ask_in(teams: TeamsWorld, text: str, locale: str) -> str:
    post = {**with_mentions(teams.in_channel(""), text, ADA), "locale": locale}
    await teams.post(post)
    return teams.connector.delivered()[-1].text


@pytest.mark.parametrize(
    ("typed", "german"),
    [
        (
            "2,50 USD",
            "„2,50“ ist mehrdeutig: Schreiben Sie 2.50 (ein Komma trennt nur Tausender ab).",
        ),
        ("10.123 JPY", "Beträge in JPY haben höchstens 0 Nachkommastellen."),
        ("12.345 USD", "Beträge in USD haben höchstens 2 Nachkommastellen."),
        ("25 EUR", "Es gibt noch kein Prämienprogramm in EUR."),
    ],
)
async def test_a_german_giver_reads_why_an_amount_is_refused_in_german(
    rewarding: TeamsWorld, typed: str, german: str
) -> None:
    await rewarding.recognition.budgets.create_programme(
        Programme("yen", "Arigato", "JPY", per_reward_limit=50000), "setup"
    )
    await rewarding.recognition.budgets.credit("yen", Money(100000, "JPY"), "setup")

    text = await ask_in(rewarding, f"reward {{0}} {typed} Danke", "de-DE")

    assert german in text
    assert rewarding.store.rewards == {}


async def test_an_english_giver_reads_the_same_sentence_as_before(rewarding: TeamsWorld) -> None:
    await rewarding.recognition.budgets.create_programme(
        Programme("yen", "Arigato", "JPY", per_reward_limit=50000), "setup"
    )

    text = await ask_in(rewarding, "reward {0} 10.123 JPY thanks", "en-US")

    assert "JPY amounts have 0 decimals at most." in text
