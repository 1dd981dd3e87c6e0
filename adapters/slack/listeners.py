"""Bolt listeners: ack first, translate the payload, call one checkout use case, render its view.

The app runs with `process_before_response=True`, so Slack's HTTP response is written when a listener
returns. Listeners therefore only do in-memory work before `ack()` (catalog search, amount checks) and
hand anything that touches the database, the payment provider or the Slack Web API to `Background`.

A catalog opened from a reward's Choose your voucher carries the reward id in its elements
(`translate.reward_of`): the order placed from it is paid from the reward (PlaceOrder.reward_id).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import action_ids as ids
from adapters.slack import blocks, gift_blocks, gift_form, translate
from adapters.slack.background import Background
from adapters.slack.gift_listeners import GiftListeners
from core.catalog import CatalogQuery
from core.checkout import Checkout, PlaceOrder
from core.errors import InvalidAmount, InvalidRequest, NotFound
from core.gifting import Gifts
from core.identity import ChatUser
from core.money import Money
from core.views import RewardSummary

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment."
OPTIONS_LIMIT = 100

Respond = Callable[..., Awaitable[Any]]
Ack = Callable[..., Awaitable[Any]]
Body = dict[str, Any]
RewardLookup = Callable[[str, ChatUser], Awaitable[RewardSummary]]  # Recognition.recipient_reward


def register(
    app: AsyncApp,
    checkout: Checkout,
    background: Background | None = None,
    rewards: RewardLookup | None = None,
    gifts: Gifts | None = None,
) -> Background:
    """Attach every voucherbot listener to `app`; returns the tracker of work done after the ack."""
    work = background or Background()
    listeners = _Listeners(checkout, work, rewards, GiftListeners(checkout, gifts) if gifts else None)
    app.command("/vouchers")(listeners.command)
    app.action(_ids(ids.CHOOSE))(listeners.choose)
    app.action(ids.PICK_PRODUCT)(listeners.choose)
    app.action(_ids(ids.PAGE))(listeners.page)
    app.action(ids.BACK_TO_CATALOG)(listeners.page)
    app.action(_ids(ids.DENOMINATION))(listeners.denomination)
    app.action(ids.DENOMINATION_SELECT)(listeners.denomination)
    app.action(ids.AMOUNT_INPUT)(listeners.amount)
    app.action(ids.AMOUNT_SUBMIT)(listeners.amount)
    app.action(ids.RETRY_PAYMENT)(listeners.retry)
    app.action(ids.BROWSE)(listeners.browse)
    app.action(_ids(ids.GIFT_CANCEL))(listeners.cancel_gift)
    app.action(ids.GIFT_OPEN)(listeners.open_gift_form)
    app.view(ids.GIFT_MODAL)(listeners.submit_gift_form)
    app.action(re.compile(rf"^({'|'.join(ids.URL_BUTTONS)})(:\w+)?$"))(listeners.link)
    app.options(ids.PICK_PRODUCT)(listeners.options)
    app.event("app_home_opened")(listeners.home)
    app.error(listeners.on_error)
    return work


def _ids(prefix: str) -> re.Pattern[str]:
    """`vb_choose` and its indexed twins `vb_choose:3` (action ids must be unique in a message)."""
    return re.compile(rf"^{re.escape(prefix)}(:\w+)?$")


class _Listeners:
    def __init__(
        self, checkout: Checkout, work: Background, rewards: RewardLookup | None, gifts: GiftListeners | None
    ) -> None:
        self._checkout = checkout
        self._work = work
        self._rewards = rewards
        self._gifts = gifts

    # --- slash command -----------------------------------------------------------------

    async def command(self, ack: Ack, body: Body, respond: Respond, client: AsyncWebClient) -> None:
        try:
            parsed = translate.parse_command(str(body.get("text", "")))
        except translate.InvalidQuery as exc:
            await _ack_message(ack, blocks.notice_message(str(exc)))
            return
        match parsed:
            case translate.ShowHelp():
                await _ack_message(ack, blocks.help_message())
            case translate.Browse(query):
                await _ack_message(ack, blocks.catalog_message(self._checkout.browse(query)))
            case translate.ShowWallet():
                await ack()
                self._spawn(self._show_wallet(body, respond), respond)
            case translate.Buy(product_id, amount_text):
                await self._buy_from_command(ack, body, respond, product_id, amount_text)
            case translate.SetCountry(text):
                await self._set_country(ack, body, text)
            case translate.SendGift() if self._gifts is not None:
                await self._gift_from_command(ack, body, respond, client, parsed)
            case translate.SendGift():
                await _ack_message(ack, blocks.notice_message("Gifts are not enabled here."))

    async def _set_country(self, ack: Ack, body: Body, text: str) -> None:
        try:
            code = await self._checkout.set_country(translate.user_of(body), text)
        except InvalidRequest as exc:
            await _ack_message(ack, blocks.notice_message(str(exc)))
            return
        note = f"Your rewards now open the catalog for {code}, in its currency where a rate allows."
        await _ack_message(ack, blocks.notice_message(note))

    async def _gift_from_command(
        self, ack: Ack, body: Body, respond: Respond, client: AsyncWebClient, command: translate.SendGift
    ) -> None:
        assert self._gifts is not None
        problem = self._gifts.check_amount(command)
        if problem:
            await _ack_message(ack, blocks.notice_message(problem))
            return
        await ack()
        self._spawn(self._gifts.send(body, respond, client, command), respond)

    async def open_gift_form(self, ack: Ack, body: Body, action: Body, client: AsyncWebClient) -> None:
        await ack()
        if self._gifts is not None:
            await self._gifts.open_form(body, action, client)

    async def submit_gift_form(self, ack: Ack, body: Body, view: Body, client: AsyncWebClient) -> None:
        if self._gifts is None:
            await ack()
            return
        form = gift_form.gift_form(view)
        errors = self._gifts.form_errors(body, form)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        self._spawn(self._gifts.send_form(body, view, form, client), None)

    async def cancel_gift(self, ack: Ack, body: Body, action: Body, respond: Respond) -> None:
        await ack()
        if self._gifts is not None:
            self._spawn(self._gifts.cancel(body, action, respond), respond)

    async def _buy_from_command(
        self, ack: Ack, body: Body, respond: Respond, product_id: str, text: str
    ) -> None:
        try:
            amount = self._checkout.amount_for(product_id, text)
        except (NotFound, InvalidAmount) as exc:
            await _ack_message(ack, blocks.notice_message(str(exc)))
            return
        await ack()
        key = translate.command_request_key(body)
        self._spawn(self._place_order(body, respond, product_id, amount, key), respond)

    async def _show_wallet(self, body: Body, respond: Respond) -> None:
        wallet = await self._checkout.wallet(translate.user_of(body))
        await _respond(respond, gift_blocks.wallet_with_gifts(wallet), replace_original=False)

    # --- block actions -------------------------------------------------------------------

    async def choose(self, ack: Ack, action: Body, respond: Respond) -> None:
        await ack()
        self._spawn(self._show_product(action, respond), respond)

    async def _show_product(self, action: Body, respond: Respond, error: str = "") -> None:
        product_id, query = translate.chosen_product(action)
        try:
            card = self._checkout.product_card(product_id)
        except NotFound as exc:
            await _respond(respond, blocks.notice_message(str(exc)), replace_original=False)
            return
        await _respond(respond, blocks.product_message(card, query, error, translate.reward_of(action)))

    async def page(self, ack: Ack, body: Body, action: Body, respond: Respond) -> None:
        await ack()
        query = translate.decode_query(str(action.get("value", "")))
        user = translate.user_of(body)
        self._spawn(self._show_page(query, translate.reward_of(action), user, respond), respond)

    async def _show_page(self, query: CatalogQuery, reward_id: str, user: ChatUser, respond: Respond) -> None:
        try:
            reward = await self._rewards(reward_id, user) if reward_id and self._rewards else None
        except (NotFound, InvalidRequest) as exc:
            await _respond(respond, blocks.notice_message(str(exc)), replace_original=False)
            return
        await _respond(respond, blocks.catalog_message(self._checkout.browse(query), reward))

    async def denomination(self, ack: Ack, body: Body, action: Body, respond: Respond) -> None:
        await ack()
        product_id, minor = translate.chosen_denomination(action)
        key = translate.action_request_key(body, product_id)
        reward_id = translate.reward_of(action)
        self._spawn(self._order_denomination(body, respond, product_id, minor, key, reward_id), respond)

    async def _order_denomination(
        self, body: Body, respond: Respond, product_id: str, minor: int, key: str, reward_id: str
    ) -> None:
        try:
            amount = Money(minor, self._checkout.product_card(product_id).currency)
        except NotFound as exc:
            await _respond(respond, blocks.notice_message(str(exc)), replace_original=False)
            return
        await self._place_order(body, respond, product_id, amount, key, reward_id)

    async def amount(self, ack: Ack, body: Body, action: Body, respond: Respond) -> None:
        await ack()
        product_id, text = translate.typed_amount(body, action)
        reward_id = translate.reward_of(action)
        self._spawn(self._order_typed_amount(body, respond, product_id, text, reward_id), respond)

    async def _order_typed_amount(
        self, body: Body, respond: Respond, product_id: str, text: str, reward_id: str
    ) -> None:
        try:
            amount = self._checkout.amount_for(product_id, text)
        except InvalidAmount as exc:
            card = self._checkout.product_card(product_id)
            await _respond(respond, blocks.product_message(card, error=exc.reason, reward_id=reward_id))
            return
        except NotFound as exc:
            await _respond(respond, blocks.notice_message(str(exc)), replace_original=False)
            return
        key = translate.action_request_key(body, product_id)
        await self._place_order(body, respond, product_id, amount, key, reward_id)

    async def _place_order(
        self, body: Body, respond: Respond, product_id: str, amount: Money, key: str, reward_id: str = ""
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
            await _respond(respond, blocks.notice_message(str(exc)), replace_original=False)
            return
        log.info("slack order placed", extra={"order_id": summary.order_id, "status": str(summary.status)})
        await _respond(respond, blocks.order_message(summary), replace_original="command" not in body)

    async def retry(self, ack: Ack, body: Body, action: Body, respond: Respond) -> None:
        await ack()
        self._spawn(self._retry_payment(body, str(action.get("value", "")), respond), respond)

    async def _retry_payment(self, body: Body, order_id: str, respond: Respond) -> None:
        try:
            summary = await self._checkout.retry_payment(order_id, translate.user_of(body))
        except (NotFound, InvalidRequest) as exc:
            await _respond(respond, blocks.notice_message(str(exc)), replace_original=False)
            return
        await _respond(respond, blocks.order_message(summary))

    async def browse(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        await ack()
        self._spawn(self._post_catalog(body, client), None)  # App Home has no message to answer in

    async def _post_catalog(self, body: Body, client: AsyncWebClient) -> None:
        # From App Home there is no message to update: the catalog goes to the app's DM with the user.
        opened = await client.conversations_open(users=translate.user_of(body).user_id)
        message = blocks.catalog_message(self._checkout.browse(CatalogQuery()))
        await client.chat_postMessage(
            channel=opened["channel"]["id"], text=message.text, blocks=message.blocks
        )

    async def link(self, ack: Ack) -> None:
        """URL buttons open the browser; Slack still sends the click, which only needs an ack."""
        await ack()

    # --- options, events, errors -----------------------------------------------------------

    async def options(self, ack: Ack, body: Body) -> None:
        query = CatalogQuery(
            text=str(body.get("value", ""))[: translate.MAX_SEARCH_TEXT],
            currency=translate.picker_currency(str(body.get("block_id", ""))),
            per_page=OPTIONS_LIMIT,
        )
        await ack(options=blocks.product_options(self._checkout.browse(query)))

    async def home(self, event: Body, body: Body, client: AsyncWebClient) -> None:
        if event.get("tab") != "home":
            return
        self._spawn(self._publish_home(body, client), None)

    async def _publish_home(self, body: Body, client: AsyncWebClient) -> None:
        user = translate.user_of_event(body)
        wallet = await self._checkout.wallet(user)
        await client.views_publish(user_id=user.user_id, view=blocks.home_view(wallet))

    async def on_error(self, error: Exception, body: Body, respond: Respond | None) -> BoltResponse | None:
        """Bolt's global handler for failures before the ack: log with the traceback, apologise."""
        log.error(
            "slack listener failed", exc_info=error, extra={"payload_type": body.get("type", "command")}
        )
        if "command" in body:
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": APOLOGY})
        if body.get("response_url") and respond is not None:
            await _apologise(respond)
            return BoltResponse(status=200)  # the user has our apology; Slack need not add its own
        return None

    def _spawn(self, work: Coroutine[Any, Any, None], respond: Respond | None) -> None:
        """Run `work` after the ack; if it fails, apologise where the user is (when there is a where)."""

        async def tell_user(_exc: BaseException) -> None:
            if respond is not None:
                await _apologise(respond)

        self._work.spawn(work, tell_user)


async def _ack_message(ack: Ack, message: blocks.Message) -> None:
    await ack(response_type="ephemeral", text=message.text, blocks=message.blocks)


async def _respond(respond: Respond, message: blocks.Message, *, replace_original: bool = True) -> None:
    await respond(
        text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=replace_original
    )


async def _apologise(respond: Respond) -> None:
    await respond(text=APOLOGY, response_type="ephemeral", replace_original=False)
