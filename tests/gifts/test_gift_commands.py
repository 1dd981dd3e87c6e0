"""How `/vouchers gift …` (Slack) and `gift …` (Teams) are read: a mention or an email, what, when,
the note."""

from __future__ import annotations

import pytest
from botbuilder.schema import Activity

from adapters.slack import translate as slack
from adapters.teams.gift_translate import SendGift, gift_of_message
from adapters.teams.unreadable import UnreadableCommand
from tests.teams.conftest import GRACE, LIN, mention


def test_a_slack_gift_names_its_recipient_by_mention_and_keeps_the_note_as_written() -> None:
    gift = slack.parse_command(
        "gift <@U0GRACE|grace> quiet-harbour-books 20 on 2026-12-24 09:00 Merry Christmas,\nGrace"
    )

    assert gift == slack.SendGift(
        "U0GRACE", "quiet-harbour-books", "20", "2026-12-24 09:00", "Merry Christmas,\nGrace"
    )


def test_a_slack_gift_to_an_email_is_read_from_slacks_mailto_escape_or_as_typed() -> None:
    escaped = slack.parse_command(
        "gift <mailto:lin@harbour.example|lin@harbour.example> lantern-tea 25"
    )
    typed = slack.parse_command("gift lin@harbour.example lantern-tea 25 on 2026-12-24")

    assert escaped == slack.SendGift("", "lantern-tea", "25", "", "", "lin@harbour.example")
    assert typed.recipient_email == "lin@harbour.example" and typed.when == "2026-12-24"  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["gift", "gift @grace books 20", "gift <@U0GRACE> books"])
def test_a_slack_gift_without_a_recipient_product_and_amount_is_answered_with_the_usage(
    text: str,
) -> None:
    with pytest.raises(slack.InvalidQuery, match="To send a gift"):
        slack.parse_command(text)


def _teams(text: str, *people: object) -> Activity:
    entities = [mention(p) for p in people]  # type: ignore[arg-type]
    return Activity.deserialize(
        {"type": "message", "text": text, "entities": entities, "recipient": {"id": "28:bot"}}
    )


def test_a_teams_gift_names_the_one_person_mentioned() -> None:
    text = f"gift <at>{GRACE.name}</at> lantern-tea 25 on 2026-12-24 08:30 Thank you"

    gift = gift_of_message(_teams(text, GRACE), text)

    assert isinstance(gift, SendGift) and gift.person is not None and gift.person.id == GRACE.id
    assert (gift.product_id, gift.amount, gift.when, gift.message) == (
        "lantern-tea",
        "25",
        "2026-12-24 08:30",
        "Thank you",
    )


def test_a_teams_gift_may_name_a_colleague_by_email_instead() -> None:
    gift = gift_of_message(
        _teams("gift Lin@Harbour.example lantern-tea 25"), "gift Lin@Harbour.example lantern-tea 25"
    )

    assert gift.person is None and gift.email == "lin@harbour.example"


def test_a_teams_gift_to_two_people_is_refused_with_the_usage() -> None:
    text = f"gift <at>{GRACE.name}</at> <at>{LIN.name}</at> lantern-tea 25"
    with pytest.raises(UnreadableCommand, match="To send a gift"):
        gift_of_message(_teams(text, GRACE, LIN), text)
