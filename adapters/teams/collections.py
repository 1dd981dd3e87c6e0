"""Group gifts in Teams: `collect @Ada …` posts the card, Chip in opens a dialog, Close and send
closes it, Show or hide my amount changes the presser's own line.

The card is posted where the person asked, unless the recipient is in that conversation's roster
(they would see it before it is given): then the organiser is told instead. A contribution's
checkout goes to the contributor's personal chat with the bot, like the "Send a gift" extension's
order: private, and its updates and payment follow it there. Every later change to the card is the
outbox's (the collection's COLLECTION_CARD message, rendered by the sender from the collection as it
is then).
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema.teams import (
    TaskModuleContinueResponse,
    TaskModuleMessageResponse,
    TaskModuleResponse,
    TaskModuleTaskInfo,
)

from adapters.i18n import Localizer, localizer, words
from adapters.teams.address import TeamsAddress
from adapters.teams.answer import Answer
from adapters.teams.cards import attachment, order_card
from adapters.teams.collection_cards import chip_in_card, collection_card
from adapters.teams.collection_translate import (
    ChipIn,
    CloseCollection,
    StartCollect,
    ToggleAmount,
)
from adapters.teams.conversations import continue_in, personal_chat
from adapters.teams.errors import connector_errors
from adapters.teams.people import NOT_FOUND, Unreachable, look_up, recipient_of
from adapters.teams.reward_translate import Person
from adapters.teams.translate import request_key, user_of
from core.errors import DeliveryError, InvalidRequest, NotFound
from core.gifting import Gifts
from core.group_gifts import GroupGifts, StartCollection, parse_collect
from core.rewards import Recipient

log = logging.getLogger(__name__)


class CollectionDesk:
    """One use case per request; InvalidRequest and NotFound are shown by the bot as a line of
    text."""

    def __init__(self, group_gifts: GroupGifts | None, gifts: Gifts | None, app_id: str) -> None:
        self._group = group_gifts
        self._gifts = gifts
        self._app_id = app_id

    async def start(self, turn_context: TurnContext, intent: StartCollect) -> Answer:
        activity = turn_context.activity
        loc = localizer(activity.locale)
        group = self._enabled(loc)
        parsed = parse_collect(intent.text)
        recipient = await self._recipient(turn_context, intent)
        if recipient is None:
            name = intent.person.label if intent.person else intent.email
            return Answer(text=_would_see(name, loc), replaces=False)
        zone = getattr(activity, "local_timezone", None) or "UTC"
        card = await group.start(StartCollection(user_of(activity), recipient, parsed, zone))
        posted = await turn_context.send_activity(
            MessageFactory.attachment(attachment(collection_card(card, loc)))
        )
        where = TeamsAddress.of(activity, card_id=getattr(posted, "id", None))
        await group.card_posted(card.collection_id, where.to_ref())
        log.info("teams group gift started", extra={"collection": card.collection_id})
        return Answer()

    async def _recipient(self, turn_context: TurnContext, intent: StartCollect) -> Recipient | None:
        """Who the gift is for; None when they are in this conversation's roster (they would see
        it)."""
        if intent.person is None:
            if self._gifts is None:
                raise InvalidRequest(_not_enabled(localizer(turn_context.activity.locale)))
            found = await self._gifts.recipient_by_email(intent.email)
            aad = found.user.user_id if found.user.platform == "teams" else ""
            if aad and await look_up(turn_context, Person(aad=aad)) is not None:
                return None
            return found
        member = await look_up(turn_context, intent.person)
        if member is not None:
            return None
        if not intent.person.aad:  # not in this roster, and Teams did not say who they are
            raise Unreachable(NOT_FOUND)
        return recipient_of(turn_context.activity, intent.person)

    async def chip_in_dialog(
        self, turn_context: TurnContext, collection_id: str
    ) -> TaskModuleResponse:
        """Chip in on the card: a dialog for the amount (a closed collection says so instead)."""
        loc = localizer(turn_context.activity.locale)
        try:
            group = self._enabled(loc)
            collection = await group.collection(collection_id)
            collection.check_open()
        except (NotFound, InvalidRequest) as exc:
            return _message(words.error_text(exc, loc))
        return _dialog(chip_in_card(await group.card(collection_id), loc), loc)

    async def chip_in(self, turn_context: TurnContext, intent: ChipIn) -> TaskModuleResponse:
        """The dialog's amount checked here (shown again with why); the checkout goes to the
        contributor's personal chat, never the shared conversation."""
        activity = turn_context.activity
        loc = localizer(activity.locale)
        typed = {"amount": intent.amount, "show": "true" if intent.show_amount else "false"}
        try:
            group = self._enabled(loc)
            collection = await group.collection(intent.collection_id)
            collection.check_open()
            group.amount(collection, intent.amount)
        except (NotFound, InvalidRequest) as exc:
            try:
                card = await self._enabled(loc).card(intent.collection_id)
            except (NotFound, InvalidRequest):
                return _message(words.error_text(exc, loc))
            return _dialog(chip_in_card(card, loc, words.error_text(exc, loc), typed), loc)
        try:
            order_id = await self._checkout_privately(turn_context, intent, group, loc)
        except DeliveryError as exc:
            log.info("contributor's personal chat unreachable", extra={"error": str(exc)})
            return _message(
                loc._("I can't message you privately yet: open a chat with me and try again.")
            )
        except (NotFound, InvalidRequest) as exc:
            return _message(words.error_text(exc, loc))
        return _message(
            loc._(
                "Your share is in our personal chat: pay there to chip in (order {order}).",
                order=order_id,
            )
        )

    async def _checkout_privately(
        self, turn_context: TurnContext, intent: ChipIn, group: GroupGifts, loc: Localizer
    ) -> str:
        activity = turn_context.activity
        with connector_errors():
            chat = await personal_chat(
                turn_context.adapter, self._app_id, TeamsAddress.of(activity)
            )
        key = f"teams-chip:{intent.collection_id}:{request_key(activity)}"
        summary = await group.chip_in(
            intent.collection_id,
            user_of(activity),
            intent.amount,
            intent.show_amount,
            chat.to_ref(),
            key,
        )
        card = order_card(summary, loc)

        async def show(personal: TurnContext) -> None:
            await personal.send_activity(MessageFactory.attachment(attachment(card)))

        with connector_errors():
            await continue_in(turn_context.adapter, self._app_id, chat, show)
        return summary.order_id

    async def close(self, turn_context: TurnContext, intent: CloseCollection) -> Answer:
        """Organiser only; the closed card replaces the one pressed (the outbox redraws it too)."""
        loc = localizer(turn_context.activity.locale)
        card = await self._enabled(loc).close(intent.collection_id, user_of(turn_context.activity))
        return Answer(collection_card(card, loc))

    async def toggle_amount(self, turn_context: TurnContext, intent: ToggleAmount) -> Answer:
        """The presser's own line shows their amount, or stops; the card pressed is redrawn in place
        (everyone sees the card; only the presser's line changed)."""
        loc = localizer(turn_context.activity.locale)
        group = self._enabled(loc)
        await group.toggle_amount(intent.collection_id, user_of(turn_context.activity))
        return Answer(collection_card(await group.card(intent.collection_id), loc))

    def _enabled(self, loc: Localizer) -> GroupGifts:
        if self._group is None:
            raise InvalidRequest(_not_enabled(loc))
        return self._group


def _would_see(name: str, loc: Localizer) -> str:
    return loc._(
        "{name} is in this conversation and would see the group gift before it is given. "
        "Start it in a chat they are not in, naming them by their work email.",
        name=name,
    )


def _not_enabled(loc: Localizer) -> str:
    return loc._("Group gifts are not enabled here.")


def _dialog(card: dict[str, Any], loc: Localizer) -> TaskModuleResponse:
    info = TaskModuleTaskInfo(
        title=loc._("Chip in"), card=attachment(card), height="medium", width="medium"
    )
    return TaskModuleResponse(task=TaskModuleContinueResponse(value=info))


def _message(text: str) -> TaskModuleResponse:
    return TaskModuleResponse(task=TaskModuleMessageResponse(value=text))
