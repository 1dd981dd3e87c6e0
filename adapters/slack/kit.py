"""Block Kit primitives shared by the renderers: a message type, Slack's limits, escaping and
elements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Block = dict[str, Any]

# Slack's limits (https://docs.slack.dev/reference/block-kit): checked again by the tests' fake.
MESSAGE_BLOCKS = 50
HOME_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
PLAIN_LABEL = 75  # button text, option text
HEADER_TEXT = 150
OPTION_VALUE = 150
STATIC_OPTIONS = 100
BUTTONS_PER_ROW = 5


@dataclass(frozen=True)
class Message:
    """A message as Slack takes it: fallback text (notifications, screen readers) and blocks."""

    text: str
    blocks: list[Block]


def escape(text: str) -> str:
    """Slack's mrkdwn control characters; anything else is shown as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = PLAIN_LABEL) -> Block:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def section(text: str, accessory: Block | None = None) -> Block:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": clip(text, SECTION_TEXT)},
        **with_accessory(accessory),
    }


def with_accessory(element: Block | None) -> Block:
    return {"accessory": element} if element else {}


def mrkdwn_field(label: str, value: str) -> Block:
    return {"type": "mrkdwn", "text": clip(f"*{label}*\n{value}", FIELD_TEXT)}


def code(secret: str) -> str:
    return f"`{escape(secret)}`" if "`" not in secret else escape(secret)


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, SECTION_TEXT)}]}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT)}


def divider() -> Block:
    return {"type": "divider"}


def actions(block_id: str, elements: list[Block]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": elements}


def image(url: str, alt: str) -> Block | None:
    # Slack rejects the whole message for an image it cannot fetch; only absolute web URLs are
    # tried.
    if not url.startswith(("https://", "http://")):
        return None
    return {"type": "image", "image_url": url, "alt_text": clip(alt or "voucher", 2000)}


def button(
    text: str, action_id: str, *, value: str | None = None, url: str | None = None, style: str = ""
) -> Block:
    element: Block = {"type": "button", "action_id": action_id, "text": plain(text)}
    if value is not None:
        element["value"] = value
    if url is not None:
        element["url"] = url
    if style:
        element["style"] = style
    return element


def option(text: str, value: str) -> Block:
    return {"text": plain(text), "value": value}
