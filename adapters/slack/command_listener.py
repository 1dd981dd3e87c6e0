"""The `/vouchers` slash command: parse its text, then hand it to the listener group of what it
asks for (browse, buy, wallet, gift, collect), or answer help and country in the ack."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from adapters.i18n import Localizer, words
from adapters.slack import blocks, translate
from adapters.slack.catalog_listeners import CatalogListeners
from adapters.slack.collection_listeners import CollectionListeners
from adapters.slack.gift_actions import GiftActions
from adapters.slack.home_listeners import HomeListeners
from adapters.slack.listening import Ack, Body, Listening, ack_message
from adapters.slack.order_listeners import OrderListeners
from adapters.slack.replies import Respond
from core.errors import InvalidRequest


class CommandListener:
    def __init__(
        self,
        shared: Listening,
        catalog: CatalogListeners,
        orders: OrderListeners,
        home: HomeListeners,
        gifts: GiftActions,
    ) -> None:
        self._shared = shared
        self._catalog = catalog
        self._orders = orders
        self._home = home
        self._gifts = gifts
        self.collections: CollectionListeners | None = None

    async def command(self, ack: Ack, body: Body, respond: Respond, client: AsyncWebClient) -> None:
        loc = await self._shared.loc(translate.user_of(body), client)
        try:
            parsed = translate.parse_command(str(body.get("text", "")))
        except translate.InvalidQuery as exc:
            await ack_message(ack, blocks.notice_message(words.error_text(exc, loc)))
            return
        match parsed:
            case translate.ShowHelp():
                await ack_message(ack, blocks.help_message(loc))
            case translate.Browse(query):
                await self._catalog.open(ack, body, query, loc)
            case translate.ShowWallet():
                await self._home.wallet(ack, body, respond, loc)
            case translate.Buy(product_id, amount_text):
                await self._orders.buy(ack, body, respond, product_id, amount_text, loc)
            case translate.SetCountry(text):
                await self._set_country(ack, body, text, loc)
            case translate.SendGift():
                await self._gifts.from_command(ack, body, respond, client, parsed, loc)
            case translate.Collect(recipient_id, text) if self.collections is not None:
                await ack()
                self._shared.after_ack(
                    self.collections.start(body, respond, client, recipient_id, text), respond
                )
            case translate.Collect():
                await ack_message(ack, blocks.notice_message(loc._("Gifts are not enabled here.")))

    async def _set_country(self, ack: Ack, body: Body, text: str, loc: Localizer) -> None:
        try:
            code = await self._shared.checkout.set_country(translate.user_of(body), text)
        except InvalidRequest as exc:
            await ack_message(ack, blocks.notice_message(words.error_text(exc, loc)))
            return
        note = loc._(
            "Your rewards now open the catalog for {country}, in its currency where a rate allows.",
            country=loc.country_name(code),
        )
        await ack_message(ack, blocks.notice_message(note))
