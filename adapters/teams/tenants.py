"""Teams tenants the bot has heard from, and the 1:1 address of anyone in them from their id alone.

A proactive message needs the tenant's Connector URL (it differs by region) and the bot's account,
which only an activity from that tenant tells. Every turn passes through `RememberTenants`, which
keeps them in the shared store; an HR system or the milestone job can then reach a colleague named
by id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import Middleware, TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationReference

from adapters.teams.address import TeamsAddress
from core.identity import ConversationRef, TenantEndpoint
from core.ports import TenantEndpoints

log = logging.getLogger(__name__)
TEAMS_CHANNEL = "msteams"
# Entra object ids are GUIDs; Teams ids of people start with 29: (8:orgid: in older payloads).
ENTRA_ID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE
)
TEAMS_ID = re.compile(r"^(29|8:orgid):\S+$")


class RememberTenants(Middleware):
    """Keeps each tenant's endpoint from its activities; writes only when this process saw it
    change."""

    def __init__(self, tenants: TenantEndpoints) -> None:
        self._tenants = tenants
        self._known: dict[str, TenantEndpoint] = {}

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[Any]]) -> None:
        endpoint = endpoint_of(context.activity)
        if endpoint is not None and self._known.get(endpoint.tenant_id) != endpoint:
            await self._tenants.remember(endpoint)
            self._known[endpoint.tenant_id] = endpoint
            log.info("teams tenant endpoint remembered", extra={"tenant": endpoint.tenant_id})
        await logic()


def endpoint_of(activity: Activity) -> TenantEndpoint | None:
    """The endpoint an inbound Teams activity shows; None for the Emulator and proactive turns.

    Only Teams' own channelData names the tenant: a proactive turn's continuation activity does not,
    so the bot never "learns" from addresses it built itself.
    """
    channel_data: Any = activity.channel_data
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    tenant_id = str(tenant.get("id") or "") if isinstance(tenant, dict) else ""
    bot = activity.recipient
    if activity.channel_id != TEAMS_CHANNEL or not (
        tenant_id and activity.service_url and bot and bot.id
    ):
        return None
    return TenantEndpoint(
        tenant_id.lower(), activity.service_url, bot.id, getattr(bot, "name", None) or ""
    )


def personal_ref(endpoint: TenantEndpoint, user_id: str) -> ConversationRef:
    """The address of someone's 1:1 chat with the bot, by Entra object id or Teams id (29:…).

    It names no conversation: the sender creates the chat (Teams returns the existing one), which
    also reaches people who have the app but never wrote to the bot.
    """
    aad = user_id.lower() if ENTRA_ID.match(user_id) else None
    reference = ConversationReference(
        bot=ChannelAccount(id=endpoint.bot_id, name=endpoint.bot_name),
        user=ChannelAccount(id=aad or user_id, aad_object_id=aad),
        channel_id=TEAMS_CHANNEL,
        service_url=endpoint.service_url,
    )
    return TeamsAddress(reference, endpoint.tenant_id).to_ref()


class TenantPeople:
    """core.employees.AddressFor for Teams: a colleague's 1:1 address from (tenant id, Entra object
    id).

    None when the bot has never had an activity from the tenant, and for a Teams id (29:…): a
    reward's recipient is the Entra object id (what the bot reads when they act), so only that id
    can receive one.
    """

    def __init__(self, tenants: TenantEndpoints) -> None:
        self._tenants = tenants

    async def __call__(self, tenant_id: str, user_id: str) -> ConversationRef | None:
        if not ENTRA_ID.match(user_id):
            return None
        endpoint = await self._tenants.find(tenant_id)
        if endpoint is None:
            log.info("teams tenant not seen yet", extra={"tenant": tenant_id})
            return None
        return personal_ref(endpoint, user_id)
