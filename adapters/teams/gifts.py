"""Gifts in Teams: who `gift @Ada …` names, where they are reached privately, and the cancel of a
scheduled one."""

from __future__ import annotations

from botbuilder.core import TurnContext

from adapters.i18n import ENGLISH, Localizer, localizer, words
from adapters.i18n.phrases import later
from adapters.teams.address import TeamsAddress
from adapters.teams.answer import Answer
from adapters.teams.cards import order_card
from adapters.teams.gift_cards import gift_form_card, receipt_card
from adapters.teams.gift_translate import SendGift
from adapters.teams.people import Unreachable, recipient_of, resolve
from adapters.teams.translate import request_key, user_of
from core.checkout import Checkout, PlaceOrder
from core.errors import InvalidRequest
from core.gifting import Gifts
from core.gifts import GiftRequest
from core.identity import ChatUser, ConversationRef
from core.rewards import Recipient
from core.views import OrderSummary

CATALOG_COMMAND = "“vouchers”"  # what a buyer types to open the catalog for themselves


class GiftDesk:
    """One use case per request; InvalidRequest and NotFound are shown by the bot as a line of
    text."""

    def __init__(self, checkout: Checkout, gifts: Gifts | None) -> None:
        self._checkout = checkout
        self._gifts = gifts

    @property
    def enabled(self) -> bool:
        return self._gifts is not None

    async def send(self, turn_context: TurnContext, intent: SendGift) -> Answer:
        """`gift @Ada …` or the gift form: the order card answers where the buyer asked."""
        loc = localizer(turn_context.activity.locale)
        if self._gifts is None:
            return Answer(text=_not_enabled(loc), replaces=False)
        where = TeamsAddress.of(turn_context.activity).to_ref()
        return Answer(
            order_card(await self.place(turn_context, intent, where), loc), replaces=False
        )

    async def place(
        self, turn_context: TurnContext, intent: SendGift, where: ConversationRef
    ) -> OrderSummary:
        """The gift's order for the person acting, its updates and receipt going to `where`.

        The same checks whichever way the gift was asked for: the amount against the product, the
        recipient in the roster (or the directory, by email), the date in the sender's zone, and the
        core's own (not to oneself, within a year)."""
        if self._gifts is None:
            raise InvalidRequest(_not_enabled(localizer(turn_context.activity.locale)))
        activity = turn_context.activity
        amount = self._checkout.amount_for(intent.product_id, intent.amount)
        recipient = await self._recipient(turn_context, intent, self._gifts)
        # Teams tells the bot the sender's time zone only; colleagues mostly share it, UTC
        # otherwise.
        zone = getattr(activity, "local_timezone", None) or "UTC"
        gift = GiftRequest(
            recipient=recipient.user,
            recipient_conversation=recipient.conversation,
            message=intent.message,
            deliver_at=self._gifts.delivery_time(intent.when, zone),
        )
        command = PlaceOrder(
            user_of(activity), intent.product_id, amount, where, request_key(activity), gift=gift
        )
        return await self._checkout.place_order(command)

    async def _recipient(
        self, turn_context: TurnContext, intent: SendGift, gifts: Gifts
    ) -> Recipient:
        if intent.person is None:  # by email: perhaps someone in Slack, through the directory
            return await gifts.recipient_by_email(intent.email)
        found, left_out = await resolve(turn_context, [intent.person])
        if not found:
            who, why = left_out[0]
            raise Unreachable(later("{who}: {why}.", who=who, why=why))
        return recipient_of(turn_context.activity, found[0])

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


def refusal(error: Exception, loc: Localizer) -> str:
    """A refusal from the core in the person's words; a gift to oneself points to Teams' catalog."""
    return words.error_text(error, loc, catalog_command=CATALOG_COMMAND)


def _not_enabled(loc: Localizer) -> str:
    return loc._("Gifts are not enabled here.")
