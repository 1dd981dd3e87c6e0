"""Bolt listeners for `/reward` and its form; the confirmation's buttons are in `reward_buttons`.

Everything after the ack runs in `Background`: resolving mentions takes Web API calls and the core
reads its store. The order is always the same: refuse non-admins (the core audits the attempt), read
the request, resolve people, show the core's preview with Send / Cancel, and send only on Send.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.chatkit import Background
from adapters.i18n import ENGLISH, Localizer, words
from adapters.i18n.phrases import later
from adapters.slack import action_ids as ids
from adapters.slack import reward_blocks, translate
from adapters.slack.directory import UserDirectory
from adapters.slack.locales import SlackLocales
from adapters.slack.replies import Respond, Show, after_ack, in_dm, show
from adapters.slack.reward_buttons import ChooseVoucher, ConfirmationButtons
from adapters.slack.reward_people import RewardPeople, admin_refusal
from adapters.slack.reward_text import (
    InvalidReward,
    RewardForm,
    channel_address,
    dm_address,
    form_errors,
    modal_metadata,
    parse_reward,
    reward_form,
    reward_request_key,
)
from core.amounts import TypedAmount, read_amount_with
from core.checkout import Checkout
from core.confirmations import Confirmations
from core.errors import InvalidRequest, NotFound
from core.identity import ChatUser
from core.recognition import Recognition
from core.reward_sends import SendRewards

NO_PROGRAMME = later("There is no reward programme yet. An admin can create one.")
_UNSEEN = later(
    "I cannot see who is in this conversation. Invite me to it, or name people instead."
)
SLACK_REFUSALS = {
    "channel_not_found": _UNSEEN,
    "not_in_channel": _UNSEEN,
    "no_such_subteam": later("Slack does not know one of those user groups."),
    "missing_scope": later(
        "The app is missing a Slack permission for that. Ask an admin to reinstall it."
    ),
}

Ack = Callable[..., Awaitable[Any]]
Body = dict[str, Any]


def register_rewards(
    app: AsyncApp,
    *,
    recognition: Recognition,
    checkout: Checkout,
    work: Background,
    users: UserDirectory,
    confirmations: Confirmations,
    locales: SlackLocales | None = None,
) -> None:
    """Attach /reward, its form, the confirmation buttons and Choose your voucher to `app`."""
    locales = locales or SlackLocales()
    proposal = _Proposal(confirmations, RewardPeople(users), locales)
    modal = RewardModal(recognition, work, proposal)
    command = RewardCommand(recognition, work, proposal, modal)
    buttons = ConfirmationButtons(confirmations, work, locales)
    choose = ChooseVoucher(recognition.rewards, checkout, work, locales)
    app.command("/reward")(command.command)
    app.view(ids.REWARD_MODAL)(modal.submit)
    app.action(ids.REWARD_SEND)(buttons.send)
    app.action(ids.REWARD_CANCEL)(buttons.cancel)
    # The notice's button and its indexed twins in the wallet (`vb_reward_choose:3`).
    app.action(re.compile(rf"^{re.escape(ids.REWARD_CHOOSE)}(:\w+)?$"))(choose.choose)


class _Proposal:
    """What both ways of asking share: resolving people, and showing the core's preview."""

    def __init__(
        self, confirmations: Confirmations, people: RewardPeople, locales: SlackLocales
    ) -> None:
        self.people = people
        self._confirmations = confirmations
        self.locales = locales

    async def show(
        self,
        command: SendRewards,
        confirmation_id: str,
        notes: list[str],
        show: Show,
        loc: Localizer = ENGLISH,
    ) -> None:
        preview = await self._confirmations.propose(command)
        await show(
            reward_blocks.confirmation_message(preview, command.reason, confirmation_id, notes, loc)
        )


class RewardModal:
    """The /reward form: opened when the command has no text, confirmed on submit."""

    def __init__(self, recognition: Recognition, work: Background, proposal: _Proposal) -> None:
        self._recognition = recognition
        self._work = work
        self._proposal = proposal

    async def open(
        self, body: Body, respond: Respond, client: AsyncWebClient, loc: Localizer = ENGLISH
    ) -> None:
        programmes = await self._recognition.budgets.programmes()
        if not programmes:
            await show(respond, reward_blocks.notice(NO_PROGRAMME.said(loc)))
            return
        metadata = modal_metadata(
            str(body.get("channel_id", "")), str(body.get("response_url", ""))
        )
        # trigger_id expires 3 seconds after the command: nothing slow happens before this call.
        await client.views_open(
            trigger_id=body["trigger_id"],
            view=reward_blocks.reward_modal(programmes, metadata, loc),
        )

    async def submit(self, ack: Ack, body: Body, view: Body, client: AsyncWebClient) -> None:
        form = reward_form(view)
        # The person's locale was looked up when the form opened (cached a day): no wait here.
        giver = translate.user_of(body)
        loc = await self._proposal.locales.of(client, giver.tenant, giver.user_id)
        errors = form_errors(form, loc)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        respond = AsyncRespond(response_url=form.response_url) if form.response_url else None
        after_ack(self._work, self._confirm(body, view, form, client, respond), respond)

    async def _confirm(
        self,
        body: Body,
        view: Body,
        form: RewardForm,
        client: AsyncWebClient,
        respond: Respond | None,
    ) -> None:
        giver = translate.user_of(body)
        loc = await self._proposal.locales.of(client, giver.tenant, giver.user_id)
        answer = (
            (lambda m: show(respond, m)) if respond is not None else in_dm(client, giver.user_id)
        )
        enterprise = translate.enterprise_of(body)
        try:
            typed = read_amount_with(form.amount, form.currency)
            programme, amount = await self._recognition.pricing.priced(
                typed, form.programme_id or None, giver
            )
            giver, recipients, notes = await self._proposal.people.resolve(
                client, giver, form.users, (), enterprise, loc
            )
        except (InvalidRequest, NotFound, ValueError) as exc:
            await answer(reward_blocks.notice(words.error_text(exc, loc)))
            return
        confirmation_id = f"v{view.get('id', '')}"
        command = SendRewards(
            giver=giver,
            recipients=recipients,
            amount=amount,
            reason=form.reason,
            programme_id=programme.id,
            request_key=reward_request_key(giver.tenant, giver.user_id, confirmation_id),
            reply_to=dm_address(giver.tenant, giver.user_id, enterprise),
            shout_to=channel_address(giver.tenant, giver.user_id, form.channel, enterprise),
        )
        await self._proposal.show(command, confirmation_id, notes, answer, loc)


class RewardCommand:
    """`/reward @people amount reason`: help, the form, or the confirmation of what was typed."""

    def __init__(
        self, recognition: Recognition, work: Background, proposal: _Proposal, modal: RewardModal
    ) -> None:
        self._recognition = recognition
        self._work = work
        self._proposal = proposal
        self._modal = modal

    async def command(self, ack: Ack, body: Body, respond: Respond, client: AsyncWebClient) -> None:
        await ack()
        after_ack(self._work, self._command(body, respond, client), respond)

    async def _command(self, body: Body, respond: Respond, client: AsyncWebClient) -> None:
        text = str(body.get("text", "")).strip()
        giver = translate.user_of(body)
        loc = await self._proposal.locales.of(client, giver.tenant, giver.user_id)
        if text.lower() in ("help", "?"):
            await show(respond, reward_blocks.reward_help(loc))
            return
        refusal = await admin_refusal(self._recognition.givers, giver, loc)
        if refusal is not None:
            await show(respond, reward_blocks.notice(refusal))
        elif not text:
            await self._modal.open(body, respond, client, loc)
        else:
            await self._confirm(body, respond, client, giver, text, loc)

    async def _confirm(
        self,
        body: Body,
        respond: Respond,
        client: AsyncWebClient,
        giver: ChatUser,
        text: str,
        loc: Localizer,
    ) -> None:
        try:
            programmes = await self._recognition.budgets.programmes()
            parsed = parse_reward(text, {p.currency for p in programmes})
            programme, amount = await self._recognition.pricing.priced(
                TypedAmount(parsed.amount, parsed.currency), giver=giver
            )
            giver, recipients, notes = await self._proposal.people.of_text(
                body, client, giver, parsed, loc
            )
        except (InvalidReward, InvalidRequest, ValueError) as exc:
            cause = exc.__cause__  # an amount the core refused, with its data
            said = cause if isinstance(exc, InvalidReward) and isinstance(cause, Exception) else exc
            await show(respond, reward_blocks.notice(words.error_text(said, loc)))
            return
        except SlackApiError as exc:
            refusal = SLACK_REFUSALS.get(_error_code(exc))
            if refusal is None:
                raise
            await show(respond, reward_blocks.notice(refusal.said(loc)))
            return
        confirmation_id = f"c{body['trigger_id']}"
        enterprise = translate.enterprise_of(body)
        channel = str(body.get("channel_id", ""))
        command = SendRewards(
            giver=giver,
            recipients=recipients,
            amount=amount,
            reason=parsed.reason,
            programme_id=programme.id,
            request_key=reward_request_key(giver.tenant, giver.user_id, confirmation_id),
            reply_to=dm_address(giver.tenant, giver.user_id, enterprise),
            shout_to=channel_address(giver.tenant, giver.user_id, channel, enterprise),
        )
        await self._proposal.show(command, confirmation_id, notes, lambda m: show(respond, m), loc)


def _error_code(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    return str(data.get("error", "")) if isinstance(data, dict) else ""
