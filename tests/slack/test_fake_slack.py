"""The fake Slack itself: it accepts what Slack accepts and refuses what Slack would refuse."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fake_slack import FakeSlack, message_problems, option_problems, view_problems
from tests.slack.conftest import BOT_TOKEN, FIXTURES

BLOCKKIT = sorted((FIXTURES / "blockkit").glob("*.json"))
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "Quiet Harbour Books"}}


@pytest.mark.parametrize("path", BLOCKKIT, ids=[p.stem for p in BLOCKKIT])
def test_slack_sdks_own_valid_views_pass_the_validator(path: Any) -> None:
    view = json.loads(path.read_text())

    assert view_problems(view) == []


def test_the_fixture_set_is_not_empty() -> None:
    assert len(BLOCKKIT) >= 10


@pytest.mark.parametrize(
    ("blocks", "problem"),
    [
        ([{"type": "hologram"}], "unknown block type 'hologram'"),
        (
            [{"type": "actions", "elements": [{"type": "slider", "action_id": "a"}]}],
            "not a known element",
        ),
        ([{**SECTION, "acessory": {"type": "image"}}], "acessory: unknown field"),
        (
            [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
            "cannot exceed 3000",
        ),
        ([SECTION] * 51, "51 blocks in a message"),
        ([{**SECTION, "block_id": "same"}, {**SECTION, "block_id": "same"}], "duplicate block_id"),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "go",
                            "text": {"type": "plain_text", "text": "A"},
                        },
                        {
                            "type": "button",
                            "action_id": "go",
                            "text": {"type": "plain_text", "text": "B"},
                        },
                    ],
                }
            ],
            "duplicate action_id",
        ),
        (
            [
                {
                    **SECTION,
                    "accessory": {"type": "image", "image_url": "/relative.png", "alt_text": "x"},
                }
            ],
            "not a public web URL",
        ),
    ],
)
def test_a_message_slack_would_reject_is_reported(
    blocks: list[dict[str, Any]], problem: str
) -> None:
    problems = message_problems({"text": "fallback", "blocks": blocks})

    assert any(problem in p for p in problems), problems


def test_blocks_without_fallback_text_are_reported() -> None:
    assert message_problems({"blocks": [SECTION]}) == ["blocks without fallback text"]


def test_a_home_view_over_a_hundred_blocks_is_reported() -> None:
    assert view_problems({"type": "home", "blocks": [SECTION] * 101})


def test_an_option_with_a_value_over_150_characters_is_reported() -> None:
    option = {"text": {"type": "plain_text", "text": "Too long"}, "value": "v" * 151}

    assert option_problems([option])


async def test_invalid_blocks_are_refused_like_slack_and_recorded(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)

    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C0GENERAL", text="x", blocks=[{"type": "hologram"}])

    assert raised.value.response["error"] == "invalid_blocks"
    assert fake_slack.errors == ["chat.postMessage: block 0: unknown block type 'hologram'"]
    fake_slack.errors.clear()  # this test wanted the refusal


async def test_a_429_carries_retry_after_and_then_the_call_succeeds(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url, retry_handlers=[])
    fake_slack.fail_next(1, status=429, retry_after=7, method="chat.postMessage")

    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C0GENERAL", text="hello")
    await client.chat_postMessage(channel="C0GENERAL", text="hello")

    assert (
        raised.value.response.status_code == 429
        and raised.value.response.headers["Retry-After"] == "7"
    )
    assert len(fake_slack.messages_in("C0GENERAL")) == 1


async def test_an_unknown_token_is_refused(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-stolen", base_url=fake_slack.api_url)

    with pytest.raises(SlackApiError) as raised:
        await client.auth_test()

    assert raised.value.response["error"] == "invalid_auth"


async def test_a_response_url_works_five_times(fake_slack: FakeSlack) -> None:
    hook = AsyncWebhookClient(fake_slack.response_url("five"))

    statuses = [(await hook.send_dict({"text": f"update {n}"})).status_code for n in range(6)]

    assert statuses == [200, 200, 200, 200, 200, 404]
