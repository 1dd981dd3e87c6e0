"""Bolt listeners: ack first, translate the payload, call one checkout use case, render its view.

The app runs with `process_before_response=True`, so Slack's HTTP response is written when a
listener returns. Listeners therefore only do in-memory work before `ack()` (catalog search, amount
checks) and hand anything that touches the database, the payment provider or the Slack Web API to
`Background`.

A catalog opened from a reward's Choose your voucher carries the reward id in its elements
(`translate.reward_of`): the order placed from it is paid from the reward (PlaceOrder.reward_id).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.chatkit import APOLOGY, Background
from adapters.i18n import ENGLISH, Localizer, words
from adapters.slack import action_ids as ids
from adapters.slack import blocks, collection_listeners, gift_blocks, gift_form, translate
from adapters.slack.answers import KeptAnswers
from adapters.slack.gift_listeners import GiftListeners
from adapters.slack.locales import SlackLocales
from adapters.slack.replies import Respond, after_ack, apologise, show
from core.catalog import CatalogQuery
from core.checkout import Checkout, PlaceOrder
from core.errors import InvalidAmount, InvalidRequest, NotFound
from core.gifting import Gifts
from core.group_gifts import GroupGifts
from core.identity import ChatUser
from core.money import Money
from core.views import RewardSummary

log = logging.getLogger(__name__)

OPTIONS_LIMIT = 100

Ack = Callable[..., Awaitable[Any]]
Body = dict[str, Any]
RewardLookup = Callable[[str, ChatUser], Awaitable[RewardSummary]]  # RewardLife.recipient_reward


def register(
    app: AsyncApp,
    checkout: Checkout,
    background: Background | None = None,
    rewards: RewardLookup | None = None,
    locales: SlackLocales | None = None,
    gifts: Gifts | None = None,
    group_gifts: GroupGifts | None = None,
) -> Background:
    """Attach every voucherbot listener to `app`; returns the tracker of work done after the ack."""
    work = background or Background("slack")
    locales = locales or SlackLocales()
    gift_listeners = GiftListeners(checkout, gifts, locales) if gifts else None
    listeners = _Listeners(checkout, work, rewards, locales, gift_listeners)
    # Bolt tries listeners in the order they were added, each costing a matcher call: the busiest
    # (the command, Choose) go first. Their ids never overlap, so the order changes nothing else.
    app.command("/vouchers")(listeners.command)
    app.action(_ids(ids.CHOOSE))(listeners.choose)
    app.action(ids.PICK_PRODUCT)(listeners.choose)
    app.action(_ids(ids.PAGE))(listeners.page)
    app.action(_ids(ids.FILTER))(listeners.page)
    app.action(ids.BACK_TO_CATALOG)(listeners.page)
    app.action(_ids(ids.DENOMINATION))(listeners.denomination)
    app.action(ids.DENOMINATION_SELECT)(listeners.denomination)
    app.action(ids.AMOUNT_INPUT)(listeners.amount)
    app.action(ids.AMOUNT_SUBMIT)(listeners.amount)
    app.action(ids.RETRY_PAYMENT)(listeners.retry)
    app.action(ids.BROWSE)(listeners.browse)
    app.action(_ids(ids.REVEAL))(listeners.reveal)
    app.action(_ids(ids.GIFT_CANCEL))(listeners.cancel_gift)
    app.action(ids.GIFT_OPEN)(listeners.open_gift_form)
    app.view(ids.GIFT_MODAL)(listeners.submit_gift_form)
    app.action(re.compile(rf"^({'|'.join(ids.URL_BUTTONS)})(:\w+)?$"))(listeners.link)
    app.options(ids.PICK_PRODUCT)(listeners.options)
    app.event("app_home_opened")(listeners.home)
    if group_gifts is not None:
        listeners.collections = collection_listeners.register(app, group_gifts, work, locales)
    app.error(listeners.on_error)
    return work


def _ids(prefix: str) -> re.Pattern[str]:
    """`vb_choose` and its indexed twins `vb_choose:3` (action ids must be unique in a message)."""
    return re.compile(rf"^{re.escape(prefix)}(:\w+)?$")


class _Listeners:
    def __init__(
        self,
        checkout: Checkout,
        work: Background,
        rewards: RewardLookup | None,
        locales: SlackLocales,
        gifts: GiftListeners | None,
    ) -> None:
        self._checkout = checkout
        self._work = work
        self._rewards = rewards
        self._locales = locales
        self._gifts = gifts
        self._answers = KeptAnswers()
        self.collections: collection_listeners.CollectionListeners | None = None

    async def _loc(self, user: ChatUser, client: AsyncWebClient) -> Localizer:
        return await self._locales.of(client, user.tenant, user.user_id)

    async def _country(self, user: ChatUser, query: CatalogQuery, loc: Localizer) -> str:
        """Where a plain browse opens: the person's chosen or employee-record country, else Slack's
        guess."""
        if not query.is_bare:
            return ""
        return await self._checkout.home_country(user) or loc.country

    # --- slash command -----------------------------------------------------------------

    async def command(self, ack: Ack, body: Body, respond: Respond, client: AsyncWebClient) -> None:
        loc = await self._loc(translate.user_of(body), client)
        try:
            parsed = translate.parse_command(str(body.get("text", "")))
        except translate.InvalidQuery as exc:
            await _ack_message(ack, blocks.notice_message(words.error_text(exc, loc)))
            return
        match parsed:
            case translate.ShowHelp():
                await _ack_message(ack, blocks.help_message(loc))
            case translate.Browse(query):
                country = await self._country(translate.user_of(body), query, loc)
                page = self._checkout.browse(query, country)
                # A JSON text is what Bolt sends as it is: the kept answer is not encoded again.
                await ack(self._answers.catalog(page, None, loc).body)
            case translate.ShowWallet():
                await ack()
                after_ack(self._work, self._show_wallet(body, respond, loc), respond)
            case translate.Buy(product_id, amount_text):
                await self._buy_from_command(ack, body, respond, product_id, amount_text, loc)
            case translate.SetCountry(text):
                await self._set_country(ack, body, text, loc)
            case translate.SendGift() if self._gifts is not None:
                await self._gift_from_command(ack, body, respond, client, parsed, loc)
            case translate.SendGift():
                await _ack_message(ack, blocks.notice_message(loc._("Gifts are not enabled here.")))
            case translate.Collect(recipient_id, text) if self.collections is not None:
                await ack()
                after_ack(
                    self._work,
                    self.collections.start(body, respond, client, recipient_id, text),
                    respond,
                )
            case translate.Collect():
                await _ack_message(ack, blocks.notice_message(loc._("Gifts are not enabled here.")))

    async def _set_country(self, ack: Ack, body: Body, text: str, loc: Localizer) -> None:
        try:
            code = await self._checkout.set_country(translate.user_of(body), text)
        except InvalidRequest as exc:
            await _ack_message(ack, blocks.notice_message(words.error_text(exc, loc)))
            return
        note = loc._(
            "Your rewards now open the catalog for {country}, in its currency where a rate allows.",
            country=loc.country_name(code),
        )
        await _ack_message(ack, blocks.notice_message(note))

    async def _gift_from_command(
        self,
        ack: Ack,
        body: Body,
        respond: Respond,
        client: AsyncWebClient,
        command: translate.SendGift,
        loc: Localizer,
    ) -> None:
        assert self._gifts is not None
        problem = self._gifts.check_amount(command, loc)
        if problem:
            await _ack_message(ack, blocks.notice_message(problem))
            return
        await ack()
        after_ack(self._work, self._gifts.send(body, respond, client, command, loc), respond)

    async def open_gift_form(
        self, ack: Ack, body: Body, action: Body, client: AsyncWebClient
    ) -> None:
        await ack()
        if self._gifts is not None:
            await self._gifts.open_form(body, action, client)

    async def submit_gift_form(
        self, ack: Ack, body: Body, view: Body, client: AsyncWebClient
    ) -> None:
        if self._gifts is None:
            await ack()
            return
        form = gift_form.gift_form(view)
        errors = self._gifts.form_errors(
            body, form, await self._loc(translate.user_of(body), client)
        )
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        after_ack(self._work, self._gifts.send_form(body, view, form, client), None)

    async def cancel_gift(
        self, ack: Ack, body: Body, action: Body, respond: Respond, client: AsyncWebClient
    ) -> None:
        await ack()
        if self._gifts is not None:
            after_ack(self._work, self._gifts.cancel(body, action, respond, client), respond)

    async def _buy_from_command(
        self, ack: Ack, body: Body, respond: Respond, product_id: str, text: str, loc: Localizer
    ) -> None:
        try:
            amount = self._checkout.amount_for(product_id, text)
        except InvalidAmount as exc:
            card = self._checkout.product_card(product_id)
            await _ack_message(ack, blocks.notice_message(words.amount_error(exc, card, loc)))
            return
        except NotFound as exc:
            await _ack_message(ack, blocks.notice_message(words.error_text(exc, loc)))
            return
        await ack()
        key = translate.command_request_key(body)
        after_ack(
            self._work, self._place_order(body, respond, product_id, amount, key, loc=loc), respond
        )

    async def _show_wallet(self, body: Body, respond: Respond, loc: Localizer) -> None:
        wallet = await self._checkout.wallet(translate.user_of(body))
        await show(respond, gift_blocks.wallet_with_gifts(wallet, loc))

    # --- block actions -------------------------------------------------------------------

    async def choose(
        self, ack: Ack, body: Body, action: Body, respond: Respond, client: AsyncWebClient
    ) -> None:
        await ack()
        after_ack(self._work, self._show_product(body, action, respond, client), respond)

    async def _show_product(
        self, body: Body, action: Body, respond: Respond, client: AsyncWebClient
    ) -> None:
        loc = await self._loc(translate.user_of(body), client)
        product_id, query = translate.chosen_product(action)
        try:
            card = self._checkout.product_card(product_id)
        except NotFound as exc:
            await show(respond, blocks.notice_message(words.error_text(exc, loc)), replace=False)
            return
        message = self._answers.product(card, query, translate.reward_of(action), loc)
        await show(respond, message, replace=True)

    async def page(
        self, ack: Ack, body: Body, action: Body, respond: Respond, client: AsyncWebClient
    ) -> None:
        await ack()
        chosen = (action.get("selected_option") or {}).get("value")  # a filter menu, else a button
        query = translate.decode_query(str(chosen or action.get("value", "")))
        user = translate.user_of(body)
        after_ack(
            self._work,
            self._show_page(query, translate.reward_of(action), user, respond, client),
            respond,
        )

    async def _show_page(
        self,
        query: CatalogQuery,
        reward_id: str,
        user: ChatUser,
        respond: Respond,
        client: AsyncWebClient,
    ) -> None:
        loc = await self._loc(user, client)
        try:
            reward = await self._rewards(reward_id, user) if reward_id and self._rewards else None
        except (NotFound, InvalidRequest) as exc:
            await show(respond, blocks.notice_message(words.error_text(exc, loc)), replace=False)
            return
        answer = self._answers.catalog(self._checkout.browse(query), reward, loc)
        await show(respond, answer.message, replace=True)

    async def denomination(
        self, ack: Ack, body: Body, action: Body, respond: Respond, client: AsyncWebClient
    ) -> None:
        await ack()
        product_id, minor = translate.chosen_denomination(action)
        key = translate.action_request_key(body, product_id)
        reward_id = translate.reward_of(action)
        after_ack(
            self._work,
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
        loc = await self._loc(translate.user_of(body), client)
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
        after_ack(
            self._work,
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
        loc = await self._loc(translate.user_of(body), client)
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
        after_ack(
            self._work,
            self._retry_payment(body, str(action.get("value", "")), respond, client),
            respond,
        )

    async def _retry_payment(
        self, body: Body, order_id: str, respond: Respond, client: AsyncWebClient
    ) -> None:
        user = translate.user_of(body)
        loc = await self._loc(user, client)
        try:
            summary = await self._checkout.retry_payment(order_id, user)
        except (NotFound, InvalidRequest) as exc:
            await show(respond, blocks.notice_message(words.error_text(exc, loc)), replace=False)
            return
        await show(respond, blocks.order_message(summary, loc), replace=True)

    async def browse(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        await ack()
        after_ack(
            self._work, self._post_catalog(body, client), None
        )  # App Home has no message to answer in

    async def _post_catalog(self, body: Body, client: AsyncWebClient) -> None:
        # From App Home there is no message to update: the catalog goes to the app's DM with the
        # user.
        user = translate.user_of(body)
        opened = await client.conversations_open(users=user.user_id)
        loc = await self._loc(user, client)
        country = await self._country(user, CatalogQuery(), loc)
        message = blocks.catalog_message(self._checkout.browse(CatalogQuery(), country), loc=loc)
        await client.chat_postMessage(
            channel=opened["channel"]["id"], text=message.text, blocks=message.blocks
        )

    async def reveal(self, ack: Ack, body: Body, action: Body, client: AsyncWebClient) -> None:
        """App Home masks codes; Reveal shows one in a modal only its owner sees (trigger ids last 3
        s)."""
        await ack()
        after_ack(self._work, self._reveal(body, str(action.get("value", "")), client), None)

    async def _reveal(self, body: Body, order_id: str, client: AsyncWebClient) -> None:
        user = translate.user_of(body)
        wallet = await self._checkout.wallet(
            user
        )  # only the person's own vouchers can be found here
        entry = next((e for e in wallet.entries if e.order_id == order_id), None)
        if entry is None:
            log.info("reveal asked for a voucher not in the wallet", extra={"order_id": order_id})
            return
        view = blocks.revealed_view(entry, await self._loc(user, client))
        await client.views_open(trigger_id=str(body.get("trigger_id", "")), view=view)

    async def link(self, ack: Ack) -> None:
        """URL buttons open the browser; Slack still sends the click, which only needs an ack."""
        await ack()

    # --- options, events, errors -----------------------------------------------------------

    async def options(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        query = CatalogQuery(
            text=str(body.get("value", ""))[: translate.MAX_SEARCH_TEXT],
            currency=translate.picker_currency(str(body.get("block_id", ""))),
            per_page=OPTIONS_LIMIT,
        )
        loc = await self._loc(translate.user_of(body), client)
        await ack(options=blocks.product_options(self._checkout.browse(query), loc))

    async def home(self, event: Body, body: Body, client: AsyncWebClient) -> None:
        if event.get("tab") != "home":
            return
        after_ack(self._work, self._publish_home(body, client), None)

    async def _publish_home(self, body: Body, client: AsyncWebClient) -> None:
        user = translate.user_of_event(body)
        wallet = await self._checkout.wallet(user)
        view = blocks.home_view(wallet, await self._loc(user, client))
        await client.views_publish(user_id=user.user_id, view=view)

    async def on_error(
        self, error: Exception, body: Body, respond: Respond | None
    ) -> BoltResponse | None:
        """Bolt's global handler for failures before the ack: log with the traceback, apologise."""
        log.error(
            "slack listener failed",
            exc_info=error,
            extra={"payload_type": body.get("type", "command")},
        )
        if "command" in body:
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": APOLOGY})
        if body.get("response_url") and respond is not None:
            await apologise(respond)
            return BoltResponse(status=200)  # the user has our apology; Slack need not add its own
        return None


async def _ack_message(ack: Ack, message: blocks.Message) -> None:
    await ack(response_type="ephemeral", text=message.text, blocks=message.blocks)
