"""Slack listeners for gifts: `/vouchers gift @person …` and the Cancel button of a scheduled gift."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks, gift_blocks, translate
from core.checkout import Checkout, PlaceOrder
from core.errors import InvalidAmount, InvalidRequest, NotFound
from core.gifting import Gifts
from core.gifts import GiftRequest
from core.identity import ChatUser, ConversationRef

log = logging.getLogger(__name__)

Body = dict[str, Any]


class GiftListeners:
    """Called by the /vouchers command listener and the Cancel button; one use case per call."""

    def __init__(self, checkout: Checkout, gifts: Gifts) -> None:
        self._checkout = checkout
        self._gifts = gifts

    def check_amount(self, command: translate.SendGift) -> str:
        """'' when the product and amount are fine, else what to tell the buyer (before the ack)."""
        try:
            self._checkout.amount_for(command.product_id, command.amount_text)
        except (NotFound, InvalidAmount) as exc:
            return str(exc)
        return ""

    async def send(
        self, body: Body, respond: Any, client: AsyncWebClient, command: translate.SendGift
    ) -> None:
        buyer = translate.user_of(body)
        try:
            recipient, where, zone = await self._recipient(body, client, command)
            gift = GiftRequest(
                recipient=recipient,
                recipient_conversation=where,
                message=command.message,
                deliver_at=self._gifts.delivery_time(command.when, zone),
            )
            order = PlaceOrder(
                buyer=buyer,
                product_id=command.product_id,
                amount=self._checkout.amount_for(command.product_id, command.amount_text),
                conversation=translate.conversation_of(body),
                request_key=translate.command_request_key(body),
                gift=gift,
            )
            summary = await self._checkout.place_order(order)
        except (NotFound, InvalidRequest) as exc:
            await _respond(respond, blocks.notice_message(str(exc)))
            return
        log.info(
            "slack gift placed",
            extra={"order_id": summary.order_id, "scheduled": gift.deliver_at is not None},
        )
        await _respond(respond, blocks.order_message(summary))

    async def _recipient(
        self, body: Body, client: AsyncWebClient, command: translate.SendGift
    ) -> tuple[ChatUser, ConversationRef, str]:
        """Who receives it, where, and in which time zone: a mention is someone in this workspace; an
        email may name someone in Teams (the organisation's directory), reached there."""
        if command.recipient_email:
            found = await self._gifts.recipient_by_email(command.recipient_email)
            if found.user.platform == translate.PLATFORM:
                _, zone = await _person(client, found.user.tenant, found.user.user_id)
                return found.user, found.conversation, zone
            return found.user, found.conversation, "UTC"
        buyer = translate.user_of(body)
        recipient, zone = await _person(client, buyer.tenant, command.recipient_id)
        where = translate.dm_of(buyer.tenant, recipient.user_id, translate.enterprise_of(body))
        return recipient, where, zone

    async def cancel(self, body: Body, action: Body, respond: Any) -> None:
        try:
            receipt = await self._gifts.cancel(str(action.get("value", "")), translate.user_of(body))
        except (NotFound, InvalidRequest) as exc:
            await _respond(respond, blocks.notice_message(str(exc)))
            return
        await _respond(respond, gift_blocks.receipt_message(receipt))


async def _person(client: AsyncWebClient, team: str, user_id: str) -> tuple[ChatUser, str]:
    """The recipient's name and time zone from users.info; the id alone (and UTC) if Slack says no."""
    try:
        answer = await client.users_info(user=user_id)
    except SlackApiError as exc:
        log.info("recipient not looked up", extra={"error": exc.response.get("error", "")})
        return ChatUser(translate.PLATFORM, team, user_id), "UTC"
    user = answer.get("user") or {}
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or ""
    )
    return ChatUser(translate.PLATFORM, team, user_id, str(name)), str(user.get("tz") or "UTC")


async def _respond(respond: Any, message: blocks.Message) -> None:
    await respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)
