"""The fake Connector is as strict as Teams: its card validator is checked against official
samples."""

from __future__ import annotations

import json

import pytest
from aiohttp import ClientSession

from tests.fake_connector import ADAPTIVE_CARD, FIXTURES, FakeConnector, card_problems

SAMPLES = FIXTURES / "teams" / "adaptive_cards"
# Official samples the 1.5.0 schema itself rejects: `Table.firstRowAsHeaders` and
# `Action.OpenUrl.role` are missing from the published schema. Our cards use neither; recorded so a
# schema update shows up here.
SCHEMA_GAPS = {
    "v1.5_Elements_Table.json",
    "v1.5_Scenarios_ExpenseReport.json",
    "v1.5_Scenarios_InputsWithValidation.json",
}
# "Invalid" test cards that are invalid for the schema; InvalidMediaMix is schema-valid (a renderer
# test).
SCHEMA_INVALID = {"v1.2_Tests_Column.InvalidWidth.json", "v1.3_Tests_InvalidProperties.json"}


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.json")))
def test_the_validator_accepts_official_cards_and_rejects_invalid_ones(sample: str) -> None:
    problems = card_problems(json.loads((SAMPLES / sample).read_text()))

    if sample in SCHEMA_INVALID | SCHEMA_GAPS:
        assert problems, f"{sample} should be refused"
    else:
        assert problems == []


def test_a_card_above_version_1_5_is_refused() -> None:
    card = {"type": "AdaptiveCard", "version": "1.6", "body": [{"type": "TextBlock", "text": "hi"}]}

    assert card_problems(card) == ["card version '1.6' is not 1.5 or lower"]


async def test_an_invalid_card_gets_400_and_is_recorded(connector: FakeConnector) -> None:
    bad = {"type": "AdaptiveCard", "version": "1.2", "body": [{"type": "TextBlock", "txt": "typo"}]}
    activity = {"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD, "content": bad}]}

    async with ClientSession() as http:
        response = await http.post(
            f"{connector.url}v3/conversations/a%3Achat/activities", json=activity
        )

    assert response.status == 400
    assert connector.made("send") == []
    assert len(connector.errors) == 1 and "invalid Adaptive Card" in connector.errors[0]
    connector.errors.clear()


async def test_throttling_is_answered_with_retry_after_for_the_next_calls_only(
    connector: FakeConnector,
) -> None:
    connector.fail_next(429, times=1, retry_after=3)
    activity = {"type": "message", "text": "hello"}

    async with ClientSession() as http:
        url = f"{connector.url}v3/conversations/a%3Achat/activities"
        throttled = await http.post(url, json=activity)
        accepted = await http.post(url, json=activity)

    assert (throttled.status, throttled.headers["Retry-After"]) == (429, "3")
    assert accepted.status == 200
    assert [c.status for c in connector.calls] == [429, 200]
    assert connector.made("send")[0].conversation_id == "a:chat"


async def test_a_call_teams_does_not_expect_is_recorded_as_an_error(
    connector: FakeConnector,
) -> None:
    async with ClientSession() as http:
        response = await http.delete(
            f"{connector.url}v3/conversations/a%3Achat/members/29%3Asomeone"
        )

    assert response.status == 404
    assert connector.errors == [
        "unexpected request DELETE /v3/conversations/a:chat/members/29:someone"
    ]
    connector.errors.clear()


async def test_updating_a_message_teams_never_delivered_is_refused(
    connector: FakeConnector,
) -> None:
    known = connector.issue_id("19:general@thread.tacv2")
    update = {"type": "message", "text": "edited"}

    async with ClientSession() as http:
        base = f"{connector.url}v3/conversations/19%3Ageneral%40thread.tacv2%3Bmessageid%3D42/activities"
        in_thread = await http.put(f"{base}/{known}", json=update)
        unknown = await http.put(f"{base}/1%3Anever-sent", json=update)

    assert (in_thread.status, unknown.status) == (200, 404)
    assert connector.errors == [
        "update of unknown activity 1:never-sent in 19:general@thread.tacv2;messageid=42"
    ]
    connector.errors.clear()
