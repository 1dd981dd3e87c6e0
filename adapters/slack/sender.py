"""SlackSender: the core's ChatSender for Slack, rendering notices at send time.

Where things go, and why:
- An order update replaces the order message in place: `chat.update` when the app posted that
  message
  itself (it has a channel and ts for good), otherwise the interaction's `response_url`
  (`replace_original`), which is how ephemeral messages are edited. A response_url lives 30 minutes
  and 5 uses; when Slack refuses an in-place update for good (URL expired, message deleted), the
  update goes to the app's DM so it is not lost.
- A voucher always goes to the owner's DM with the app (`conversations.open` + `chat.postMessage`):
  a
  DM is private, lasts (ephemeral messages vanish on reload or on another device) and works whether
  or not the app is a member of the channel the order came from. When the order came from elsewhere,
  a copy is also shown ephemerally where it came from, through the response_url, so the story ends
  in the same conversation. That copy is best effort: it is sent after the DM succeeded, and a
  failure is only logged, so an outbox retry can never post the voucher twice.
- A reward notice (or its reminder) goes to the recipient's DM; a reward that could not be delivered
  is
  told to its giver in the giver's DM. Both addresses name a person (team + user), not a channel.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.i18n import Localizer
from adapters.slack import approval_blocks, blocks, collection_blocks, gift_blocks, reward_blocks
from adapters.slack.errors import WebhookFailed, to_delivery_error
from adapters.slack.locales import SlackLocales
from adapters.slack.translate import SlackAddress
from core.collections import CollectionCard
from core.errors import DeliveryError, DeliveryRetryLater
from core.identity import ConversationRef
from core.views import (
    ApprovalDecided,
    ApprovalRequest,
    GiftDelivery,
    GiftReceipt,
    Notice,
    OrderSummary,
    RewardNotice,
    RewardUndeliverable,
    ShoutOut,
    VoucherDelivery,
)

log = logging.getLogger(__name__)

TokenFor = Callable[[str, str | None], Awaitable[str]]  # (team id, enterprise id) -> bot token
ClientFactory = Callable[[str], AsyncWebClient]  # bot token -> client
WebhookFactory = Callable[[str], AsyncWebhookClient]  # response_url -> client
DM_CHANNELS = 50_000  # people whose DM channel id is kept
SLACK_FAILURES = (SlackClientError, WebhookFailed, aiohttp.ClientError, TimeoutError)


@cache
def sdk_logger() -> logging.Logger:
    """The logger the outbox's Slack clients log to: warnings and above, as bot/logs.py has it for
    slack_sdk. slack_sdk formats every request and response for its debug log (the blocks, a voucher
    code among them) whenever its logger's *own* level is unset, logged or not: about 25 µs per
    chat.postMessage, and a code one DEBUG setting away from the logs. With a level of its own,
    nothing is formatted."""
    logger = logging.getLogger("slack_sdk.web.outbox")
    logger.setLevel(logging.WARNING)
    return logger


def webhook_client(url: str, session: aiohttp.ClientSession | None = None) -> AsyncWebhookClient:
    # No built-in retries: the outbox owns retrying, with backoff and Retry-After. With a `session`
    # its connections are reused (adapters/slack/http.py) and its timeout applies.
    return AsyncWebhookClient(
        url, timeout=10, retry_handlers=[], session=session, logger=sdk_logger()
    )


class SlackSender:
    """Delivers order updates, vouchers and reward notices into Slack conversations."""

    platform = "slack"

    def __init__(
        self,
        client_factory: ClientFactory,
        token_for: TokenFor,
        webhook_factory: WebhookFactory = webhook_client,
        locales: SlackLocales | None = None,
    ) -> None:
        self._client_factory = client_factory
        self._token_for = token_for
        self._webhook_factory = webhook_factory
        self._locales = locales or SlackLocales()
        self._dm_channels: OrderedDict[tuple[str, str, str], str] = OrderedDict()

    async def send(self, conversation: ConversationRef, notice: Notice) -> None:
        """Render `notice` now, in the locale its reader has now (a queued message follows a
        change)."""
        address = SlackAddress.from_json(conversation.address)
        try:
            client = await self._client(address)
            loc = await self._locales.of(client, address.team, address.user, raise_transient=True)
            if isinstance(notice, VoucherDelivery):
                await self._deliver_voucher(address, notice, loc)
            elif isinstance(notice, RewardNotice):
                await self._post_in_dm(address, reward_blocks.reward_notice_message(notice, loc))
            elif isinstance(notice, RewardUndeliverable):
                await self._post_in_dm(address, reward_blocks.undeliverable_message(notice, loc))
            elif isinstance(notice, GiftDelivery):  # the recipient's DM: a person, not a channel
                await self._post_in_dm(address, gift_blocks.gift_message(notice, loc))
            elif isinstance(notice, GiftReceipt):  # the buyer's DM, where receipts last
                await self._post_in_dm(address, gift_blocks.receipt_message(notice, loc))
            elif isinstance(notice, ApprovalRequest):
                await self._post_in_dm(
                    address, approval_blocks.approval_request_message(notice.approval, loc)
                )
            elif isinstance(notice, ApprovalDecided):
                await self._post_in_dm(
                    address, approval_blocks.approval_decided_message(notice.approval, loc)
                )
            elif isinstance(notice, CollectionCard):  # the channel card, redrawn in place
                await self._redraw(address, collection_blocks.card_message(notice, loc))
            elif isinstance(notice, ShoutOut):
                await self._post_in_channel(address, approval_blocks.shout_out_message(notice, loc))
            else:
                await self._update_order(address, notice, loc)
        except SLACK_FAILURES as exc:
            raise to_delivery_error(exc) from exc

    async def _update_order(
        self, address: SlackAddress, summary: OrderSummary, loc: Localizer
    ) -> None:
        message = blocks.order_message(summary, loc)
        if address.ts and address.channel and not address.ephemeral:
            client = await self._client(address)
            update = client.chat_update(
                channel=address.channel, ts=address.ts, text=message.text, blocks=message.blocks
            )
            if await self._in_place(update, summary.order_id):
                return
        elif address.response_url:
            replace = self._post_webhook(
                address.response_url, _webhook_body(message, replace_original=True)
            )
            if await self._in_place(replace, summary.order_id):
                return
        await self._post_in_dm(address, message)

    async def _in_place(self, attempt: Awaitable[object], order_id: str) -> bool:
        """Try an in-place update; False when Slack refuses it for good (message gone, URL
        expired)."""
        try:
            await attempt
        except (SlackApiError, WebhookFailed) as exc:
            if isinstance(to_delivery_error(exc), DeliveryRetryLater):
                raise
            log.info(
                "order message cannot be updated in place; updating in the DM",
                extra={"order_id": order_id},
            )
            return False
        return True

    async def _deliver_voucher(
        self, address: SlackAddress, delivery: VoucherDelivery, loc: Localizer
    ) -> None:
        message = blocks.voucher_message(delivery, loc)
        dm = await self._post_in_dm(address, message)
        if address.response_url and address.channel != dm:
            await self._courtesy_copy(address.response_url, message, delivery.order_id)

    async def _courtesy_copy(
        self, response_url: str, message: blocks.Message, order_id: str
    ) -> None:
        try:
            await self._post_webhook(response_url, _webhook_body(message, replace_original=False))
        except SLACK_FAILURES as exc:
            # The DM already holds the voucher; retrying here would post it there a second time.
            log.warning(
                "ephemeral voucher copy not shown",
                extra={"order_id": order_id, "error": type(exc).__name__},
            )

    async def _post_in_dm(self, address: SlackAddress, message: blocks.Message) -> str:
        client = await self._client(address)
        key = (address.enterprise, address.team, address.user)
        channel = self._dm_channels.get(key)
        if channel is None:
            opened = await client.conversations_open(users=address.user)
            channel = str(opened["channel"]["id"])
        try:
            await client.chat_postMessage(channel=channel, text=message.text, blocks=message.blocks)
        except SlackApiError:
            self._dm_channels.pop(key, None)  # the next attempt opens the DM again
            raise
        self._remember_dm(key, channel)
        return channel

    def _remember_dm(self, key: tuple[str, str, str], channel: str) -> None:
        # A person's DM with the app keeps its id: conversations.open (Tier 3 on real Slack, about
        # 50 a minute) is called once per person, not before every message.
        self._dm_channels[key] = channel
        self._dm_channels.move_to_end(key)
        if len(self._dm_channels) > DM_CHANNELS:
            self._dm_channels.popitem(last=False)

    async def _redraw(self, address: SlackAddress, message: blocks.Message) -> None:
        client = await self._client(address)
        await client.chat_update(
            channel=address.channel, ts=address.ts, text=message.text, blocks=message.blocks
        )

    async def _post_in_channel(self, address: SlackAddress, message: blocks.Message) -> None:
        client = await self._client(address)
        await client.chat_postMessage(
            channel=address.channel, text=message.text, blocks=message.blocks
        )

    async def _client(self, address: SlackAddress) -> AsyncWebClient:
        token = await self._token_for(address.team, address.enterprise or None)
        if not token:
            raise DeliveryError(f"no Slack bot token for team {address.team}")
        return self._client_factory(token)

    async def _post_webhook(self, url: str, body: dict[str, Any]) -> None:
        response = await self._webhook_factory(url).send_dict(body)
        if response.status_code != 200:
            raise WebhookFailed(response.status_code, response.headers or {}, response.body or "")


def _webhook_body(message: blocks.Message, *, replace_original: bool) -> dict[str, Any]:
    return {
        "text": message.text,
        "blocks": message.blocks,
        "response_type": "ephemeral",
        "replace_original": replace_original,
    }
