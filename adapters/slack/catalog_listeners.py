"""Slack listeners for browsing the catalog: the first page a command opens, Choose, paging and
filters, and the product picker's options.

A catalog opened from a reward's Choose your voucher carries the reward id in its elements
(`translate.reward_of`), so the pages and product cards shown from it keep it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_sdk.web.async_client import AsyncWebClient

from adapters.i18n import Localizer, words
from adapters.slack import blocks, translate
from adapters.slack.answers import KeptAnswers
from adapters.slack.listening import Ack, Body, Listening
from adapters.slack.replies import Respond, show
from core.catalog import CatalogQuery
from core.errors import InvalidRequest, NotFound
from core.identity import ChatUser
from core.views import RewardSummary

OPTIONS_LIMIT = 100

RewardLookup = Callable[[str, ChatUser], Awaitable[RewardSummary]]  # RewardLife.recipient_reward


class CatalogListeners:
    def __init__(self, shared: Listening, rewards: RewardLookup | None) -> None:
        self._shared = shared
        self._checkout = shared.checkout
        self._rewards = rewards
        self._answers = KeptAnswers()

    async def open(self, ack: Ack, body: Body, query: CatalogQuery, loc: Localizer) -> None:
        """`/vouchers` with or without a search: the first page, in the command's ack."""
        country = await self._shared.country(translate.user_of(body), query, loc)
        page = self._checkout.browse(query, country)
        # A JSON text is what Bolt sends as it is: the kept answer is not encoded again.
        await ack(self._answers.catalog(page, None, loc).body)

    async def choose(
        self, ack: Ack, body: Body, action: Body, respond: Respond, client: AsyncWebClient
    ) -> None:
        await ack()
        self._shared.after_ack(self._show_product(body, action, respond, client), respond)

    async def _show_product(
        self, body: Body, action: Body, respond: Respond, client: AsyncWebClient
    ) -> None:
        loc = await self._shared.loc(translate.user_of(body), client)
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
        self._shared.after_ack(
            self._show_page(query, translate.reward_of(action), user, respond, client), respond
        )

    async def _show_page(
        self,
        query: CatalogQuery,
        reward_id: str,
        user: ChatUser,
        respond: Respond,
        client: AsyncWebClient,
    ) -> None:
        loc = await self._shared.loc(user, client)
        try:
            reward = await self._rewards(reward_id, user) if reward_id and self._rewards else None
        except (NotFound, InvalidRequest) as exc:
            await show(respond, blocks.notice_message(words.error_text(exc, loc)), replace=False)
            return
        answer = self._answers.catalog(self._checkout.browse(query), reward, loc)
        await show(respond, answer.message, replace=True)

    async def options(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        query = CatalogQuery(
            text=str(body.get("value", ""))[: translate.MAX_SEARCH_TEXT],
            currency=translate.picker_currency(str(body.get("block_id", ""))),
            per_page=OPTIONS_LIMIT,
        )
        loc = await self._shared.loc(translate.user_of(body), client)
        await ack(options=blocks.product_options(self._checkout.browse(query), loc))
