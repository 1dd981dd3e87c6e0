"""The "Send a reward" message extension: a dialog form, its review as a confirmation, then the
send."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity
from botbuilder.schema.teams import (
    MessagingExtensionActionResponse,
    TaskModuleContinueResponse,
    TaskModuleMessageResponse,
    TaskModuleTaskInfo,
)

from adapters.i18n import Localizer, localizer, words
from adapters.i18n.phrases import later, say
from adapters.i18n.refusal_words import said
from adapters.teams.answer import Card
from adapters.teams.cards import attachment
from adapters.teams.people import EmailDirectory, giver_address, resolve
from adapters.teams.reward_cards import reward_form_card
from adapters.teams.reward_requests import RewardRequests, send_command
from adapters.teams.reward_translate import (
    CancelReward,
    Person,
    ReviewReward,
    RewardForm,
    SendReward,
    is_email,
    reward_key,
)
from adapters.teams.rewards import EXPIRED, RewardAccess, refused_text
from adapters.teams.translate import intent_of_data, task_data
from adapters.teams.unreadable import UnreadableCommand
from core.amounts import AmountRefused, amount_in
from core.confirmations import Taken
from core.errors import InvalidRequest, NotFound
from core.rewards import Programme

COMMAND_ID = "sendReward"  # the manifest's composeExtensions command
NO_PROGRAMME = later("There is no reward programme yet. An admin can create one.")


class NoProgramme(InvalidRequest):
    """No programme to send from yet: said in the reader's language (words.error_text reads
    `phrase`)."""

    def __init__(self) -> None:
        super().__init__(str(NO_PROGRAMME))
        self.phrase = NO_PROGRAMME


class RewardExtension:
    """composeExtension/fetchTask and /submitAction; each answer is a model (CloudAdapter needs
    one)."""

    def __init__(
        self, access: RewardAccess, directory: EmailDirectory, requests: RewardRequests
    ) -> None:
        self._access = access
        self._directory = directory
        self._requests = requests

    async def fetch_task(self, turn_context: TurnContext) -> MessagingExtensionActionResponse:
        activity = turn_context.activity
        loc = localizer(activity.locale)
        try:
            _check_command(activity)
            await self._access.giver(activity)
            programmes = await self._programmes()
        except (InvalidRequest, NotFound, UnreadableCommand) as exc:
            return _message(words.error_text(exc, loc))
        return _dialog(reward_form_card(programmes, loc=loc), loc)

    async def submit_action(self, turn_context: TurnContext) -> MessagingExtensionActionResponse:
        activity = turn_context.activity
        loc = localizer(activity.locale)
        try:
            _check_command(activity)
            intent = intent_of_data(task_data(activity))
            if isinstance(intent, ReviewReward):
                return await self._review(turn_context, intent.form, loc)
            if isinstance(intent, SendReward):
                return await self._send(activity, intent.key, loc)
            if isinstance(intent, CancelReward):
                return _message(loc._("Cancelled: no reward was sent."))
            raise UnreadableCommand(later("That dialog is out of date; open Send a reward again."))
        except (InvalidRequest, NotFound, UnreadableCommand) as exc:
            return _message(words.error_text(exc, loc))

    async def _review(
        self, turn_context: TurnContext, form: RewardForm, loc: Localizer
    ) -> MessagingExtensionActionResponse:
        """The form again with what is wrong, or the confirmation of exactly what Send will do."""
        activity = turn_context.activity
        giver = await self._access.giver(activity)
        programmes = await self._programmes()
        programme = next((p for p in programmes if p.id == form.programme_id), None)
        if programme is None:
            return _dialog(
                reward_form_card(programmes, form, loc._("Choose a programme."), loc), loc
            )
        try:
            amount = amount_in(form.amount, programme.currency)
        except AmountRefused as exc:
            return _dialog(reward_form_card(programmes, form, words.error_text(exc, loc), loc), loc)
        typed = [e for e in form.emails if is_email(e)]
        by_email, left_out = await self._directory.people(typed)
        left_out += [(e, later("not an email address")) for e in form.emails if not is_email(e)]
        found, missing = await resolve(
            turn_context, [Person("", aad, "") for aad in form.people] + by_email
        )
        left_out += missing
        command = send_command(
            activity,
            found,
            amount,
            form.reason,
            programme.id,
            reward_key(activity, giver.key),
            giver_address(activity),
        )
        preview = await self._access.recognition.sender.preview(command)
        if not preview.can_send:
            problems = [
                *(said(problem, loc) for problem in preview.problems),
                *(loc._("{who}: {why}.", who=who, why=say(why, loc)) for who, why in left_out),
            ]
            return _dialog(reward_form_card(programmes, form, " ".join(problems), loc), loc)
        return _dialog(await self._requests.confirmation(command, left_out, loc), loc)

    async def _send(
        self, activity: Activity, key: str, loc: Localizer
    ) -> MessagingExtensionActionResponse:
        sent = await self._requests.send(activity, key)
        if sent is None:
            return _message(EXPIRED.said(loc))
        if isinstance(sent, Taken) or (sent.report is not None and not sent.report.sent):
            return _message(loc._("These rewards were already sent."))
        if sent.report is None:
            return _message(refused_text(sent, loc))
        names = ", ".join(r.recipient_name or loc._("a colleague") for r in sent.report.sent)
        each, left = loc.money(sent.command.amount), loc.money(sent.report.budget_left)
        return _message(
            loc._(
                "Sent {each} each to {names}. Budget left: {left}. Each of them gets a card from "
                "me in a personal chat; I'll tell you if I can't reach someone.",
                each=each,
                names=names,
                left=left,
            )
        )

    async def _programmes(self) -> Sequence[Programme]:
        programmes = await self._access.recognition.budgets.programmes()
        if not programmes:
            raise NoProgramme()
        return programmes


def _check_command(activity: Activity) -> None:
    value: Any = activity.value if isinstance(activity.value, dict) else {}
    if value.get("commandId") != COMMAND_ID:
        raise UnreadableCommand(later("I don't know that command; update the app."))


def _dialog(card: Card, loc: Localizer) -> MessagingExtensionActionResponse:
    info = TaskModuleTaskInfo(
        title=loc._("Send a reward"), card=attachment(card), height="large", width="medium"
    )
    return MessagingExtensionActionResponse(task=TaskModuleContinueResponse(value=info))


def _message(text: str) -> MessagingExtensionActionResponse:
    return MessagingExtensionActionResponse(task=TaskModuleMessageResponse(value=text))
