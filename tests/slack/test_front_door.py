"""POST /slack/events refuses what is not Slack's before parsing it: 401 unsigned, 400 signed but
malformed.

Each refusal is one warning line in the log, never an error with a traceback, and nothing reaches
Slack or the store.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from urllib.parse import quote

import pytest

from tests.slack.conftest import SIGNING_SECRET, SlackWorld

FORM = "application/x-www-form-urlencoded"
NESTED = "[" * 5000 + "]" * 5000
NESTED_OBJECT = '{"type": "block_actions", "deep": ' + "[" * 200 + "]" * 200 + "}"


def _is_refusal(record: logging.LogRecord) -> bool:
    return record.getMessage().startswith("slack request refused")


def _form(payload: str) -> str:
    return "payload=" + quote(payload)


async def _refused_quietly(
    slack: SlackWorld,
    caplog: pytest.LogCaptureFixture,
    status: int,
    body: str,
    content_type: str,
    **kwargs: object,
) -> None:
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        response = await slack.post(body, content_type, **kwargs)  # type: ignore[arg-type]
    assert response.status == status
    refusals = [r for r in caplog.records if _is_refusal(r)]
    assert (
        len(refusals) == 1
        and refusals[0].levelno == logging.WARNING
        and refusals[0].exc_info is None
    )
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    await slack.settle()
    assert slack.fake.calls == [] and slack.store.orders == {}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (_form("[1,2]"), FORM),
        (_form(NESTED), FORM),
        (NESTED, "application/json"),
        ("[1, 2]", "application/json"),
        ("{not json", "application/json"),
    ],
    ids=["payload-list", "payload-nested", "json-nested", "json-list", "json-broken"],
)
async def test_an_unsigned_malformed_request_is_refused_with_401_before_it_is_parsed(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, body: str, content_type: str
) -> None:
    await _refused_quietly(slack, caplog, 401, body, content_type, signed=False)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (_form("[1,2]"), FORM),
        (_form(NESTED), FORM),
        (_form(NESTED_OBJECT), FORM),
        (_form("not json"), FORM),
        (NESTED, "application/json"),
        ("[1, 2]", "application/json"),
        ('"a string"', "application/json"),
        ('{"a": ' + NESTED + "}", FORM),
    ],
    ids=[
        "payload-list",
        "payload-nested",
        "payload-deep",
        "payload-text",
        "json-nested",
        "json-list",
        "json-str",
        "json-as-form",
    ],
)
async def test_a_signed_malformed_request_is_refused_with_400(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, body: str, content_type: str
) -> None:
    await _refused_quietly(slack, caplog, 400, body, content_type)


@pytest.mark.parametrize(
    "timestamp", ["not-a-time", "1e9", "", " 1764147600", "１７６４１４７６００"]
)
async def test_a_timestamp_that_is_not_a_number_is_refused_with_401_even_when_signed_with_it(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    body = _form("[1,2]")
    digest = hmac.new(
        SIGNING_SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256
    ).hexdigest()
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}

    await _refused_quietly(slack, caplog, 401, body, FORM, signed=False, headers=headers)


async def test_a_stale_signed_malformed_request_is_refused_as_unsigned(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    await _refused_quietly(
        slack, caplog, 401, _form("[1,2]"), FORM, timestamp=int(time.time()) - 600
    )


async def test_a_signed_body_that_is_not_utf8_is_refused_with_400(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"payload=\xff\xfe"
    now = str(int(time.time()))
    digest = hmac.new(
        SIGNING_SECRET.encode(), f"v0:{now}:".encode() + body, hashlib.sha256
    ).hexdigest()
    headers = {
        "X-Slack-Request-Timestamp": now,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": FORM,
    }
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        response = await slack.http.post("/slack/events", data=body, headers=headers)

    assert response.status == 400
    assert [r.levelno for r in caplog.records if _is_refusal(r)] == [logging.WARNING]


@pytest.mark.parametrize("signature", ["v0=" + "é" * 64, "v1=" + "0" * 64, "", "v0=" + "0" * 64])
async def test_a_signature_that_cannot_match_is_refused_with_401(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, signature: str
) -> None:
    headers = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": signature}

    await _refused_quietly(slack, caplog, 401, _form("[1,2]"), FORM, signed=False, headers=headers)
