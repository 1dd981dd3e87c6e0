"""Pure translation of reward requests: mentions, amounts and currencies, card data, CSV rows."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.schema import Activity

from adapters.teams.bulk import BadRow, Row, read_rows, shared_file
from adapters.teams.reward_translate import (
    AskReward,
    CancelReward,
    Person,
    RedeemReward,
    RewardTerms,
    SendReward,
    reward_key,
    terms_of,
)
from adapters.teams.translate import (
    Browse,
    Buy,
    ChooseProduct,
    UnreadableCommand,
    intent_of_data,
    intent_of_message,
)
from core.catalog import CatalogQuery
from tests.teams.conftest import ADA, GRACE, fixture_activity, with_mentions


def channel_post(text: str, *members: Any) -> Activity:
    raw = with_mentions(
        fixture_activity("message.channel_mention.botbuilder_js_recording"), text, *members
    )
    return Activity().deserialize(raw)


def test_everyone_mentioned_but_the_bot_is_a_recipient_and_the_mentions_leave_the_text() -> None:
    post = channel_post("reward {0} and {1} 25 USD Five years", ADA, GRACE)

    assert intent_of_message(post) == AskReward(
        (Person(ADA.id, "", ADA.name), Person(GRACE.id, "", GRACE.name)),
        ("and", "25", "USD", "Five", "years"),
    )


def test_mentions_of_tags_are_not_people_and_repeated_mentions_count_once() -> None:
    raw = with_mentions(
        fixture_activity("message.channel_mention.botbuilder_js_recording"),
        "reward {0} {0} 5 thanks",
        ADA,
    )
    raw["text"] += " <at>Designers</at>"
    raw["entities"].append(
        {
            "type": "mention",
            "text": "<at>Designers</at>",
            "mentioned": {"id": "MTk6YWJj", "name": "Designers", "type": "tag"},
        }
    )

    ask = intent_of_message(Activity().deserialize(raw))

    assert isinstance(ask, AskReward)
    assert ask.people == (Person(ADA.id, "", ADA.name),) and ask.not_people == ("Designers",)


@pytest.mark.parametrize(
    ("words", "terms"),
    [
        ("25 USD Five years", RewardTerms("25", "USD", "Five years")),
        ("25 usd Five years", RewardTerms("25", "USD", "Five years")),  # a programme pays in USD
        (
            "25 for the launch",
            RewardTerms("25", None, "for the launch"),
        ),  # "for" is a word, not a currency
        ("$12.50 Thanks", RewardTerms("12.50", "USD", "Thanks")),  # the symbol picks the currency
        (
            "€25 danke",
            RewardTerms("25", "EUR", "danke"),
        ),  # was read as 25 in the first programme's currency
        ("EUR 25 danke", RewardTerms("25", "EUR", "danke")),
        ("1,000 JPY ありがとう", RewardTerms("1000", "JPY", "ありがとう")),
        ("25", RewardTerms("25", None, "")),
        (
            "and 25 USD Five years",
            RewardTerms("25", "USD", "Five years"),
        ),  # @Ada and @Grace 25 USD …
        (", 25 USD Five years", RewardTerms("25", "USD", "Five years")),  # @Ada, @Grace 25 USD …
    ],
)
def test_amount_currency_and_reason(words: str, terms: RewardTerms) -> None:
    assert terms_of(tuple(words.split()), {"USD"}) == terms


def test_an_ambiguous_comma_is_refused_saying_how_to_write_the_amount() -> None:
    with pytest.raises(UnreadableCommand, match=r"write 2\.50"):
        terms_of(("2,50", "EUR", "danke"), {"EUR"})


@pytest.mark.parametrize("words", ["", "thanks a lot", "twenty USD thanks"])
def test_a_request_without_an_amount_first_is_unreadable(words: str) -> None:
    with pytest.raises(UnreadableCommand, match="reward @name"):
        terms_of(tuple(words.split()), {"USD"})


def test_a_confirmation_press_carries_only_its_key() -> None:
    assert intent_of_data({"cmd": "reward-send", "key": "teams-reward:1"}) == SendReward(
        "teams-reward:1"
    )
    assert intent_of_data({"cmd": "reward-cancel", "key": "teams-reward:1"}) == CancelReward(
        "teams-reward:1"
    )
    assert intent_of_data({"cmd": "redeem", "reward": "rwd_1"}) == RedeemReward("rwd_1")


@pytest.mark.parametrize("damage", [{}, {"key": ""}, {"key": 7}, {"key": "k" * 201}])
def test_damaged_confirmation_data_is_unreadable_not_sent(damage: dict[str, Any]) -> None:
    with pytest.raises(UnreadableCommand, match="damaged"):
        intent_of_data({"cmd": "reward-send", **damage})


def test_the_reward_being_spent_follows_browse_choose_and_buy() -> None:
    assert intent_of_data(
        {"cmd": "browse", "currency": "USD", "page": 2, "reward": "rwd_1"}
    ) == Browse(CatalogQuery(currency="USD", page=2), "rwd_1")
    assert intent_of_data({"cmd": "choose", "product": "p", "reward": "rwd_1"}) == ChooseProduct(
        "p", CatalogQuery(), "rwd_1"
    )
    assert intent_of_data({"cmd": "buy", "product": "p", "amount": "10", "reward": "rwd_1"}) == Buy(
        "p", "10", CatalogQuery(), "rwd_1"
    )
    assert intent_of_data({"cmd": "buy", "product": "p", "amount": "10"}) == Buy("p", "10")


def test_the_request_key_is_the_same_for_a_retried_activity_and_differs_per_message() -> None:
    post = channel_post("reward {0} 5 thanks", ADA)
    other = channel_post("reward {0} 5 thanks", ADA)
    other.id = "1571537152999"

    assert reward_key(post, "teams:t:u") == reward_key(
        channel_post("reward {0} 5 thanks", ADA), "teams:t:u"
    )
    assert reward_key(post, "teams:t:u") != reward_key(other, "teams:t:u")
    assert reward_key(post, "teams:t:u") != reward_key(post, "teams:t:someone-else")


def test_a_file_sent_to_the_bot_is_recognised_by_its_attachment() -> None:
    raw = fixture_activity("message.personal.botbuilder_js_recording")
    raw["attachments"] = [
        {"contentType": "text/html", "content": "<p></p>"},
        {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "name": "rewards.csv",
            "content": {
                "downloadUrl": "https://contoso.sharepoint.com/x",
                "uniqueId": "ABC",
                "fileType": "csv",
            },
        },
    ]

    found = shared_file(Activity().deserialize(raw))

    assert found is not None and (found.name, found.unique_id, found.is_csv) == (
        "rewards.csv",
        "ABC",
        True,
    )
    assert (
        shared_file(
            Activity().deserialize(fixture_activity("message.personal.botbuilder_js_recording"))
        )
        is None
    )


def test_csv_rows_are_read_with_their_line_numbers_and_malformed_rows_say_why() -> None:
    data = (
        "\ufeffEmail,User ID,Amount,Reason,Currency\n"
        'ada@harbour.example,,25,"Five years, and counting",USD\n'
        "\n"
        ",0A1D2A3E-0000-4000-8000-0000000096AC,10,Helped,\n"
        "not-an-email,,5,x,\n"
        ",,5,x,\n"
        "ada@harbour.example,,,x,\n"
        "ada@harbour.example,,5\n"
    ).encode()

    rows, bad = read_rows(data)

    assert rows == [
        Row(2, "ada@harbour.example", "", "25", "Five years, and counting", "USD"),
        Row(4, "", "0A1D2A3E-0000-4000-8000-0000000096AC", "10", "Helped", None),
    ]
    assert bad == [
        BadRow(5, "not-an-email", "“not-an-email” is not an email address"),
        BadRow(6, "", "no email or user_id"),
        BadRow(7, "ada@harbour.example", "no amount"),
        BadRow(8, "", "it has 3 fields, the header has 5"),
    ]


@pytest.mark.parametrize("data", [b"name,team\nAda,Engines\n", b"", b"\xff\xfe\x00bad"])
def test_a_file_that_is_not_a_rewards_csv_is_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableCommand):
        read_rows(data)
