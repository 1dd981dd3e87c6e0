"""A Slack form body read once per request: its fields and each `payload` field's JSON.

The rate limiter asks who is acting before the signature is checked (platform.py), and the front
door then checks the same body's payloads (front_door.py): URL-decoding an interaction's payload
costs as much as Bolt's whole dispatch, so they share one reading. It is kept for the running
request only, in a ContextVar (each request runs in its own task, so concurrent requests never see
each other's), and only for the very bytes it came from (`request.read()` returns the same object
every time).
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import parse_qs


class NotJson:
    """A `payload` field that is not JSON (or nests too deeply for the decoder)."""


NOT_JSON = NotJson()


@dataclass(frozen=True)
class SlackForm:
    fields: dict[str, list[str]]
    payloads: tuple[object, ...]  # each `payload` field decoded, in order; NOT_JSON if it is not


_last: ContextVar[tuple[bytes, SlackForm | None] | None] = ContextVar("slack_form", default=None)


def read_form(body: bytes) -> SlackForm | None:
    """The form in `body`, read once per request; None when the body is not UTF-8 text."""
    kept = _last.get()
    if kept is not None and kept[0] is body:
        return kept[1]
    form = _read(body)
    _last.set((body, form))
    return form


def _read(body: bytes) -> SlackForm | None:
    try:
        fields = parse_qs(body.decode("utf-8"))
    except UnicodeDecodeError:
        return None
    return SlackForm(fields, tuple(json_value(text) for text in fields.get("payload", [])))


def json_value(text: str) -> object:
    """`text` decoded as JSON; NOT_JSON when it is not JSON or nests too deeply to decode."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return NOT_JSON
