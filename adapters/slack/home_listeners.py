"""Slack listeners for a person's own vouchers: `/vouchers wallet`, the App Home tab, its Reveal
and Browse buttons."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from adapters.i18n import Localizer
from adapters.slack import blocks, gift_blocks, translate
from adapters.slack.listening import Ack, Body, Listening
from adapters.slack.replies import Respond, show
from core.catalog import CatalogQuery

log = logging.getLogger(__name__)


class HomeListeners:
    def __init__(self, shared: Listening) -> None:
        self._shared = shared
        self._checkout = shared.checkout

    async def wallet(self, ack: Ack, body: Body, respond: Respond, loc: Localizer) -> None:
        await ack()
        self._shared.after_ack(self._show_wallet(body, respond, loc), respond)

    async def _show_wallet(self, body: Body, respond: Respond, loc: Localizer) -> None:
        wallet = await self._checkout.wallet(translate.user_of(body))
        await show(respond, gift_blocks.wallet_with_gifts(wallet, loc))

    async def home(self, event: Body, body: Body, client: AsyncWebClient) -> None:
        if event.get("tab") != "home":
            return
        self._shared.after_ack(self._publish_home(body, client), None)

    async def _publish_home(self, body: Body, client: AsyncWebClient) -> None:
        user = translate.user_of_event(body)
        wallet = await self._checkout.wallet(user)
        view = blocks.home_view(wallet, await self._shared.loc(user, client))
        await client.views_publish(user_id=user.user_id, view=view)

    async def browse(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        await ack()
        self._shared.after_ack(self._post_catalog(body, client), None)  # App Home has no message

    async def _post_catalog(self, body: Body, client: AsyncWebClient) -> None:
        # From App Home there is no message to update: the catalog goes to the app's DM with the
        # user.
        user = translate.user_of(body)
        opened = await client.conversations_open(users=user.user_id)
        loc = await self._shared.loc(user, client)
        country = await self._shared.country(user, CatalogQuery(), loc)
        message = blocks.catalog_message(self._checkout.browse(CatalogQuery(), country), loc=loc)
        await client.chat_postMessage(
            channel=opened["channel"]["id"], text=message.text, blocks=message.blocks
        )

    async def reveal(self, ack: Ack, body: Body, action: Body, client: AsyncWebClient) -> None:
        """App Home masks codes; Reveal shows one in a modal only its owner sees (trigger ids last 3
        s)."""
        await ack()
        self._shared.after_ack(self._reveal(body, str(action.get("value", "")), client), None)

    async def _reveal(self, body: Body, order_id: str, client: AsyncWebClient) -> None:
        user = translate.user_of(body)
        # Only the person's own vouchers can be found here.
        wallet = await self._checkout.wallet(user)
        entry = next((e for e in wallet.entries if e.order_id == order_id), None)
        if entry is None:
            log.info("reveal asked for a voucher not in the wallet", extra={"order_id": order_id})
            return
        view = blocks.revealed_view(entry, await self._shared.loc(user, client))
        await client.views_open(trigger_id=str(body.get("trigger_id", "")), view=view)
