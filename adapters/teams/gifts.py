"""Gifts in Teams: who `gift @Ada …` names, where they are reached privately, and the cancel of a scheduled one."""

from __future__ import annotations

from botbuilder.core import TurnContext

from adapters.i18n import ENGLISH, Localizer, localizer
from adapters.teams.address import TeamsAddress
from adapters.teams.answer import Answer
from adapters.teams.cards import order_card
from adapters.teams.gift_cards import gift_form_card, receipt_card
from adapters.teams.gift_translate import SendGift
from adapters.teams.people import recipient_of, resolve
from adapters.teams.translate import request_key, user_of
from core.checkout import Checkout, PlaceOrder
from core.gifting import Gifts
from core.gifts import GiftRequest
from core.identity import ChatUser


class GiftDesk:
    """One use case per request; InvalidRequest and NotFound are shown by the bot as a line of text."""

    def __init__(self, checkout: Checkout, gifts: Gifts | None) -> None:
        self._checkout = checkout
        self._gifts = gifts

    async def send(self, turn_context: TurnContext, intent: SendGift) -> Answer:
        activity = turn_context.activity
        loc = localizer(activity.locale)
        if self._gifts is None:
            return Answer(text=_not_enabled(loc), replaces=False)
        amount = self._checkout.amount_for(intent.product_id, intent.amount)
        if intent.person is None:  # by email: perhaps someone in Slack, through the directory
            recipient = await self._gifts.recipient_by_email(intent.email)
        else:
            found, left_out = await resolve(turn_context, [intent.person])
            if not found:
                return Answer(text=f"{left_out[0][0]}: {left_out[0][1]}", replaces=False)
            recipient = recipient_of(activity, found[0])
        # Teams tells the bot the sender's time zone only; colleagues mostly share it, UTC otherwise.
        zone = getattr(activity, "local_timezone", None) or "UTC"
        gift = GiftRequest(
            recipient=recipient.user,
            recipient_conversation=recipient.conversation,
            message=intent.message,
            deliver_at=self._gifts.delivery_time(intent.when, zone),
        )
        command = PlaceOrder(
            user_of(activity),
            intent.product_id,
            amount,
            TeamsAddress.of(activity).to_ref(),
            request_key(activity),
            gift=gift,
        )
        return Answer(order_card(await self._checkout.place_order(command), loc), replaces=False)

    def form(self, product_id: str, amount: str, loc: Localizer = ENGLISH) -> Answer:
        """The gift form, for the product (and the amount chosen) on the card that was pressed."""
        if self._gifts is None:
            return Answer(text=_not_enabled(loc), replaces=False)
        card = self._checkout.product_card(product_id)
        self._checkout.amount_for(
            product_id, amount
        )  # refused now, not after the form is filled in
        return Answer(gift_form_card(card, amount, loc), replaces=False)

    async def cancel(self, user: ChatUser, gift_id: str, loc: Localizer = ENGLISH) -> Answer:
        if self._gifts is None:
            return Answer(text=_not_enabled(loc), replaces=False)
        return Answer(receipt_card(await self._gifts.cancel(gift_id, user), loc))


def _not_enabled(loc: Localizer) -> str:
    return loc._("Gifts are not enabled here.")
