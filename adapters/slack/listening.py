"""What the checkout's Slack listener groups share: the checkout, the work done after the ack, and
each person's locale and home country."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.chatkit import Background
from adapters.i18n import Localizer
from adapters.slack.kit import Message
from adapters.slack.locales import SlackLocales
from adapters.slack.replies import Respond, after_ack
from core.catalog import CatalogQuery
from core.checkout import Checkout
from core.identity import ChatUser

Ack = Callable[..., Awaitable[Any]]
Body = dict[str, Any]


@dataclass(frozen=True)
class Listening:
    """Handed to each listener group, so none of them keeps its own copy of these lookups."""

    checkout: Checkout
    work: Background
    locales: SlackLocales

    async def loc(self, user: ChatUser, client: AsyncWebClient) -> Localizer:
        return await self.locales.of(client, user.tenant, user.user_id)

    async def country(self, user: ChatUser, query: CatalogQuery, loc: Localizer) -> str:
        """Where a plain browse opens: the person's chosen or employee-record country, else Slack's
        guess."""
        if not query.is_bare:
            return ""
        return await self.checkout.home_country(user) or loc.country

    def after_ack(self, work: Coroutine[Any, Any, None], respond: Respond | None) -> None:
        after_ack(self.work, work, respond)


async def ack_message(ack: Ack, message: Message) -> None:
    """Answer a slash command in its ack, seen only by the person who typed it."""
    await ack(response_type="ephemeral", text=message.text, blocks=message.blocks)
