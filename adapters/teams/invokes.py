"""The invokes our cards, dialogs and message extensions cause, each answered with a model body.

Answered here rather than through the SDK's helpers: those pre-serialise the body into a dict, which
CloudAdapter then fails to serialise again (HTTP 500). A model body goes through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus

from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import AdaptiveCardInvokeResponse
from msrest.serialization import Model

from adapters.i18n import localizer, words
from adapters.i18n.phrases import later
from adapters.teams.answers import Answers
from adapters.teams.cards import sent_attachment
from adapters.teams.collection_translate import ChipIn, OpenChipIn
from adapters.teams.desks import Desks
from adapters.teams.gift_cards import PRODUCTS_DATASET
from adapters.teams.gift_extension import COMMAND_ID as GIFT_COMMAND
from adapters.teams.payment import AFTER_PAYMENT, told
from adapters.teams.search import NAME as SEARCH
from adapters.teams.search import SearchResponse, search_query
from adapters.teams.translate import (
    OpenCheckout,
    UnreadableCommand,
    execute_data,
    intent_of_data,
    task_data,
)
from core.errors import InvalidRequest, NotFound

CARD_RESPONSE = "application/vnd.microsoft.card.adaptive"
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"

Handler = Callable[[TurnContext], Awaitable[InvokeResponse]]


class Invokes:
    """`handler(name)`: the one for an invoke of ours, None for the SDK's own."""

    def __init__(self, desks: Desks, answers: Answers) -> None:
        self._desks = desks
        self._answers = answers
        self._handlers: dict[str, Handler] = {
            "adaptiveCard/action": self._on_card_action,
            "task/fetch": self._on_task_fetch,
            "task/submit": self._on_task_submit,
            "composeExtension/fetchTask": self._on_extension_fetch,
            "composeExtension/submitAction": self._on_extension_submit,
            SEARCH: self._on_search,
        }

    def handler(self, name: str) -> Handler | None:
        return self._handlers.get(name)

    async def _on_card_action(self, turn_context: TurnContext) -> InvokeResponse:
        """Action.Execute: the card in the response replaces the one that was tapped."""
        try:
            intent = intent_of_data(execute_data(turn_context.activity))
        except UnreadableCommand as exc:
            return _invoke(
                AdaptiveCardMessage(
                    status_code=200,
                    type=MESSAGE_RESPONSE,
                    value=words.error_text(exc, localizer(turn_context.activity.locale)),
                )
            )
        answer = await self._answers(intent, turn_context)
        if answer.card is not None and answer.replaces:
            return _invoke(
                AdaptiveCardInvokeResponse(status_code=200, type=CARD_RESPONSE, value=answer.card)
            )
        if answer.card is not None:
            await turn_context.send_activity(
                MessageFactory.attachment(sent_attachment(answer.card))
            )
        return _invoke(
            AdaptiveCardMessage(
                status_code=200, type=MESSAGE_RESPONSE, value=answer.text or "Done."
            )
        )

    async def _on_task_fetch(self, turn_context: TurnContext) -> InvokeResponse:
        """The Pay button's checkout dialog, or the group gift's chip-in dialog."""
        try:
            intent = intent_of_data(task_data(turn_context.activity))
            if isinstance(intent, OpenChipIn):
                return _invoke(
                    await self._desks.collections.chip_in_dialog(turn_context, intent.collection_id)
                )
            if not isinstance(intent, OpenCheckout):
                raise UnreadableCommand(later("That button does not open a dialog."))
        except (UnreadableCommand, NotFound, InvalidRequest) as exc:
            return _invoke(told(words.error_text(exc, localizer(turn_context.activity.locale))))
        return _invoke(await self._desks.payment.dialog(turn_context.activity, intent.order_id))

    async def _on_task_submit(self, turn_context: TurnContext) -> InvokeResponse:
        """The chip-in dialog submitted; or the checkout dialog closed itself after paying (the
        webhook, not the page, moves the order on)."""
        try:
            intent = intent_of_data(task_data(turn_context.activity))
        except UnreadableCommand:
            intent = None
        if isinstance(intent, ChipIn):
            return _invoke(await self._desks.collections.chip_in(turn_context, intent))
        return _invoke(told(AFTER_PAYMENT))

    async def _on_extension_fetch(self, turn_context: TurnContext) -> InvokeResponse:
        """The message extension's "Send a reward" or "Send a gift": the form, as a dialog."""
        if _command_id(turn_context) == GIFT_COMMAND:
            return _invoke(await self._desks.gift_extension.fetch_task(turn_context))
        return _invoke(await self._desks.reward_extension.fetch_task(turn_context))

    async def _on_extension_submit(self, turn_context: TurnContext) -> InvokeResponse:
        if _command_id(turn_context) == GIFT_COMMAND:
            return _invoke(await self._desks.gift_extension.submit_action(turn_context))
        return _invoke(await self._desks.reward_extension.submit_action(turn_context))

    async def _on_search(self, turn_context: TurnContext) -> InvokeResponse:
        """Typeahead in a card's choice set: the gift dialog's voucher picker; other datasets,
        nothing."""
        query = search_query(turn_context.activity)
        found = (
            self._desks.gift_extension.search(turn_context, query)
            if query.dataset == PRODUCTS_DATASET
            else []
        )
        return _invoke(SearchResponse(found))


class AdaptiveCardMessage(Model):
    """An adaptiveCard/action answer that is a message; the SDK's model types `value` as a dict
    only."""

    _attribute_map = {  # noqa: RUF012 (msrest reads this class attribute; the SDK's models do the same)
        "status_code": {"key": "statusCode", "type": "int"},
        "type": {"key": "type", "type": "str"},
        "value": {"key": "value", "type": "str"},
    }

    def __init__(self, *, status_code: int, type: str, value: str) -> None:
        super().__init__()
        self.status_code = status_code
        self.type = type
        self.value = value


def _command_id(turn_context: TurnContext) -> str:
    value = turn_context.activity.value
    return str(value.get("commandId", "")) if isinstance(value, dict) else ""


def _invoke(body: Model) -> InvokeResponse:
    return InvokeResponse(status=int(HTTPStatus.OK), body=body)
