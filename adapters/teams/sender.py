"""ChatSender for Teams: order cards updated in place; voucher and reward cards delivered to one
person."""

from __future__ import annotations

import logging

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ErrorResponseException
from msrest.exceptions import HttpOperationError

from adapters.i18n import Localizer, localizer
from adapters.teams.address import PLATFORM, TeamsAddress
from adapters.teams.approval_cards import (
    approval_decided_card,
    approval_request_card,
    shout_out_card,
)
from adapters.teams.cards import Card, order_card, sent_attachment, voucher_card, voucher_notice
from adapters.teams.collection_cards import collection_card
from adapters.teams.conversations import Work, continue_in, open_personal
from adapters.teams.errors import connector_errors, status_of
from adapters.teams.gift_cards import gift_card, receipt_card
from adapters.teams.install import installed_chat, lacks_app, settling
from adapters.teams.reward_cards import notice_card, undeliverable_card
from core.collections import CollectionCard
from core.errors import DeliveryError
from core.identity import ConversationRef
from core.reach import AppInstaller
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


class TeamsSender:
    """Implements core.ports.ChatSender over `continue_conversation` on the bot's CloudAdapter."""

    platform = PLATFORM

    def __init__(
        self, adapter: CloudAdapter, app_id: str, installer: AppInstaller | None = None
    ) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._installer = installer  # Graph: installs the app for a recipient who lacks it

    async def send(self, conversation: ConversationRef, notice: Notice) -> None:
        address = TeamsAddress.parse(conversation)
        # The conversation reference keeps the locale of the activity it was taken from: the
        # person's.
        loc = localizer(getattr(address.reference, "locale", None))
        with connector_errors():
            if isinstance(notice, VoucherDelivery):
                await self._deliver_voucher(address, notice, loc)
            elif isinstance(notice, RewardNotice):
                await self._to_person(address, notice_card(notice, loc))
            elif isinstance(notice, RewardUndeliverable):
                await self._to_person(address, undeliverable_card(notice, loc))
            elif isinstance(notice, GiftDelivery):
                await self._to_person(address, gift_card(notice, loc))
            elif isinstance(
                notice, GiftReceipt
            ):  # where the buyer asked, if private; else their 1:1 chat
                await self._privately(address, receipt_card(notice, loc))
            elif isinstance(notice, ApprovalRequest):
                await self._to_person(address, approval_request_card(notice.approval, loc))
            elif isinstance(notice, ApprovalDecided):
                await self._to_person(address, approval_decided_card(notice.approval, loc))
            elif isinstance(notice, CollectionCard):
                await self._redraw(address, collection_card(notice, loc))
            elif isinstance(notice, ShoutOut):
                await continue_in(
                    self._adapter, self._app_id, address, _sending(shout_out_card(notice, loc))
                )
            else:
                await self._update_order(address, notice, loc)

    async def _to_person(self, address: TeamsAddress, card: Card) -> None:
        """A person's address has no conversation yet: creating the 1:1 chat is what reaches them.

        Teams refuses that (403 BotNotInConversationRoster) for someone who does not have the app:
        with an installer (Graph) the app is installed for them first; without one, the outbox gives
        up on such a message and the core tells the giver who could not be reached.
        """
        if address.has_conversation:
            await continue_in(self._adapter, self._app_id, address, _sending(card))
            return
        try:
            await open_personal(self._adapter, self._app_id, address, _sending(card))
        except HttpOperationError as exc:
            if self._installer is None or not lacks_app(exc):
                raise
            chat = await installed_chat(self._installer, address)
            log.info("teams app installed for a recipient", extra={"tenant": address.tenant_id})
            try:
                await continue_in(self._adapter, self._app_id, chat, _sending(card))
            except HttpOperationError as refused:
                raise (settling(refused) or refused) from refused

    async def _redraw(self, address: TeamsAddress, card: Card) -> None:
        """A group gift's card, replaced where it was posted (a card never posted is left alone)."""
        if address.card_id is None:
            return
        await continue_in(self._adapter, self._app_id, address, _replacing(address.card_id, card))

    async def _privately(self, address: TeamsAddress, card: Card) -> None:
        if address.is_personal:
            await continue_in(self._adapter, self._app_id, address, _sending(card))
        else:
            await open_personal(self._adapter, self._app_id, address, _sending(card))

    async def _update_order(
        self, address: TeamsAddress, summary: OrderSummary, loc: Localizer
    ) -> None:
        card = order_card(summary, loc)
        if address.card_id is None:
            await continue_in(self._adapter, self._app_id, address, _sending(card))
            return
        try:
            await continue_in(
                self._adapter, self._app_id, address, _replacing(address.card_id, card)
            )
        except ErrorResponseException as exc:
            if status_of(exc) != 404:
                raise
            log.info("order card is gone; sending a new one", extra={"order_id": summary.order_id})
            await continue_in(self._adapter, self._app_id, address, _sending(card))

    async def _deliver_voucher(
        self, address: TeamsAddress, voucher: VoucherDelivery, loc: Localizer
    ) -> None:
        card = voucher_card(voucher, loc)
        if address.is_personal:
            await continue_in(self._adapter, self._app_id, address, _sending(card))
            return
        # A code must not be shown to a whole channel: the card goes to the owner's 1:1 chat first.
        await open_personal(self._adapter, self._app_id, address, _sending(card))
        try:
            with connector_errors():
                await continue_in(
                    self._adapter,
                    self._app_id,
                    address,
                    _sending_text(voucher_notice(voucher, loc)),
                )
        except DeliveryError as exc:
            # The voucher itself arrived; repeating the whole delivery for a courtesy line would
            # duplicate it.
            log.warning(
                "voucher notice not posted", extra={"order_id": voucher.order_id, "error": str(exc)}
            )


def _sending(card: Card) -> Work:
    async def work(turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.attachment(sent_attachment(card)))

    return work


def _sending_text(text: str) -> Work:
    async def work(turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(text))

    return work


def _replacing(card_id: str, card: Card) -> Work:
    async def work(turn_context: TurnContext) -> None:
        update = MessageFactory.attachment(sent_attachment(card))
        update.id = card_id
        await turn_context.update_activity(update)

    return work
