"""Reaching someone who lacks the app: install it for them (core.reach.AppInstaller), then use that
chat.

Teams refuses a new 1:1 chat with a person who does not have the bot (403
BotNotInConversationRoster). With an installer (Microsoft Graph), the bot installs itself for them
and writes into the chat the installation returns. If that chat refuses the first message (the
installation can take a moment to settle), the outbox tries again later; by then the ordinary 1:1
chat works.
"""

from __future__ import annotations

from botbuilder.schema import ConversationAccount, ConversationReference
from msrest.exceptions import HttpOperationError

from adapters.teams.address import TeamsAddress
from adapters.teams.errors import status_of
from core.errors import DeliveryError, DeliveryRetryLater
from core.reach import AppInstaller, ReachError

NOT_IN_ROSTER = 403
SETTLING = 30.0  # seconds before retrying a message the freshly installed chat refused


def lacks_app(exc: HttpOperationError) -> bool:
    return status_of(exc) == NOT_IN_ROSTER


async def installed_chat(installer: AppInstaller, address: TeamsAddress) -> TeamsAddress:
    """The person's 1:1 chat with the bot, after installing the app for them; DeliveryError if it
    cannot."""
    user = address.reference.user
    user_id = str(getattr(user, "aad_object_id", None) or getattr(user, "id", None) or "")
    try:
        chat_id = await installer.install_for(user_id)
    except ReachError as exc:
        raise DeliveryError(f"the app could not be installed for the recipient: {exc}") from exc
    reference = ConversationReference.deserialize(address.reference.serialize())
    reference.conversation = ConversationAccount(
        id=chat_id, conversation_type="personal", tenant_id=address.tenant_id
    )
    return TeamsAddress(reference, address.tenant_id)


def settling(exc: HttpOperationError) -> DeliveryError | None:
    """A refusal from a chat made a moment ago: retried later, instead of given up."""
    if status_of(exc) in (403, 404):
        return DeliveryRetryLater("the newly installed chat is not ready yet", retry_after=SETTLING)
    return None
