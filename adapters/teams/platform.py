"""Microsoft Teams as a chat platform: its name and labels, and who an activity says it is from."""

from __future__ import annotations

import re

from adapters.chatkit.payloads import json_object, mapping
from adapters.teams.address import TeamsAddress
from adapters.teams.tenants import TenantPeople
from core.identity import ConversationRef
from core.platforms import ActingPerson, AddressFor, ChatPlatform
from core.ports import TenantEndpoints

MESSAGES_PATH = "/api/messages"


def acting_person(body: bytes) -> ActingPerson:
    """The activity's sender (Entra object id when present) in its tenant; no one when
    unreadable."""
    activity = json_object(body)
    sender = mapping(activity.get("from"))
    user = sender.get("aadObjectId") or sender.get("id")
    tenant_id = mapping(mapping(activity.get("channelData")).get("tenant")).get("id") or ""
    return ActingPerson(str(tenant_id), user if isinstance(user, str) else "")


def private_chat(tenants: TenantEndpoints) -> AddressFor:
    """A 1:1 chat by Entra object id, in a tenant the bot has had an activity from (`tenants` keeps
    its Connector URL and the bot's account there; the Teams channel fills it)."""
    return TenantPeople(tenants)


def workspace_of(conversation: ConversationRef) -> str:
    return TeamsAddress.parse(conversation).tenant_id


_ENTRA_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def person_id(user: str) -> str | None:
    """An Entra object id (a GUID, lower-cased: Teams writes it either way); None otherwise."""
    lowered = user.lower()
    return lowered if _ENTRA_ID.match(lowered) else None


TEAMS = ChatPlatform(
    name="teams",
    label="Microsoft Teams",
    short_label="Teams",
    inbound_path=MESSAGES_PATH,
    acting_person=acting_person,
    private_chat=private_chat,
    workspace_of=workspace_of,
    person_id=person_id,
    person_hint="teams:<Entra object id>",
)
