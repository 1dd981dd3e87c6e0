"""A gift the core refuses is said in the buyer's language, in Slack's words (its own command)."""

from __future__ import annotations

import json

from tests.slack.conftest import ADA, GRACE, SlackWorld


async def refusal(slack: SlackWorld, text: str) -> str:
    ack = await slack.command(text, response_url="gift")
    assert ack.status == 200
    answer = await slack.wait_for_response("gift")
    return json.dumps(answer, ensure_ascii=False)


async def test_a_gift_to_oneself_points_to_slacks_catalog_command(gift_slack: SlackWorld) -> None:
    gift_slack.fake.add_person(ADA, "Ada Lovelace", locale="en-US")

    said = await refusal(gift_slack, f"gift <@{ADA}> quiet-harbour-books 10 for me")

    assert "A gift is for someone else: use `/vouchers` to buy a voucher for yourself." in said
    assert gift_slack.store.orders == {} and gift_slack.store.gifts == {}


async def test_a_german_buyer_is_told_in_german_why_a_date_cannot_be_used(
    gift_slack: SlackWorld,
) -> None:
    gift_slack.fake.add_person(ADA, "Ada Lovelace", locale="de-DE")
    gift_slack.fake.add_person(GRACE, "Grace Hopper", locale="en-US", tz="Europe/London")

    said = await refusal(gift_slack, f"gift <@{GRACE}> quiet-harbour-books 10 on 2031-02-30")

    assert "„2031-02-30“ ist kein gültiges Datum mit Uhrzeit." in said  # no 30 February
    assert "not a real date" not in said and gift_slack.store.orders == {}
