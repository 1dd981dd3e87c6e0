"""Who a reward goes to, in Teams terms: roster look-ups, work emails in the directory, and the
address of someone's 1:1 chat with the bot."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ChannelAccount, ConversationReference
from msrest.exceptions import HttpOperationError

from adapters.i18n.phrases import Phrase, later
from adapters.teams.address import PLATFORM, TeamsAddress, tenant_of
from adapters.teams.errors import status_of
from adapters.teams.reward_translate import Person
from core.errors import InvalidRequest
from core.identity import ChatUser, ConversationRef
from core.ports import Directory
from core.rewards import Recipient

log = logging.getLogger(__name__)
NOT_HERE = frozenset({400, 403, 404})  # the roster does not know them (or not in this conversation)
NOT_FOUND = later(
    "I couldn't look them up here: mention them where they are a member, or use Send a reward in "
    "the message box"
)
LeftOut = list[tuple[str, str | Phrase]]


class Unreachable(InvalidRequest):
    """The person picked or mentioned is not someone this conversation's roster can reach; said in
    the reader's language (words.error_text reads `phrase`)."""

    def __init__(self, message: Phrase) -> None:
        super().__init__(str(message))
        self.phrase = message


async def look_up(turn_context: TurnContext, person: Person) -> Person | None:
    """The person as the conversation's roster knows them (Teams id, Entra id, name); None if not
    there.

    Teams answers a member query by Teams id or by Entra object id, so a mention and a people-picker
    choice resolve the same way.
    """
    try:
        member = await TeamsInfo.get_member(turn_context, person.id or person.aad)
    except HttpOperationError as exc:
        if status_of(exc) not in NOT_HERE:
            raise
        log.info("member not found in the roster", extra={"status": status_of(exc)})
        return None
    aad = getattr(member, "aad_object_id", None) or person.aad
    if not aad:
        return None
    return Person(member.id or person.id, aad, getattr(member, "name", None) or person.name)


async def resolve(
    turn_context: TurnContext, people: Sequence[Person]
) -> tuple[list[Person], LeftOut]:
    """Who can be rewarded, and who cannot (with why): an identity needs the Entra object id."""
    found: dict[str, Person] = {}
    left_out: LeftOut = []
    for person in people:
        known = await look_up(turn_context, person)
        if known is None and person.aad:
            known = (
                person  # not in this conversation, but a 1:1 chat can still be opened by Entra id
            )
        if known is None:
            left_out.append((person.label, NOT_FOUND))
            continue
        found.setdefault(known.aad, known)
    return list(found.values()), left_out


class EmailDirectory:
    """Colleagues by work email (the reward dialog's and a CSV file's), when the bot has a
    directory."""

    def __init__(self, directory: Directory | None) -> None:
        self._directory = directory

    async def person(self, email: str, name: str = "") -> Person | Phrase:
        """The colleague with this work email, or why they cannot be found."""
        if self._directory is None:
            return later(
                "I can't look up emails on this bot; use their Entra object id (user_id) instead"
            )
        recipient = await self._directory.find_by_email(email)
        if recipient is None or recipient.user.platform != PLATFORM:
            return later("no Teams user has the email {email}", email=email)
        return Person("", recipient.user.user_id, name or recipient.user.name)

    async def people(self, emails: Sequence[str]) -> tuple[list[Person], LeftOut]:
        found: list[Person] = []
        left_out: LeftOut = []
        for email in emails:
            person = await self.person(email)
            if isinstance(person, Phrase):
                left_out.append((email, person))
            else:
                found.append(person)
        return found, left_out


def recipient_of(activity: Activity, person: Person) -> Recipient:
    """The reward's recipient: their Entra id (what `user_of` reads when they act) and their 1:1
    address."""
    user = ChatUser(PLATFORM, tenant_of(activity), person.aad, person.name)
    return Recipient(user, personal_address(activity, person).to_ref())


def personal_address(activity: Activity, person: Person) -> TeamsAddress:
    """Where to reach someone privately: no conversation yet; the sender creates (or reopens) the
    1:1 chat."""
    reference = ConversationReference(
        bot=activity.recipient,
        user=ChannelAccount(
            id=person.id or person.aad, name=person.name, aad_object_id=person.aad or None
        ),
        channel_id=activity.channel_id,
        service_url=activity.service_url,
    )
    return TeamsAddress(reference, tenant_of(activity))


def giver_address(activity: Activity) -> ConversationRef:
    """The giver's own 1:1 chat with the bot, for what the bot must tell them later."""
    sender = activity.from_property
    person = Person(
        sender.id, getattr(sender, "aad_object_id", None) or "", getattr(sender, "name", None) or ""
    )
    return personal_address(activity, person).to_ref()
