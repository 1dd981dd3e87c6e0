"""The "Send a gift" message extension: a dialog form, then the order sent to the buyer's personal
chat.

An extension's invoke has no message of ours to update in place, so the order card (with its Pay
button) goes to the buyer's 1:1 chat with the bot; its updates and the receipt follow it there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema.teams import (
    MessagingExtensionActionResponse,
    TaskModuleContinueResponse,
    TaskModuleMessageResponse,
    TaskModuleTaskInfo,
)

from adapters.i18n import Localizer, localizer, words
from adapters.teams.address import TeamsAddress
from adapters.teams.answer import Card
from adapters.teams.cards import attachment, order_card
from adapters.teams.conversations import continue_in, personal_chat
from adapters.teams.errors import connector_errors
from adapters.teams.gift_cards import gift_extension_card, product_choice
from adapters.teams.gift_translate import Author, SendGift, author_in, author_of
from adapters.teams.gifts import GiftDesk, refusal
from adapters.teams.search import SearchQuery
from adapters.teams.translate import intent_of_data, task_data
from adapters.teams.unreadable import UnreadableCommand
from core.checkout import Checkout
from core.errors import DeliveryError, InvalidAmount, InvalidRequest, NotFound
from core.views import OrderSummary, ProductCard

log = logging.getLogger(__name__)

COMMAND_ID = "sendGift"  # the manifest's composeExtensions command
PRODUCTS_LISTED = (
    50  # the picker's first page; far below Teams' 28 KB per card; typing finds the rest
)


class GiftExtension:
    """composeExtension/fetchTask and /submitAction for sendGift; each answer is a model
    (CloudAdapter)."""

    def __init__(self, desk: GiftDesk, checkout: Checkout, app_id: str) -> None:
        self._desk = desk
        self._checkout = checkout
        self._app_id = app_id

    async def fetch_task(self, turn_context: TurnContext) -> MessagingExtensionActionResponse:
        activity = turn_context.activity
        loc = localizer(activity.locale)
        if not self._desk.enabled:
            return _message(loc._("Gifts are not enabled here."))
        author = author_of(activity)
        typed = {"to": author.aad} if author is not None else {}
        return self._form(typed, author, "", loc)

    async def submit_action(self, turn_context: TurnContext) -> MessagingExtensionActionResponse:
        activity = turn_context.activity
        loc = localizer(activity.locale)
        data = task_data(activity)
        typed = _typed(data)
        author = author_in(data) if isinstance(data, Mapping) else None
        try:
            intent = intent_of_data(data)
            if not isinstance(intent, SendGift):
                raise UnreadableCommand(
                    loc._("That dialog is out of date; open Send a gift again.")
                )
            self._amount_problem(intent, loc)
            summary = await self._order_privately(turn_context, intent)
        except UnreadableCommand as exc:
            return self._form(typed, author, words.error_text(exc, loc), loc)
        except (InvalidRequest, NotFound) as exc:
            return self._form(typed, author, refusal(exc, loc), loc)
        except DeliveryError as exc:
            log.info("buyer's personal chat unreachable", extra={"error": str(exc)})
            return _message(
                loc._(
                    "I can't message you privately yet: open a chat with me and try again.",
                )
            )
        log.info(
            "teams gift placed from the message extension", extra={"order_id": summary.order_id}
        )
        return _message(
            loc._(
                "Your gift is in our personal chat: pay there to send it (order {order}).",
                order=summary.order_id,
            )
        )

    def _amount_problem(self, intent: SendGift, loc: Localizer) -> None:
        """Refused before any Teams call, said as the product card says it."""
        try:
            self._checkout.amount_for(intent.product_id, intent.amount)
        except InvalidAmount as exc:
            product = self._checkout.product_card(intent.product_id)
            raise UnreadableCommand(words.amount_error(exc, product, loc)) from exc

    async def _order_privately(self, turn_context: TurnContext, intent: SendGift) -> OrderSummary:
        """Open (or find) the buyer's 1:1 chat, place the order for it, and show the order card
        there.

        Teams sends an invoke again when the answer is late; the replay has the same activity id,
        hence the same request key and order, which the first submit has shown already: it posts
        nothing."""
        activity = turn_context.activity
        with connector_errors():
            chat = await personal_chat(
                turn_context.adapter, self._app_id, TeamsAddress.of(activity)
            )
        summary = await self._desk.place(turn_context, intent, chat.to_ref())
        if summary.repeated:
            log.info("replayed gift submit answered again", extra={"order_id": summary.order_id})
            return summary
        card = order_card(summary, localizer(activity.locale))

        async def show(personal: TurnContext) -> None:
            await personal.send_activity(MessageFactory.attachment(attachment(card)))

        with connector_errors():
            await continue_in(turn_context.adapter, self._app_id, chat, show)
        return summary

    def search(self, turn_context: TurnContext, query: SearchQuery) -> list[dict[str, str]]:
        """The vouchers matching what the buyer typed in the dialog's picker, ordered as its first
        page."""
        if not self._desk.enabled:
            return []
        loc = localizer(turn_context.activity.locale)
        found = self._checkout.pick_list(query.text, loc.country, query.skip + query.top)
        return [product_choice(card, loc) for card in found[query.skip :]]

    def _form(
        self, typed: Mapping[str, str], author: Author | None, error: str, loc: Localizer
    ) -> MessagingExtensionActionResponse:
        products = self._products(loc, typed.get("product", ""))
        if not products:
            return _message(loc._("The catalog is empty; there is nothing to give yet."))
        card = gift_extension_card(products, typed, author, error, loc)
        return _dialog(card, loc)

    def _products(self, loc: Localizer, chosen: str) -> Sequence[ProductCard]:
        """The buyer's country's vouchers first (colleagues mostly live there), then the others; and
        the one chosen before (found by typing, perhaps beyond the first page), so the form shows
        it again."""
        listed = list(self._checkout.pick_list("", loc.country, PRODUCTS_LISTED))
        if chosen and all(card.product_id != chosen for card in listed):
            with suppress(NotFound):  # gone from the catalog since: the form proposes the first
                listed.append(self._checkout.product_card(chosen))
        return listed


def _typed(data: Any) -> dict[str, str]:
    """What the form held, to show it again with what is wrong."""
    if not isinstance(data, Mapping):
        return {}
    keys = ("to", "email", "product", "amount", "date", "time", "note")
    return {k: str(data[k]) for k in keys if isinstance(data.get(k), str | int | float)}


def _dialog(card: Card, loc: Localizer) -> MessagingExtensionActionResponse:
    info = TaskModuleTaskInfo(
        title=loc._("Send a gift"), card=attachment(card), height="large", width="medium"
    )
    return MessagingExtensionActionResponse(task=TaskModuleContinueResponse(value=info))


def _message(text: str) -> MessagingExtensionActionResponse:
    return MessagingExtensionActionResponse(task=TaskModuleMessageResponse(value=text))
