"""Slack listeners for group gifts: `/vouchers collect @ada "Farewell" …`, Chip in, Close, and a
contributor's Show or hide my amount."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.chatkit import Background
from adapters.i18n import Localizer, words
from adapters.slack import action_ids as ids
from adapters.slack import blocks, collection_blocks, translate
from adapters.slack.locales import SlackLocales
from adapters.slack.replies import show
from core.errors import InvalidRequest, NotFound
from core.group_gifts import GroupGifts, StartCollection, parse_collect
from core.identity import ChatUser, ConversationRef
from core.rewards import Recipient

log = logging.getLogger(__name__)
Body = dict[str, Any]


def register(
    app: AsyncApp, group_gifts: GroupGifts, work: Background, locales: SlackLocales
) -> CollectionListeners:
    listeners = CollectionListeners(group_gifts, work, locales)
    app.action(ids.COLLECT_CHIP_IN)(listeners.open_chip_in)
    app.action(ids.COLLECT_CLOSE)(listeners.close)
    app.action(ids.COLLECT_MINE)(listeners.toggle_amount)
    app.view(ids.COLLECT_MODAL)(listeners.submit_chip_in)
    return listeners


class CollectionListeners:
    def __init__(self, group_gifts: GroupGifts, work: Background, locales: SlackLocales) -> None:
        self._gifts = group_gifts
        self._work = work
        self._locales = locales

    async def start(
        self, body: Body, respond: Any, client: AsyncWebClient, recipient_id: str, text: str
    ) -> None:
        """Post the card in this channel, unless the recipient could see it there."""
        organiser = translate.user_of(body)
        loc = await self._locales.of(client, organiser.tenant, organiser.user_id)
        channel = str(body.get("channel_id", ""))
        try:
            parsed = parse_collect(text)
            recipient, _zone = await _person(client, organiser.tenant, recipient_id)
            if await _may_see(client, channel, recipient_id):
                warning = loc._(
                    "{name} is in this channel and would see the group gift before it is given. "
                    "Start it in a channel they are not in.",
                    name=recipient.name or recipient_id,
                )
                await _tell(respond, warning)
                return
            where = translate.dm_of(organiser.tenant, recipient_id, translate.enterprise_of(body))
            _, organiser_zone = await _person(client, organiser.tenant, organiser.user_id)
            card = await self._gifts.start(
                StartCollection(organiser, Recipient(recipient, where), parsed, organiser_zone)
            )
        except (NotFound, InvalidRequest) as exc:
            await _tell(respond, words.error_text(exc, loc))
            return
        message = collection_blocks.card_message(card, loc)
        posted = await client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks
        )
        address = translate.SlackAddress(
            team=organiser.tenant,
            user=organiser.user_id,
            channel=str(posted["channel"]),
            ts=str(posted["ts"]),
            enterprise=translate.enterprise_of(body),
            ephemeral=False,
        )
        await self._gifts.card_posted(
            card.collection_id, ConversationRef(translate.PLATFORM, address.to_json())
        )
        log.info("slack group gift started", extra={"collection": card.collection_id})

    async def open_chip_in(
        self, ack: Any, body: Body, action: Body, client: AsyncWebClient
    ) -> None:
        await ack()
        user = translate.user_of(body)
        loc = await self._locales.of(client, user.tenant, user.user_id)
        try:
            card = await self._gifts.card(str(action.get("value", "")))
        except NotFound:
            return
        await client.views_open(
            trigger_id=body["trigger_id"], view=collection_blocks.chip_in_modal(card, loc)
        )

    async def submit_chip_in(
        self, ack: Any, body: Body, view: Body, client: AsyncWebClient
    ) -> None:
        user = translate.user_of(body)
        loc = await self._locales.of(client, user.tenant, user.user_id)
        collection_id, amount, show = collection_blocks.chip_in_form(view)
        try:
            collection = await self._gifts.collection(collection_id)
            collection.check_open()
            self._gifts.amount(collection, amount)
        except (NotFound, InvalidRequest) as exc:
            await ack(
                response_action="errors", errors={ids.COLLECT_AMOUNT: words.error_text(exc, loc)}
            )
            return
        await ack()
        key = f"slack:{user.tenant}:{user.user_id}:chip-in:{view.get('id', '')}"
        self._work.spawn(self._chip_in(body, client, collection_id, amount, show, key, loc))

    async def _chip_in(
        self,
        body: Body,
        client: AsyncWebClient,
        collection_id: str,
        amount: str,
        show: bool,
        key: str,
        loc: Localizer,
    ) -> None:
        """The contributor's checkout goes to their DM with the app: private, and it lasts. The card
        names them as their profile does (users.info), not by their Slack handle."""
        user = translate.user_of(body)
        named, _ = await _person(client, user.tenant, user.user_id)
        user = replace(user, name=named.name or user.name)
        dm = translate.dm_of(user.tenant, user.user_id, translate.enterprise_of(body))
        opened = await client.conversations_open(users=user.user_id)
        try:
            summary = await self._gifts.chip_in(collection_id, user, amount, show, dm, key)
            message = blocks.order_message(summary, loc)
        except (NotFound, InvalidRequest) as exc:
            message = blocks.notice_message(words.error_text(exc, loc))
        await client.chat_postMessage(
            channel=opened["channel"]["id"], text=message.text, blocks=message.blocks
        )

    async def close(
        self, ack: Any, body: Body, action: Body, respond: Any, client: AsyncWebClient
    ) -> None:
        await ack()
        user = translate.user_of(body)
        self._work.spawn(self._close(user, str(action.get("value", "")), respond, client))

    async def _close(
        self, user: ChatUser, collection_id: str, respond: Any, client: AsyncWebClient
    ) -> None:
        try:
            await self._gifts.close(collection_id, user)
        except (NotFound, InvalidRequest) as exc:
            loc = await self._locales.of(client, user.tenant, user.user_id)
            await _tell(respond, words.error_text(exc, loc))

    async def toggle_amount(
        self, ack: Any, body: Body, action: Body, respond: Any, client: AsyncWebClient
    ) -> None:
        await ack()
        user = translate.user_of(body)
        self._work.spawn(self._toggle_amount(user, str(action.get("value", "")), respond, client))

    async def _toggle_amount(
        self, user: ChatUser, collection_id: str, respond: Any, client: AsyncWebClient
    ) -> None:
        """The presser's own line only; the card is redrawn in place by the outbox, and the presser
        alone is told what changed."""
        loc = await self._locales.of(client, user.tenant, user.user_id)
        try:
            shown = await self._gifts.toggle_amount(collection_id, user)
        except (NotFound, InvalidRequest) as exc:
            await _tell(respond, words.error_text(exc, loc))
            return
        if shown:
            await _tell(respond, loc._("The card now shows your amount."))
        else:
            await _tell(respond, loc._("The card no longer shows your amount."))


async def _may_see(client: AsyncWebClient, channel: str, user_id: str) -> bool:
    """True when the recipient is a member of the channel, or Slack would not say who is."""
    members: list[str] = []
    cursor = ""
    try:
        while True:
            page = await client.conversations_members(
                channel=channel, cursor=cursor or None, limit=200
            )
            members += [str(m) for m in page.get("members") or []]
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return user_id in members
    except SlackApiError as exc:
        log.info("channel members not listed", extra={"error": exc.response.get("error", "")})
        return True


async def _person(client: AsyncWebClient, team: str, user_id: str) -> tuple[ChatUser, str]:
    try:
        answer = await client.users_info(user=user_id)
    except SlackApiError:
        return ChatUser(translate.PLATFORM, team, user_id), "UTC"
    user = answer.get("user") or {}
    profile = user.get("profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or ""
    return ChatUser(translate.PLATFORM, team, user_id, str(name)), str(user.get("tz") or "UTC")


async def _tell(respond: Any, text: str) -> None:
    await show(respond, blocks.notice_message(text))
