"""The front door of `POST /slack/events`: Slack's signature and timestamp first, then the body's
shape.

Bolt parses a request before it checks the signature, so an unsigned `payload=[1,2]`, a deeply
nested JSON body or a timestamp header that is not a number reached code that raised, and answered
500 with a traceback in the log. Here nothing is parsed until the signature holds (401 otherwise),
and a signed body that is not a Slack payload (a JSON object, or a form whose `payload` is one) is a
400. Either way one warning line is logged, without the body.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from adapters.slack.form import NOT_JSON, json_value, read_form

# Slack's payloads nest a few levels (blocks in views in state); anything far deeper is not Slack's.
MAX_DEPTH = 40
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
FRESH_SECONDS = 300  # Slack: refuse requests whose timestamp is more than five minutes away
NOT_UTF8 = "the body is not UTF-8"


class Refused(Exception):
    """A request turned away at the door, with the HTTP status and a reason for the log."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class FrontDoor:
    """Checks requests against one app's signing secret."""

    signing_secret: str
    now: Callable[[], float] = time.time

    def check(self, body: bytes, headers: Mapping[str, str], content_type: str) -> None:
        """Raise Refused unless the request is signed by Slack, fresh, and carries a readable
        payload."""
        self._check_signature(body, headers)
        _check_payload(body, content_type)

    def _check_signature(self, body: bytes, headers: Mapping[str, str]) -> None:
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        if not _TIMESTAMP.fullmatch(timestamp):
            raise Refused(401, "missing or non-numeric X-Slack-Request-Timestamp")
        if abs(self.now() - int(timestamp)) > FRESH_SECONDS:
            raise Refused(401, "stale X-Slack-Request-Timestamp")
        # Over the raw bytes: slack_sdk's SignatureVerifier decodes the body first and raises on
        # non-UTF-8.
        signed = b"v0:" + timestamp.encode() + b":" + body
        expected = (
            "v0=" + hmac.new(self.signing_secret.encode(), signed, hashlib.sha256).hexdigest()
        )
        given = headers.get("X-Slack-Signature", "").encode(
            "utf-8", "replace"
        )  # any text, not only ASCII
        if not hmac.compare_digest(expected.encode(), given):
            raise Refused(401, "bad X-Slack-Signature")


def _check_payload(body: bytes, content_type: str) -> None:
    if content_type.startswith("application/json") or body.startswith(b"{"):  # as Bolt decides
        _json_object(json_value(_text(body)), "the JSON body")
        return
    form = read_form(body)  # as the rate limiter read it, if it did
    if form is None:
        raise Refused(400, NOT_UTF8)
    for payload in form.payloads:
        _json_object(payload, "the payload field")


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, NOT_UTF8) from None


def _json_object(value: object, what: str) -> None:
    if value is NOT_JSON:
        raise Refused(400, f"{what} is not JSON")
    if not isinstance(value, dict):
        raise Refused(400, f"{what} is not a JSON object")
    if _depth(value) > MAX_DEPTH:
        raise Refused(400, f"{what} is nested too deeply")


def _depth(value: Any) -> int:
    """How deeply containers nest, without recursion (the value may be thousands of levels deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest
