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

from adapters.i18n import localizer
from adapters.teams.answer import Card
from adapters.teams.cards import attachment
from adapters.teams.people import giver_address, resolve
from adapters.teams.reward_cards import reward_form_card
from adapters.teams.reward_translate import (
    CancelReward,
    Person,
    ReviewReward,
    RewardForm,
    SendReward,
    is_email,
    reward_key,
)
from adapters.teams.rewards import EXPIRED, RewardDesk
from adapters.teams.translate import intent_of_data, task_data
from adapters.teams.unreadable import UnreadableCommand
from core.amounts import AmountRefused, amount_in
from core.confirmations import Taken
from core.errors import InvalidRequest, NotFound
from core.rewards import Programme

COMMAND_ID = "sendReward"  # the manifest's composeExtensions command
DIALOG_TITLE = "Send a reward"
NO_PROGRAMME = "There is no reward programme yet. An admin can create one in the dashboard."


class RewardExtension:
    """composeExtension/fetchTask and /submitAction; each answer is a model (CloudAdapter needs
    one)."""

    def __init__(self, desk: RewardDesk) -> None:
        self._desk = desk

    async def fetch_task(self, turn_context: TurnContext) -> MessagingExtensionActionResponse:
        activity = turn_context.activity
        try:
            _check_command(activity)
            await self._desk.giver(activity)
            programmes = await self._programmes()
        except (InvalidRequest, NotFound, UnreadableCommand) as exc:
            return _message(str(exc))
        return _dialog(reward_form_card(programmes))

    async def submit_action(self, turn_context: TurnContext) -> MessagingExtensionActionResponse:
        activity = turn_context.activity
        try:
            _check_command(activity)
            intent = intent_of_data(task_data(activity))
            if isinstance(intent, ReviewReward):
                return await self._review(turn_context, intent.form)
            if isinstance(intent, SendReward):
                return await self._send(activity, intent.key)
            if isinstance(intent, CancelReward):
                return _message("Cancelled: no reward was sent.")
            raise UnreadableCommand("That dialog is out of date; open Send a reward again.")
        except (InvalidRequest, NotFound, UnreadableCommand) as exc:
            return _message(str(exc))

    async def _review(
        self, turn_context: TurnContext, form: RewardForm
    ) -> MessagingExtensionActionResponse:
        """The form again with what is wrong, or the confirmation of exactly what Send will do."""
        activity = turn_context.activity
        giver = await self._desk.giver(activity)
        programmes = await self._programmes()
        programme = next((p for p in programmes if p.id == form.programme_id), None)
        if programme is None:
            return _dialog(reward_form_card(programmes, form, "Choose a programme."))
        try:
            amount = amount_in(form.amount, programme.currency)
        except AmountRefused as exc:
            return _dialog(reward_form_card(programmes, form, str(exc)))
        typed = [e for e in form.emails if is_email(e)]
        by_email, left_out = await self._desk.people_by_email(typed)
        left_out += [(e, "not an email address") for e in form.emails if not is_email(e)]
        found, missing = await resolve(
            turn_context, [Person("", aad, "") for aad in form.people] + by_email
        )
        left_out += missing
        command = self._desk.command(
            activity,
            found,
            amount,
            form.reason,
            programme.id,
            reward_key(activity, giver.key),
            giver_address(activity),
        )
        preview = await self._desk.recognition.sender.preview(command)
        if not preview.can_send:
            problems = [*preview.problems, *(f"{who}: {why}." for who, why in left_out)]
            return _dialog(reward_form_card(programmes, form, " ".join(problems)))
        return _dialog(await self._desk.confirmation(command, left_out, localizer(activity.locale)))

    async def _send(self, activity: Activity, key: str) -> MessagingExtensionActionResponse:
        sent = await self._desk.send(activity, key)
        if sent is None:
            return _message(EXPIRED)
        if isinstance(sent, Taken) or (sent.report is not None and not sent.report.sent):
            return _message("These rewards were already sent.")
        if sent.report is None:
            return _message(sent.refusal)
        names = ", ".join(r.recipient_name or "a colleague" for r in sent.report.sent)
        loc = localizer(activity.locale)
        each, left = loc.money(sent.command.amount), loc.money(sent.report.budget_left)
        return _message(
            f"Sent {each} each to {names}. Budget left: {left}. "
            "Each of them gets a card from me in a personal chat; I'll tell you if I can't reach "
            "someone."
        )

    async def _programmes(self) -> Sequence[Programme]:
        programmes = await self._desk.recognition.budgets.programmes()
        if not programmes:
            raise InvalidRequest(NO_PROGRAMME)
        return programmes


def _check_command(activity: Activity) -> None:
    value: Any = activity.value if isinstance(activity.value, dict) else {}
    if value.get("commandId") != COMMAND_ID:
        raise UnreadableCommand("I don't know that command; update the app.")


def _dialog(card: Card) -> MessagingExtensionActionResponse:
    info = TaskModuleTaskInfo(
        title=DIALOG_TITLE, card=attachment(card), height="large", width="medium"
    )
    return MessagingExtensionActionResponse(task=TaskModuleContinueResponse(value=info))


def _message(text: str) -> MessagingExtensionActionResponse:
    return MessagingExtensionActionResponse(task=TaskModuleMessageResponse(value=text))
