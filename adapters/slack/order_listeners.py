"""Slack listeners that place an order or retry its payment: `/vouchers buy …`, a denomination
button or menu, a typed amount, and Retry payment.

An order placed from a catalog opened by a reward's Choose your voucher is paid from that reward
(PlaceOrder.reward_id).
"""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from adapters.i18n import ENGLISH, Localizer, words
from adapters.slack import blocks, translate
from adapters.slack.listening import Ack, Body, Listening, ack_message
from adapters.slack.replies import Respond, show
from core.checkout import PlaceOrder
from core.errors import InvalidAmount, InvalidRequest, NotFound
from core.money import Money

log = logging.getLogger(__name__)


class OrderListeners:
    def __init__(self, shared: Listening) -> None:
        self._shared = shared
        self._checkout = shared.checkout

    async def buy(
        self, ack: Ack, body: Body, respond: Respond, product_id: str, text: str, loc: Localizer
    ) -> None:
        """`/vouchers buy …`: the amount is checked before the ack, the order placed after it."""
        try:
            amount = self._checkout.amount_for(product_id, text)
        except InvalidAmount as exc:
            card = self._checkout.product_card(product_id)
            await ack_message(ack, blocks.notice_message(words.amount_error(exc, card, loc)))
            return
        except NotFound as exc:
            await ack_message(ack, blocks.notice_message(words.error_text(exc, loc)))
            return
        await ack()
        key = translate.command_request_key(body)
        self._shared.after_ack(
            self._place_order(body, respond, product_id, amount, key, loc=loc), respond
        )

    async def denomination(
        self, ack: Ack, body: Body, action: Body, respond: Respond, client: AsyncWebClient
    ) -> None:
        await ack()
        product_id, minor = translate.chosen_denomination(action)
        key = translate.action_request_key(body, product_id)
        reward_id = translate.reward_of(action)
        self._shared.after_ack(
            self._order_denomination(body, respond, product_id, minor, key, reward_id, client),
            respond,
        )

    async def _order_denomination(
        self,
        body: Body,
        respond: Respond,
        product_id: str,
        minor: int,
        key: str,
        reward_id: str,
        client: AsyncWebClient,
    ) -> None:
        loc = await self._shared.loc(translate.user_of(body), client)
        try:
            amount = Money(minor, self._checkout.product_card(product_id).currency)
        except NotFound as exc:
            await show(respond, blocks.notice_message(words.error_text(exc, loc)), replace=False)
            return
        await self._place_order(body, respond, product_id, amount, key, reward_id, loc)

    async def amount(
        self, ack: Ack, body: Body, action: Body, respond: Respond, client: AsyncWebClient
    ) -> None:
        await ack()
        product_id, text = translate.typed_amount(body, action)
        reward_id = translate.reward_of(action)
        self._shared.after_ack(
            self._order_typed_amount(body, respond, product_id, text, reward_id, client),
            respond,
        )

    async def _order_typed_amount(
        self,
        body: Body,
        respond: Respond,
        product_id: str,
        text: str,
        reward_id: str,
        client: AsyncWebClient,
    ) -> None:
        loc = await self._shared.loc(translate.user_of(body), client)
        try:
            amount = self._checkout.amount_for(product_id, text)
        except InvalidAmount as exc:
            card = self._checkout.product_card(product_id)
            error = words.amount_error(exc, card, loc)
            message = blocks.product_message(
                card, error=error, reward_id=reward_id, loc=loc, typed=text
            )
            await show(respond, message, replace=True)
            return
        except NotFound as exc:
            await show(respond, blocks.notice_message(words.error_text(exc, loc)), replace=False)
            return
        key = translate.action_request_key(body, product_id)
        await self._place_order(body, respond, product_id, amount, key, reward_id, loc)

    async def _place_order(
        self,
        body: Body,
        respond: Respond,
        product_id: str,
        amount: Money,
        key: str,
        reward_id: str = "",
        loc: Localizer = ENGLISH,
    ) -> None:
        command = PlaceOrder(
            buyer=translate.user_of(body),
            product_id=product_id,
            amount=amount,
            conversation=translate.conversation_of(body),
            request_key=key,
            reward_id=reward_id or None,
        )
        try:
            summary = await self._checkout.place_order(command)
        except (NotFound, InvalidRequest) as exc:
            await show(respond, blocks.notice_message(words.error_text(exc, loc)), replace=False)
            return
        log.info(
            "slack order placed",
            extra={"order_id": summary.order_id, "status": str(summary.status)},
        )
        message = blocks.order_message(summary, loc)
        await show(respond, message, replace="command" not in body)

    async def retry(
        self, ack: Ack, body: Body, action: Body, respond: Respond, client: AsyncWebClient
    ) -> None:
        await ack()
        self._shared.after_ack(
            self._retry_payment(body, str(action.get("value", "")), respond, client), respond
        )

    async def _retry_payment(
        self, body: Body, order_id: str, respond: Respond, client: AsyncWebClient
    ) -> None:
        user = translate.user_of(body)
        loc = await self._shared.loc(user, client)
        try:
            summary = await self._checkout.retry_payment(order_id, user)
        except (NotFound, InvalidRequest) as exc:
            await show(respond, blocks.notice_message(words.error_text(exc, loc)), replace=False)
            return
        await show(respond, blocks.order_message(summary, loc), replace=True)
