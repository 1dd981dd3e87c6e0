"""A Slack form body is read once per request, by the rate limiter and the front door together."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

from adapters.slack import SLACK
from adapters.slack.form import NOT_JSON, read_form
from core.platforms import ActingPerson

CLICK = urlencode(
    {"payload": json.dumps({"type": "block_actions", "user": {"id": "U0ADA", "team_id": "T0VB"}})}
).encode()


def test_the_same_body_is_read_once_and_an_equal_copy_is_read_again() -> None:
    first = read_form(CLICK)

    assert read_form(CLICK) is first
    copy = read_form(bytes(bytearray(CLICK)))
    assert copy is not first and copy == first


async def test_concurrent_requests_never_see_each_others_reading() -> None:
    async def who(user: str) -> ActingPerson | None:
        body = urlencode({"command": "/vouchers", "user_id": user, "team_id": "T0VB"}).encode()
        await asyncio.sleep(0)  # the other request reads its own body meanwhile
        person = SLACK.acting_person(body)
        await asyncio.sleep(0)
        form = read_form(body)
        assert form is not None and form.fields["user_id"] == [user]
        return person

    ada, grace = await asyncio.gather(who("U0ADA"), who("U0GRACE"))

    assert ada == ActingPerson("T0VB", "U0ADA", wants_words=True)
    assert grace == ActingPerson("T0VB", "U0GRACE", wants_words=True)


def test_a_payload_that_is_not_json_is_kept_as_such_and_counts_for_no_one() -> None:
    body = b"payload=%7Bnot+json"

    assert SLACK.acting_person(body) is None
    assert read_form(body).payloads == (NOT_JSON,)  # type: ignore[union-attr]
