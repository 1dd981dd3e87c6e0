"""A person's vouchers in Teams: shown in their personal chat with the bot, and sent there when
asked for anywhere else."""

from __future__ import annotations

from botbuilder.core import MessageFactory, TurnContext

from adapters.i18n import localizer
from adapters.teams.address import TeamsAddress
from adapters.teams.answer import Answer
from adapters.teams.cards import sent_attachment
from adapters.teams.conversations import open_personal
from adapters.teams.errors import connector_errors
from adapters.teams.gift_cards import wallet_with_gifts
from adapters.teams.translate import user_of
from core.checkout import Checkout
from core.errors import DeliveryError


class Wallet:
    """Codes are shown only in a personal chat; asked for in a channel, they go there privately."""

    def __init__(self, checkout: Checkout, app_id: str) -> None:
        self._checkout = checkout
        self._app_id = app_id

    async def show(self, turn_context: TurnContext) -> Answer:
        loc = localizer(turn_context.activity.locale)
        card = wallet_with_gifts(await self._checkout.wallet(user_of(turn_context.activity)), loc)
        address = TeamsAddress.of(turn_context.activity)
        if address.is_personal:
            return Answer(card, replaces=False)

        async def send_card(personal: TurnContext) -> None:
            await personal.send_activity(MessageFactory.attachment(sent_attachment(card)))

        try:
            with connector_errors():
                await open_personal(turn_context.adapter, self._app_id, address, send_card)
        except DeliveryError:
            text = loc._(
                "I can't message you privately yet: open a chat with me and type “{command}”.",
                command="vouchers mine",
            )
            return Answer(text=text, replaces=False)
        return Answer(
            text=loc._("I sent your vouchers to you in a personal chat with me."), replaces=False
        )
