"""Reward requests in Teams (`reward @a @b 25 USD why`, or the extension's form): the confirmation
card, then the send, exactly once, or the cancel."""

from __future__ import annotations

from collections.abc import Sequence

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from adapters.i18n import ENGLISH, Localizer, localizer, words
from adapters.i18n.phrases import Phrase, later
from adapters.teams.address import TeamsAddress
from adapters.teams.answer import Answer, Card
from adapters.teams.people import recipient_of, resolve
from adapters.teams.reward_cards import cancelled_card, confirmation_card, sent_card
from adapters.teams.reward_translate import (
    MAX_PEOPLE,
    USAGE,
    AskReward,
    Person,
    reward_key,
    terms_of,
)
from adapters.teams.rewards import EXPIRED, RewardAccess, refused_text
from adapters.teams.translate import user_of
from adapters.teams.unreadable import UnreadableCommand
from core.amounts import TypedAmount
from core.confirmations import NotYourConfirmation, Sent, Taken
from core.identity import ConversationRef
from core.money import Money
from core.reward_sends import SendRewards


class RewardRequests:
    """Translates reward requests into recognition calls and their results into cards; no rules of
    its own."""

    def __init__(self, access: RewardAccess) -> None:
        self._access = access

    async def ask(self, turn_context: TurnContext, intent: AskReward) -> Answer:
        activity = turn_context.activity
        loc = localizer(activity.locale)
        giver = await self._access.giver(activity)
        try:
            programmes = await self._access.recognition.budgets.programmes()
            terms = terms_of(intent.words, {p.currency for p in programmes})
            programme, amount = await self._access.recognition.pricing.priced(
                TypedAmount(terms.amount, terms.currency), giver=giver
            )
        except UnreadableCommand as exc:
            return Answer(text=words.error_text(exc, loc), replaces=False)
        except ValueError as exc:
            return Answer(text=f"{words.error_text(exc, loc)} {USAGE.said(loc)}", replaces=False)
        if len(intent.people) > MAX_PEOPLE:
            text = loc._(
                "Name at most {count} people at once; send me a CSV file for more.",
                count=loc.number(MAX_PEOPLE),
            )
            return Answer(text=text, replaces=False)
        found, left_out = await resolve(turn_context, intent.people)
        left_out += [(name, later("only people can be rewarded")) for name in intent.not_people]
        command = send_command(
            activity,
            found,
            amount,
            terms.reason,
            programme.id,
            reward_key(activity, giver.key),
            TeamsAddress.of(activity).to_ref(),
        )
        return Answer(await self.confirmation(command, left_out, loc), replaces=False)

    async def confirmation(
        self,
        command: SendRewards,
        left_out: Sequence[tuple[str, str | Phrase]],
        loc: Localizer = ENGLISH,
    ) -> Card:
        """The request waits in the core under its key; the card shows its preview."""
        preview = await self._access.confirmations.propose(command)
        return confirmation_card(preview, command.reason, command.request_key, left_out, loc)

    async def send(self, activity: Activity, key: str) -> Sent | Taken | None:
        """Send exactly what was confirmed, once, by the person who asked (double taps send nothing
        twice)."""

        async def kept(sent: Sent) -> tuple[Sent, str]:
            return sent, ""  # a later press shows nothing new: the first one's card already says it

        return await self._access.confirmations.send(key, user_of(activity), kept)

    async def send_from_card(self, activity: Activity, key: str) -> Answer:
        sent = await self.send(activity, key)
        loc = localizer(activity.locale)
        if sent is None:
            return Answer(text=EXPIRED.said(loc), replaces=False)
        if isinstance(sent, Taken):
            return (
                Answer()
            )  # already sent by an earlier press of this very card: nothing new to show
        if sent.report is None:
            return Answer(text=refused_text(sent, loc), replaces=False)
        return Answer(sent_card(sent.report, sent.command.amount, sent.command.reason, loc))

    async def cancel(self, activity: Activity, key: str) -> Answer:
        loc = localizer(activity.locale)
        try:
            dropped = await self._access.confirmations.cancel(key, user_of(activity))
        except NotYourConfirmation:
            return Answer(
                text=loc._("Only the person who asked for these rewards can cancel them."),
                replaces=False,
            )
        return Answer(cancelled_card(loc)) if dropped else Answer()


def send_command(
    activity: Activity,
    people: Sequence[Person],
    amount: Money,
    reason: str,
    programme_id: str,
    key: str,
    reply_to: ConversationRef,
) -> SendRewards:
    """The core's command for rewards given from this activity, to these people."""
    here = TeamsAddress.of(activity)
    return SendRewards(
        giver=user_of(activity),
        recipients=tuple(recipient_of(activity, person) for person in people),
        amount=amount,
        reason=reason,
        programme_id=programme_id,
        request_key=key,
        reply_to=reply_to,
        # A channel or group chat it was given in: a peer programme may thank them there.
        shout_to=None if here.is_personal else here.to_ref(),
    )
