"""The Bolt side of gifts: `/vouchers gift …`, the Send as a gift form and a scheduled gift's Cancel
are acked here and handed to `GiftListeners` after the ack. Where gifts are off, they are only
acked (the command says so)."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from adapters.i18n import Localizer
from adapters.slack import blocks, gift_form, translate
from adapters.slack.gift_listeners import GiftListeners
from adapters.slack.listening import Ack, Body, Listening, ack_message
from adapters.slack.replies import Respond


class GiftActions:
    def __init__(self, shared: Listening, gifts: GiftListeners | None) -> None:
        self._shared = shared
        self._gifts = gifts

    async def from_command(
        self,
        ack: Ack,
        body: Body,
        respond: Respond,
        client: AsyncWebClient,
        command: translate.SendGift,
        loc: Localizer,
    ) -> None:
        if self._gifts is None:
            await ack_message(ack, blocks.notice_message(loc._("Gifts are not enabled here.")))
            return
        problem = self._gifts.check_amount(command, loc)
        if problem:
            await ack_message(ack, blocks.notice_message(problem))
            return
        await ack()
        self._shared.after_ack(self._gifts.send(body, respond, client, command, loc), respond)

    async def open_form(self, ack: Ack, body: Body, action: Body, client: AsyncWebClient) -> None:
        await ack()
        if self._gifts is not None:
            await self._gifts.open_form(body, action, client)

    async def submit_form(self, ack: Ack, body: Body, view: Body, client: AsyncWebClient) -> None:
        if self._gifts is None:
            await ack()
            return
        form = gift_form.gift_form(view)
        loc = await self._shared.loc(translate.user_of(body), client)
        errors = self._gifts.form_errors(body, form, loc)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        self._shared.after_ack(self._gifts.send_form(body, view, form, client), None)

    async def cancel(
        self, ack: Ack, body: Body, action: Body, respond: Respond, client: AsyncWebClient
    ) -> None:
        await ack()
        if self._gifts is not None:
            self._shared.after_ack(self._gifts.cancel(body, action, respond, client), respond)
