"""Slack as a chat platform: its name and labels, and who a signed request says it is from."""

from __future__ import annotations

import re
from collections.abc import Mapping

from adapters.chatkit.payloads import mapping
from adapters.slack.form import read_form
from adapters.slack.manifest import EVENTS_PATH
from adapters.slack.reward_text import dm_address
from adapters.slack.translate import SlackAddress
from core.identity import ConversationRef
from core.platforms import ActingPerson, AddressFor, ChatPlatform
from core.ports import TenantEndpoints

MAX_FIELDS = 64  # a Slack form has about 15; more is not Slack's, and costs reading


def acting_person(body: bytes) -> ActingPerson | None:
    """Slash commands and interactions by team and user; Events API callbacks (JSON) count for no
    one."""
    if body.count(b"&") >= MAX_FIELDS:  # not read at all: nobody has signed it yet
        return None
    form = read_form(body)  # the front door reads the same reading after the signature
    if form is None:
        return None
    if form.payloads:
        payload = mapping(form.payloads[0])
        user, team = mapping(payload.get("user")), mapping(payload.get("team"))
        user_id, team_id = user.get("id"), team.get("id") or user.get("team_id")
        return ActingPerson(str(team_id), str(user_id)) if user_id else None
    fields = form.fields
    if "user_id" in fields and "command" in fields:
        team_id = fields.get("team_id", [""])[0]
        return ActingPerson(team_id, fields["user_id"][0], wants_words=True)
    return None


def in_words(text: str) -> Mapping[str, object]:
    # Slack shows a non-200 answer to a slash command as a bare failure: say it to the person
    # instead.
    return {"response_type": "ephemeral", "text": text}


def private_chat(_tenants: TenantEndpoints) -> AddressFor:
    """A DM with the user id, in the workspace given (conversations.open opens it when sent)."""
    return dm_address


def workspace_of(conversation: ConversationRef) -> str:
    return SlackAddress.from_json(conversation.address).team


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def person_id(user: str) -> str | None:
    """A Slack user id (U… or W…, upper case) as typed; None otherwise."""
    return user if _USER_ID.match(user) else None


SLACK = ChatPlatform(
    name="slack",
    label="Slack",
    short_label="Slack",
    inbound_path=EVENTS_PATH,
    acting_person=acting_person,
    in_words=in_words,
    private_chat=private_chat,
    workspace_of=workspace_of,
    person_id=person_id,
    person_hint="slack:<user id>",
)
