"""Bolt listeners for rewards: `/reward` and its form, the confirmation's buttons, Choose your voucher.

Everything after the ack runs in `Background`: resolving mentions takes Web API calls and the core
reads its store. The order is always the same: refuse non-admins (the core audits the attempt), read
the request, resolve people, show the core's preview with Send / Cancel, and send only on Send.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.i18n import words
from adapters.slack import action_ids as ids
from adapters.slack import blocks, reward_blocks, translate
from adapters.slack.background import Background
from adapters.slack.confirmations import message_of, outcome_json
from adapters.slack.directory import Profile, SlackDirectory, UserDirectory
from adapters.slack.kit import Message
from adapters.slack.locales import SlackLocales
from adapters.slack.reward_text import (
    InvalidReward,
    RewardForm,
    RewardText,
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
from core.confirmations import Confirmations, Sent, Taken
from core.errors import InvalidRequest, NotFound
from core.identity import ChatUser
from core.recognition import Recognition, SendRewards
from core.rewards import NotRewardAdmin, Recipient

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment."
EXPIRED = "This confirmation has expired. Run /reward again; nothing was sent."
SLACK_REFUSALS = {
    "channel_not_found": "I cannot see who is in this conversation. Invite me to it, or name people instead.",
    "not_in_channel": "I cannot see who is in this conversation. Invite me to it, or name people instead.",
    "no_such_subteam": "Slack does not know one of those user groups.",
    "missing_scope": "The app is missing a Slack permission for that. Ask an admin to reinstall it.",
}

Ack = Callable[..., Awaitable[Any]]
Respond = Callable[..., Awaitable[Any]]
Show = Callable[[Message], Awaitable[Any]]
Body = dict[str, Any]


async def admin_refusal(recognition: Recognition, giver: ChatUser) -> str | None:
    """None for a reward admin; otherwise the refusal, once the core has refused and audited the attempt."""
    try:
        await recognition.authorize(giver)
    except NotRewardAdmin as exc:
        return str(exc)
    return None


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
    listeners = _RewardListeners(
        recognition, checkout, work, users, confirmations, locales or SlackLocales()
    )
    app.command("/reward")(listeners.command)
    app.view(ids.REWARD_MODAL)(listeners.submit)
    app.action(ids.REWARD_SEND)(listeners.send)
    app.action(ids.REWARD_CANCEL)(listeners.cancel)
    # The notice's button and its indexed twins in the wallet (`vb_reward_choose:3`).
    app.action(re.compile(rf"^{re.escape(ids.REWARD_CHOOSE)}(:\w+)?$"))(listeners.choose)


class _RewardListeners:
    def __init__(
        self,
        recognition: Recognition,
        checkout: Checkout,
        work: Background,
        users: UserDirectory,
        confirmations: Confirmations,
        locales: SlackLocales,
    ) -> None:
        self._recognition = recognition
        self._checkout = checkout
        self._work = work
        self._users = users
        self._confirmations = confirmations
        self._locales = locales

    # --- /reward ------------------------------------------------------------------------------

    async def command(self, ack: Ack, body: Body, respond: Respond, client: AsyncWebClient) -> None:
        await ack()
        self._spawn(self._command(body, respond, client), respond)

    async def _command(self, body: Body, respond: Respond, client: AsyncWebClient) -> None:
        text = str(body.get("text", "")).strip()
        if text.lower() in ("help", "?"):
            await _show(respond, reward_blocks.reward_help())
            return
        giver = translate.user_of(body)
        refusal = await admin_refusal(self._recognition, giver)
        if refusal is not None:
            await _show(respond, reward_blocks.notice(refusal))
        elif not text:
            await self._open_form(body, respond, client)
        else:
            await self._confirm_text(body, respond, client, giver, text)

    async def _confirm_text(
        self, body: Body, respond: Respond, client: AsyncWebClient, giver: ChatUser, text: str
    ) -> None:
        try:
            programmes = await self._recognition.programmes()
            parsed = parse_reward(text, {p.currency for p in programmes})
            programme, amount = await self._recognition.priced(
                TypedAmount(parsed.amount, parsed.currency), giver=giver
            )
            giver, recipients, notes = await self._people(body, client, giver, parsed)
        except (InvalidReward, InvalidRequest, ValueError) as exc:
            await _show(respond, reward_blocks.notice(str(exc)))
            return
        except SlackApiError as exc:
            refusal = SLACK_REFUSALS.get(_error_code(exc))
            if refusal is None:
                raise
            await _show(respond, reward_blocks.notice(refusal))
            return
        confirmation_id = f"c{body['trigger_id']}"
        command = SendRewards(
            giver=giver,
            recipients=recipients,
            amount=amount,
            reason=parsed.reason,
            programme_id=programme.id,
            request_key=reward_request_key(giver.tenant, giver.user_id, confirmation_id),
            reply_to=dm_address(giver.tenant, giver.user_id, translate.enterprise_of(body)),
            shout_to=channel_address(
                giver.tenant,
                giver.user_id,
                str(body.get("channel_id", "")),
                translate.enterprise_of(body),
            ),
        )
        await self._confirm(command, confirmation_id, notes, lambda m: _show(respond, m))

    async def _people(
        self, body: Body, client: AsyncWebClient, giver: ChatUser, parsed: RewardText
    ) -> tuple[ChatUser, tuple[Recipient, ...], list[str]]:
        """Mentions, user groups and the channel's members as recipients; bots and the sender left out."""
        expanded: list[str] = []
        for group in parsed.groups:
            expanded += await self._users.group_members(client, group)
        if parsed.channel_wide:
            expanded += await self._users.channel_members(client, str(body.get("channel_id", "")))
        named = list(parsed.users)
        expanded = [u for u in expanded if u != giver.user_id and u not in named]
        return await self._recipients(client, giver, named, expanded, translate.enterprise_of(body))

    async def _recipients(
        self,
        client: AsyncWebClient,
        giver: ChatUser,
        named: Sequence[str],
        expanded: Sequence[str],
        enterprise: str,
    ) -> tuple[ChatUser, tuple[Recipient, ...], list[str]]:
        team = giver.tenant
        wanted = list(dict.fromkeys([*named, *expanded]))
        profiles = await self._users.profiles(client, team, [giver.user_id, *wanted])
        directory = SlackDirectory(self._users, client, team, enterprise)
        notes = [_left_out(profiles.get(u), u) for u in named if not _is_person(profiles.get(u))]
        skipped = sum(not _is_person(profiles.get(u)) for u in dict.fromkeys(expanded))
        if skipped:
            left_out = reward_blocks.plural(
                skipped, "bot or deactivated account", "bots or deactivated accounts"
            )
            notes.append(f"Left out {left_out} from the groups and channel named.")
        recipients = tuple(
            directory.recipient(profiles[u]) for u in wanted if _is_person(profiles.get(u))
        )
        own = profiles.get(giver.user_id)
        named_giver = ChatUser(giver.platform, team, giver.user_id, own.name if own else giver.name)
        return named_giver, recipients, notes

    async def _confirm(
        self, command: SendRewards, confirmation_id: str, notes: list[str], show: Show
    ) -> None:
        preview = await self._confirmations.propose(command)
        await show(
            reward_blocks.confirmation_message(preview, command.reason, confirmation_id, notes)
        )

    # --- the form -------------------------------------------------------------------------------

    async def _open_form(self, body: Body, respond: Respond, client: AsyncWebClient) -> None:
        programmes = await self._recognition.programmes()
        if not programmes:
            await _show(
                respond,
                reward_blocks.notice("There is no reward programme yet. An admin can create one."),
            )
            return
        metadata = modal_metadata(
            str(body.get("channel_id", "")), str(body.get("response_url", ""))
        )
        # trigger_id expires 3 seconds after the command: nothing slow happens before this call.
        await client.views_open(
            trigger_id=body["trigger_id"], view=reward_blocks.reward_modal(programmes, metadata)
        )

    async def submit(self, ack: Ack, body: Body, view: Body, client: AsyncWebClient) -> None:
        form = reward_form(view)
        errors = form_errors(form)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        respond = AsyncRespond(response_url=form.response_url) if form.response_url else None
        self._spawn(self._confirm_form(body, view, form, client, respond), respond)

    async def _confirm_form(
        self,
        body: Body,
        view: Body,
        form: RewardForm,
        client: AsyncWebClient,
        respond: Respond | None,
    ) -> None:
        giver = translate.user_of(body)
        show = (
            (lambda m: _show(respond, m))
            if respond is not None
            else self._in_dm(client, giver.user_id)
        )
        try:
            typed = read_amount_with(form.amount, form.currency)
            programme, amount = await self._recognition.priced(
                typed, form.programme_id or None, giver
            )
            giver, recipients, notes = await self._recipients(
                client, giver, form.users, (), translate.enterprise_of(body)
            )
        except (InvalidRequest, NotFound, ValueError) as exc:
            await show(reward_blocks.notice(str(exc)))
            return
        confirmation_id = f"v{view.get('id', '')}"
        command = SendRewards(
            giver=giver,
            recipients=recipients,
            amount=amount,
            reason=form.reason,
            programme_id=programme.id,
            request_key=reward_request_key(giver.tenant, giver.user_id, confirmation_id),
            reply_to=dm_address(giver.tenant, giver.user_id, translate.enterprise_of(body)),
            shout_to=channel_address(
                giver.tenant, giver.user_id, form.channel, translate.enterprise_of(body)
            ),
        )
        await self._confirm(command, confirmation_id, notes, show)

    # --- Send and Cancel --------------------------------------------------------------------------

    async def send(self, ack: Ack, body: Body, action: Body, respond: Respond) -> None:
        await ack()
        self._spawn(self._send(body, str(action.get("value", "")), respond), respond)

    async def _send(self, body: Body, confirmation_id: str, respond: Respond) -> None:
        user = translate.user_of(body)
        key = reward_request_key(user.tenant, user.user_id, confirmation_id)
        outcome = await self._confirmations.send(key, user, _rendered)
        if outcome is None:
            await _show(respond, reward_blocks.notice(EXPIRED), replace_original=True)
        elif isinstance(outcome, Taken):
            # A double click (on this replica or another): the first click sends, and answers if still busy.
            if outcome.outcome is not None:
                await _show(respond, message_of(outcome.outcome), replace_original=True)
        else:
            await _show(respond, outcome, replace_original=True)

    async def cancel(self, ack: Ack, body: Body, action: Body, respond: Respond) -> None:
        await ack()
        user = translate.user_of(body)
        key = reward_request_key(user.tenant, user.user_id, str(action.get("value", "")))
        self._spawn(self._cancel(key, user, respond), respond)

    async def _cancel(self, key: str, user: ChatUser, respond: Respond) -> None:
        if not await self._confirmations.cancel(key, user):
            return  # already sent (or being sent): the summary stays
        await _show(respond, reward_blocks.cancelled_message(), replace_original=True)

    # --- Choose your voucher -----------------------------------------------------------------------

    async def choose(self, ack: Ack, body: Body, action: Body, client: AsyncWebClient) -> None:
        await ack()
        self._spawn(self._reward_catalog(body, str(action.get("value", "")), client), None)

    async def _reward_catalog(self, body: Body, reward_id: str, client: AsyncWebClient) -> None:
        """The catalog for the recipient's country (its currency, at a shown rate; else the reward's own),
        posted in the recipient's DM (also from App Home)."""
        user = translate.user_of(body)
        try:
            reward = await self._recognition.recipient_reward(reward_id, user)
        except (NotFound, InvalidRequest) as exc:
            message = reward_blocks.notice(str(exc))
        else:
            if reward.spendable:
                # What the reward covers comes first, in the recipient's country and locale.
                loc = await self._locales.of(client, user.tenant, user.user_id)
                shop = await self._checkout.reward_catalog(reward, loc.country or None, user)
                page = self._checkout.browse(shop.query)
                note = words.rate_note(shop.rate, shop.rate_problem, loc)
                message = blocks.catalog_message(page, reward, loc, rate_note=note)
            else:
                message = reward_blocks.notice(_not_spendable(reward.status))
        await self._in_dm(client, user.user_id)(message)

    # --- helpers ------------------------------------------------------------------------------------

    def _in_dm(self, client: AsyncWebClient, user_id: str) -> Show:
        async def show(message: Message) -> None:
            opened = await client.conversations_open(users=user_id)
            await client.chat_postMessage(
                channel=opened["channel"]["id"], text=message.text, blocks=message.blocks
            )

        return show

    def _spawn(self, work: Coroutine[Any, Any, None], respond: Respond | None) -> None:
        async def tell_user(_exc: BaseException) -> None:
            if respond is not None:
                await respond(text=APOLOGY, response_type="ephemeral", replace_original=False)

        self._work.spawn(work, tell_user)


async def _rendered(sent: Sent) -> tuple[Message, str]:
    """What the Send click shows, and the same kept for a later click."""
    if sent.report is None:
        message = reward_blocks.notice(sent.refusal)
    else:
        log.info(
            "slack rewards sent",
            extra={"sent": len(sent.report.sent), "programme": sent.command.programme_id},
        )
        message = reward_blocks.sent_message(sent.report)
    return message, outcome_json(message)


def _is_person(profile: Profile | None) -> bool:
    return profile is not None and profile.is_person


def _left_out(profile: Profile | None, user_id: str) -> str:
    if profile is None:
        return f"Left out {user_id}: not a member of this workspace."
    return f"Left out {profile.name}: bots and deactivated accounts cannot receive rewards."


def _not_spendable(status: str) -> str:
    if status in ("sent", "opened"):
        return "This reward has nothing left to spend."
    return f"This reward is {status} and cannot be spent."


def _error_code(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    return str(data.get("error", "")) if isinstance(data, dict) else ""


async def _show(respond: Respond, message: Message, *, replace_original: bool = False) -> None:
    await respond(
        text=message.text,
        blocks=message.blocks,
        response_type="ephemeral",
        replace_original=replace_original,
    )
