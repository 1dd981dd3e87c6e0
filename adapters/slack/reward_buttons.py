"""Bolt listeners for the buttons a reward shows: Send / Cancel on the confirmation, Choose your
voucher."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.chatkit import Background
from adapters.i18n import Localizer, words
from adapters.i18n.phrases import later
from adapters.i18n.refusal_words import said, status_word
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
from core.reward_life import RewardLife

log = logging.getLogger(__name__)

EXPIRED = later("This confirmation has expired. Run /reward again; nothing was sent.")

Ack = Callable[..., Awaitable[Any]]
Body = dict[str, Any]


class ConfirmationButtons:
    """Send sends what the confirmation showed (once, however many clicks); Cancel drops it."""

    def __init__(
        self, confirmations: Confirmations, work: Background, locales: SlackLocales | None = None
    ) -> None:
        self._confirmations = confirmations
        self._work = work
        self._locales = locales or SlackLocales()

    async def send(
        self, ack: Ack, body: Body, action: Body, respond: Respond, client: AsyncWebClient
    ) -> None:
        await ack()
        work = self._send(body, str(action.get("value", "")), respond, client)
        after_ack(self._work, work, respond)

    async def _send(
        self, body: Body, confirmation_id: str, respond: Respond, client: AsyncWebClient
    ) -> None:
        user = translate.user_of(body)
        loc = await self._locales.of(client, user.tenant, user.user_id)
        key = reward_request_key(user.tenant, user.user_id, confirmation_id)
        outcome = await self._confirmations.send(key, user, lambda sent: _rendered(sent, loc))
        if outcome is None:
            await show(respond, reward_blocks.notice(EXPIRED.said(loc)), replace=True)
        elif isinstance(outcome, Taken):
            # A double click (here or on another replica): the first click sends, and answers.
            if outcome.outcome is not None:
                await show(respond, message_of(outcome.outcome), replace=True)
        else:
            await show(respond, outcome, replace=True)

    async def cancel(
        self, ack: Ack, body: Body, action: Body, respond: Respond, client: AsyncWebClient
    ) -> None:
        await ack()
        user = translate.user_of(body)
        key = reward_request_key(user.tenant, user.user_id, str(action.get("value", "")))
        after_ack(self._work, self._cancel(key, user, respond, client), respond)

    async def _cancel(
        self, key: str, user: ChatUser, respond: Respond, client: AsyncWebClient
    ) -> None:
        if not await self._confirmations.cancel(key, user):
            return  # already sent (or being sent): the summary stays
        loc = await self._locales.of(client, user.tenant, user.user_id)
        await show(respond, reward_blocks.cancelled_message(loc), replace=True)


class ChooseVoucher:
    """Choose your voucher: the catalog a reward can pay for, in the recipient's DM."""

    def __init__(
        self,
        rewards: RewardLife,
        checkout: Checkout,
        work: Background,
        locales: SlackLocales,
    ) -> None:
        self._rewards = rewards
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
        loc = await self._locales.of(client, user.tenant, user.user_id)
        try:
            reward = await self._rewards.recipient_reward(reward_id, user)
        except (NotFound, InvalidRequest) as exc:
            message = reward_blocks.notice(words.error_text(exc, loc))
        else:
            if reward.spendable:
                # What the reward covers comes first, in the recipient's country and locale.
                shop = await self._checkout.reward_catalog(reward, loc.country or None, user)
                page = self._checkout.browse(shop.query)
                note = words.rate_note(shop.rate, shop.rate_problem, loc)
                message = blocks.catalog_message(page, reward, loc, rate_note=note)
            else:
                message = reward_blocks.notice(_not_spendable(reward.status, loc))
        await in_dm(client, user.user_id)(message)


async def _rendered(sent: Sent, loc: Localizer) -> tuple[Message, str]:
    """What the Send click shows, and the same kept for a later click."""
    if sent.report is None:
        refusal = words.error_text(sent.error, loc) if sent.error else said(sent.refusal, loc)
        message = reward_blocks.notice(refusal)
    else:
        log.info(
            "slack rewards sent",
            extra={"sent": len(sent.report.sent), "programme": sent.command.programme_id},
        )
        message = reward_blocks.sent_message(sent.report, loc)
    return message, outcome_json(message)


def _not_spendable(status: str, loc: Localizer) -> str:
    if status in ("sent", "opened"):
        return loc._("This reward has nothing left to spend.")
    return loc._("This reward is {status} and cannot be spent.", status=status_word(status, loc))
