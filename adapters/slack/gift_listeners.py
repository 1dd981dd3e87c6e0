"""Slack listeners for gifts: `/vouchers gift @person …` and the Cancel button of a scheduled
gift."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.i18n import ENGLISH, Localizer, words
from adapters.slack import action_ids as ids
from adapters.slack import blocks, gift_blocks, gift_form, translate
from adapters.slack.locales import SlackLocales
from adapters.slack.replies import show
from core.checkout import Checkout, PlaceOrder
from core.errors import InvalidAmount, InvalidRequest, NotFound
from core.gifting import Gifts
from core.gifts import GiftRequest
from core.identity import ChatUser, ConversationRef

log = logging.getLogger(__name__)

Body = dict[str, Any]
CATALOG_COMMAND = "`/vouchers`"  # where a refusal sends someone who meant to buy for themselves


class GiftListeners:
    """Called by the /vouchers command listener and the Cancel button; one use case per call."""

    def __init__(
        self, checkout: Checkout, gifts: Gifts, locales: SlackLocales | None = None
    ) -> None:
        self._checkout = checkout
        self._gifts = gifts
        self._locales = locales or SlackLocales()

    def check_amount(self, command: translate.SendGift, loc: Localizer = ENGLISH) -> str:
        """'' when the product and amount are fine, else what to tell the buyer (before the ack)."""
        return self._amount_problem(command.product_id, command.amount_text, loc)

    def _amount_problem(self, product_id: str, text: str, loc: Localizer) -> str:
        try:
            self._checkout.amount_for(product_id, text)
        except InvalidAmount as exc:
            return words.amount_error(exc, self._checkout.product_card(product_id), loc)
        except NotFound as exc:
            return words.error_text(exc, loc)
        return ""

    async def send(
        self,
        body: Body,
        respond: Any,
        client: AsyncWebClient,
        command: translate.SendGift,
        loc: Localizer = ENGLISH,
        *,
        conversation: ConversationRef | None = None,
        request_key: str = "",
    ) -> None:
        """Place the gift's order and show it (with its Pay button) where the buyer asked."""
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
                conversation=conversation or translate.conversation_of(body),
                request_key=request_key or translate.command_request_key(body),
                gift=gift,
            )
            summary = await self._checkout.place_order(order)
        except (NotFound, InvalidRequest) as exc:
            await show(respond, blocks.notice_message(_refusal(exc, loc)))
            return
        log.info(
            "slack gift placed",
            extra={"order_id": summary.order_id, "scheduled": gift.deliver_at is not None},
        )
        await show(respond, blocks.order_message(summary, loc))

    async def _recipient(
        self, body: Body, client: AsyncWebClient, command: translate.SendGift
    ) -> tuple[ChatUser, ConversationRef, str]:
        """Who receives it, where, and in which time zone: a mention is someone in this workspace;
        an email may name someone in Teams (the organisation's directory), reached there."""
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

    # --- the "Send as a gift" form
    # ------------------------------------------------------------------

    async def open_form(self, body: Body, action: Body, client: AsyncWebClient) -> None:
        """The product card's button: the form for that product (no database before views.open: its
        trigger_id lasts 3 seconds)."""
        try:
            card = self._checkout.product_card(str(action.get("value", "")))
        except NotFound as exc:
            log.info("gift form for an unknown product", extra={"error": str(exc)})
            return
        loc = await self._loc(body, client)
        view = gift_form.gift_modal(card, str(body.get("response_url", "")), loc)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    def form_errors(
        self, body: Body, form: gift_form.GiftForm, loc: Localizer = ENGLISH
    ) -> dict[str, str]:
        """What Slack shows under each field, before the form closes (in-memory checks only)."""
        errors: dict[str, str] = {}
        if not form.recipient_id:
            errors[ids.GIFT_TO] = loc._("Choose a colleague.")
        elif form.recipient_id == translate.user_of(body).user_id:
            errors[ids.GIFT_TO] = loc._("A gift is for someone else.")
        problem = self._amount_problem(form.product_id, form.amount, loc)
        if problem:
            errors[ids.GIFT_AMOUNT] = problem
        if form.time and not form.date:
            errors[ids.GIFT_DATE] = loc._("Choose the date for that time.")
        return errors

    async def send_form(
        self, body: Body, view: Body, form: gift_form.GiftForm, client: AsyncWebClient
    ) -> None:
        buyer = translate.user_of(body)
        enterprise = translate.enterprise_of(body)
        # The order follows the product message (through its response_url) or, without one, the DM.
        address = translate.SlackAddress(
            team=buyer.tenant,
            user=buyer.user_id,
            enterprise=enterprise,
            response_url=form.response_url,
        )
        respond = (
            _responder(form.response_url) if form.response_url else _in_dm(client, buyer.user_id)
        )
        command = translate.SendGift(
            form.recipient_id, form.product_id, form.amount, form.when, form.note
        )
        key = f"slack:{buyer.tenant}:{buyer.user_id}:gift-form:{view.get('id', '')}"
        await self.send(
            body,
            respond,
            client,
            command,
            await self._loc(body, client),
            conversation=ConversationRef(translate.PLATFORM, address.to_json()),
            request_key=key,
        )

    async def cancel(self, body: Body, action: Body, respond: Any, client: AsyncWebClient) -> None:
        loc = await self._loc(body, client)
        try:
            receipt = await self._gifts.cancel(
                str(action.get("value", "")), translate.user_of(body)
            )
        except (NotFound, InvalidRequest) as exc:
            await show(respond, blocks.notice_message(_refusal(exc, loc)))
            return
        await show(respond, gift_blocks.receipt_message(receipt, loc))

    async def _loc(self, body: Body, client: AsyncWebClient) -> Localizer:
        user = translate.user_of(body)
        return await self._locales.of(client, user.tenant, user.user_id)


async def _person(client: AsyncWebClient, team: str, user_id: str) -> tuple[ChatUser, str]:
    """The recipient's name and time zone from users.info; the id alone (and UTC) if Slack says
    no."""
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


def _refusal(error: Exception, loc: Localizer) -> str:
    return words.error_text(error, loc, catalog_command=CATALOG_COMMAND)


def _responder(response_url: str) -> Any:
    async def respond(**body: Any) -> None:
        await AsyncWebhookClient(response_url, timeout=10).send_dict(body)

    return respond


def _in_dm(client: AsyncWebClient, user_id: str) -> Any:
    async def respond(*, text: str, blocks: list[Any], **_: Any) -> None:
        opened = await client.conversations_open(users=user_id)
        await client.chat_postMessage(channel=opened["channel"]["id"], text=text, blocks=blocks)

    return respond
