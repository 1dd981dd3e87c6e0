"""How Slack listeners answer after the ack: show a message where the person asked, or apologise."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.chatkit import APOLOGY, Background, apologising
from adapters.slack.kit import Message

Respond = Callable[..., Awaitable[Any]]
Show = Callable[[Message], Awaitable[Any]]


async def show(respond: Respond, message: Message, *, replace: bool = False) -> None:
    """An ephemeral answer through the request's response_url; `replace` swaps the clicked
    message."""
    await respond(
        text=message.text,
        blocks=message.blocks,
        response_type="ephemeral",
        replace_original=replace,
    )


async def apologise(respond: Respond) -> None:
    await respond(text=APOLOGY, response_type="ephemeral", replace_original=False)


def after_ack(
    background: Background, work: Coroutine[Any, Any, None], respond: Respond | None
) -> None:
    """Run `work` after the ack; if it fails, apologise where the person is (when there is a
    where)."""
    tell = None if respond is None else apologising(lambda _text: apologise(respond))
    background.spawn(work, tell)


def in_dm(client: AsyncWebClient, user_id: str) -> Show:
    """Show messages in the person's DM with the app (when there is no response_url to answer)."""

    async def show_in_dm(message: Message) -> None:
        opened = await client.conversations_open(users=user_id)
        await client.chat_postMessage(
            channel=opened["channel"]["id"], text=message.text, blocks=message.blocks
        )

    return show_in_dm
