"""The Teams bot: activities in, one checkout call each, Adaptive Cards out; no business rules
here."""

from __future__ import annotations

import logging

from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import ChannelAccount
from botbuilder.schema.teams import TeamInfo
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.chatkit import APOLOGY
from adapters.i18n import localizer, words
from adapters.teams.answer import Answer
from adapters.teams.answers import Answers
from adapters.teams.bulk import SharedFile, shared_file
from adapters.teams.cards import help_card, sent_attachment
from adapters.teams.desks import Desks
from adapters.teams.invokes import Invokes
from adapters.teams.translate import Intent, UnreadableCommand, from_card, intent_of_message

log = logging.getLogger(__name__)


class VoucherBot(TeamsActivityHandler):
    """Overrides only messages, the invokes our cards and message extension cause, and
    installation; answers and invokes hand each one to its desk."""

    def __init__(self, desks: Desks) -> None:
        self._answers = Answers(desks)
        self._invokes = Invokes(desks, self._answers)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        # A file sent to the bot (personal chat) arrives as a message whose attachment links to it.
        intent: Intent | SharedFile | None = shared_file(turn_context.activity)
        try:
            intent = intent or intent_of_message(turn_context.activity)
        except UnreadableCommand as exc:
            loc = localizer(turn_context.activity.locale)
            await turn_context.send_activity(words.error_text(exc, loc))
            return
        await self._show(turn_context, await self._answers(intent, turn_context))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        handler = self._invokes.handler(turn_context.activity.name or "")
        if handler is None:
            return await super().on_invoke_activity(turn_context)
        return await handler(turn_context)

    async def on_teams_members_added_dispatch(
        self, members_added: list[ChannelAccount], team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        # Overridden instead of on_teams_members_added: the SDK would look up every added member in
        # the roster (one Connector call each) only for us to ignore everyone but the bot itself.
        bot_id = turn_context.activity.recipient.id
        if any(member.id == bot_id for member in members_added):
            card = help_card(loc=localizer(turn_context.activity.locale))
            await turn_context.send_activity(MessageFactory.attachment(sent_attachment(card)))

    async def _show(self, turn_context: TurnContext, answer: Answer) -> None:
        activity = turn_context.activity
        if answer.is_empty:
            return
        message = (
            MessageFactory.attachment(sent_attachment(answer.card))
            if answer.card
            else MessageFactory.text(answer.text)
        )
        if answer.replaces and from_card(activity):
            # Replacing the tapped card is what stops a double tap from submitting the same step
            # twice.
            message.id = activity.reply_to_id
            await turn_context.update_activity(message)
        else:
            await turn_context.send_activity(message)


async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """The one error handler: log with the traceback, tell the person briefly."""
    activity = turn_context.activity
    log.error(
        "Teams turn failed",
        exc_info=error,
        extra={
            "activity_type": activity.type,
            "activity_name": activity.name,
            "activity_id": activity.id,
        },
    )
    try:
        await turn_context.send_activity(APOLOGY)
    except (HttpOperationError, ClientRequestError, OSError) as exc:
        log.warning("could not send the apology", extra={"error": type(exc).__name__})
