"""The platform registry: each channel adapter's descriptor says who a request is from, and the rate
limiter keys its buckets by what the descriptor says (captured payloads in tests/fixtures)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

from adapters.slack import SLACK
from adapters.teams import TEAMS
from bot.build.channels import PLATFORMS
from bot.limits import SLOW_DOWN, person_limited, too_many
from core.platforms import ActingPerson

FIXTURES = Path(__file__).parent.parent / "fixtures"
SLASH_COMMAND = (FIXTURES / "slack/payloads/slash_command.bolt_python.form.txt").read_bytes()
BUTTON = (FIXTURES / "slack/payloads/block_actions.button.bolt_python.json").read_text()
APP_HOME = (FIXTURES / "slack/payloads/app_home_opened.event_callback.slack_docs.json").read_bytes()
TEAMS_MESSAGE = (
    FIXTURES / "teams/activities/message.personal.botbuilder_js_recording.json"
).read_bytes()
TIEN_AAD, CONTOSO = "6d415fdd-f97e-4f70-ac45-e69601e4ecb2", "72f988bf-86f1-41af-91ab-2d7cd011db47"


def test_the_registry_names_each_platform_once_with_what_people_read_and_where_it_posts() -> None:
    assert [(p.name, p.label, p.inbound_path) for p in PLATFORMS] == [
        ("teams", "Microsoft Teams", "/api/messages"),
        ("slack", "Slack", "/slack/events"),
    ]


def test_a_slack_slash_command_is_from_its_workspace_and_user_and_is_refused_in_words() -> None:
    person = SLACK.acting_person(SLASH_COMMAND)
    limited = person_limited(SLACK, SLASH_COMMAND, "192.0.2.7")

    assert person == ActingPerson("T111", "W111", wants_words=True)
    assert limited is not None and limited.key == "slack:T111:W111"
    refusal = too_many(limited, 2.5)
    assert refusal.status == 200 and refusal.headers["Retry-After"] == "3"
    assert json.loads(refusal.text or "") == {
        "response_type": "ephemeral",
        "text": SLOW_DOWN.format(seconds=3),
    }


def test_a_slack_button_click_counts_for_its_clicker_and_is_refused_with_429() -> None:
    body = urlencode({"payload": BUTTON}).encode()

    limited = person_limited(SLACK, body, "192.0.2.7")

    assert limited is not None and limited.key == "slack:T111:W111"
    assert too_many(limited, 0.2).status == 429


def test_slack_events_api_callbacks_and_unreadable_bodies_count_for_no_one() -> None:
    assert SLACK.acting_person(APP_HOME) is None
    assert SLACK.acting_person(b"\xff\xfe not text") is None
    assert person_limited(SLACK, APP_HOME, "192.0.2.7") is None


def test_a_teams_activity_counts_for_its_sender_in_their_tenant() -> None:
    limited = person_limited(TEAMS, TEAMS_MESSAGE, "192.0.2.7")

    assert TEAMS.acting_person(TEAMS_MESSAGE) == ActingPerson(CONTOSO, TIEN_AAD)
    assert limited is not None and limited.key == f"teams:{CONTOSO}:{TIEN_AAD}"
    assert too_many(limited, 1).status == 429


def test_a_teams_body_that_names_no_one_counts_against_its_network_address() -> None:
    for body in (b"not json", b"[]", json.dumps({"from": {"id": 7}}).encode()):
        limited = person_limited(TEAMS, body, "192.0.2.7")

        assert limited is not None and limited.key == "ip:192.0.2.7"
