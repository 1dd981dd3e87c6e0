"""Bolt listeners for the buttons a reward shows: Send / Cancel on the confirmation, Choose your voucher."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.chatkit import Background
from adapters.i18n import words
from adapters.slack import blocks, reward_blocks, translate
from adapters.slack.confirmations import message_of, outcome_json
from adapters.slack.kit import Message
from adapters.slack.locales import SlackLocales
from adapters.slack.replies import Respond, after_ack, in_dm, show
from adapters.slack.reward_text import reward_request_key
from core.checkout import Checkout
from core.confirmations import Confirmations, Sent, Taken
from core.errors import InvalidRequest, NotFound
from core.identity import ChatUser
from core.recognition import Recognition

log = logging.getLogger(__name__)

EXPIRED = "This confirmation has expired. Run /reward again; nothing was sent."

Ack = Callable[..., Awaitable[Any]]
Body = dict[str, Any]


class ConfirmationButtons:
    """Send sends what the confirmation showed (once, however many clicks); Cancel drops it."""

    def __init__(self, confirmations: Confirmations, work: Background) -> None:
        self._confirmations = confirmations
        self._work = work

    async def send(self, ack: Ack, body: Body, action: Body, respond: Respond) -> None:
        await ack()
        after_ack(self._work, self._send(body, str(action.get("value", "")), respond), respond)

    async def _send(self, body: Body, confirmation_id: str, respond: Respond) -> None:
        user = translate.user_of(body)
        key = reward_request_key(user.tenant, user.user_id, confirmation_id)
        outcome = await self._confirmations.send(key, user, _rendered)
        if outcome is None:
            await show(respond, reward_blocks.notice(EXPIRED), replace=True)
        elif isinstance(outcome, Taken):
            # A double click (here or on another replica): the first click sends, and answers.
            if outcome.outcome is not None:
                await show(respond, message_of(outcome.outcome), replace=True)
        else:
            await show(respond, outcome, replace=True)

    async def cancel(self, ack: Ack, body: Body, action: Body, respond: Respond) -> None:
        await ack()
        user = translate.user_of(body)
        key = reward_request_key(user.tenant, user.user_id, str(action.get("value", "")))
        after_ack(self._work, self._cancel(key, user, respond), respond)

    async def _cancel(self, key: str, user: ChatUser, respond: Respond) -> None:
        if not await self._confirmations.cancel(key, user):
            return  # already sent (or being sent): the summary stays
        await show(respond, reward_blocks.cancelled_message(), replace=True)


class ChooseVoucher:
    """Choose your voucher: the catalog a reward can pay for, in the recipient's DM."""

    def __init__(
        self,
        recognition: Recognition,
        checkout: Checkout,
        work: Background,
        locales: SlackLocales,
    ) -> None:
        self._recognition = recognition
        self._checkout = checkout
        self._work = work
        self._locales = locales

    async def choose(self, ack: Ack, body: Body, action: Body, client: AsyncWebClient) -> None:
        await ack()
        after_ack(self._work, self._catalog(body, str(action.get("value", "")), client), None)

    async def _catalog(self, body: Body, reward_id: str, client: AsyncWebClient) -> None:
        """The catalog for the recipient's country (its currency, at a shown rate; else the
        reward's own), posted in the recipient's DM (also from App Home)."""
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
        await in_dm(client, user.user_id)(message)


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


def _not_spendable(status: str) -> str:
    if status in ("sent", "opened"):
        return "This reward has nothing left to spend."
    return f"This reward is {status} and cannot be spent."
