"""Proactive turns: continue a stored conversation, or open the owner's personal (1:1) chat with the
bot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)

from adapters.teams.address import TeamsAddress

Work = Callable[[TurnContext], Awaitable[None]]


async def continue_in(
    adapter: CloudAdapter, app_id: str, address: TeamsAddress, work: Work
) -> None:
    """Run `work` in a turn of the stored conversation; its errors reach the caller."""
    failures: list[BaseException] = []
    await adapter.continue_conversation(address.reference, _carrying(work, failures), app_id)
    _raise_first(failures)


async def open_personal(
    adapter: CloudAdapter, app_id: str, address: TeamsAddress, work: Work
) -> None:
    """Run `work` in the 1:1 chat between the bot and the address's user (Teams returns the existing
    one)."""
    reference = address.reference
    parameters = ConversationParameters(
        is_group=False,
        bot=reference.bot,
        members=[ChannelAccount(id=reference.user.id)],
        tenant_id=address.tenant_id,
        channel_data={"tenant": {"id": address.tenant_id}},
    )
    failures: list[BaseException] = []
    await adapter.create_conversation(
        app_id,
        _carrying(work, failures),
        parameters,
        channel_id=reference.channel_id,
        service_url=reference.service_url,
    )
    _raise_first(failures)


def _carrying(work: Work, failures: list[BaseException]) -> Work:
    # The adapter's pipeline hands exceptions to on_turn_error (which apologises and swallows them);
    # a proactive caller needs them instead, to retry or give up.
    async def callback(turn_context: TurnContext) -> None:
        try:
            await work(turn_context)
        except Exception as exc:
            failures.append(exc)

    return callback


def _raise_first(failures: list[BaseException]) -> None:
    if failures:
        raise failures[0]


async def personal_chat(adapter: CloudAdapter, app_id: str, address: TeamsAddress) -> TeamsAddress:
    """The 1:1 chat of the address's user, opened now (Teams returns the existing one), as an
    address that keeps their reference's user and locale: later messages there are rendered in
    their language."""
    opened: list[str] = []

    async def note(turn_context: TurnContext) -> None:
        opened.append(turn_context.activity.conversation.id)

    await open_personal(adapter, app_id, address, note)
    old = address.reference
    reference = ConversationReference(
        user=old.user,
        bot=old.bot,
        conversation=ConversationAccount(
            id=opened[0], conversation_type="personal", tenant_id=address.tenant_id
        ),
        channel_id=old.channel_id,
        locale=old.locale,
        service_url=old.service_url,
    )
    return TeamsAddress(reference, address.tenant_id)
