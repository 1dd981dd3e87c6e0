"""Reaching people the bot has no address for yet: finding them by email, installing the app for
them.

Both are optional ports a channel's directory service provides (Microsoft Graph for Teams). Without
them the bot behaves as before: someone it cannot reach is reported to the giver.
"""

from __future__ import annotations

from typing import Protocol

from core.identity import ChatUser, ConversationRef
from core.platforms import AddressFor
from core.rewards import Recipient


class PeopleLookup(Protocol):
    """A directory of one platform's tenant that finds someone's user id by email."""

    platform: str
    tenant: str

    async def user_id_for(self, email: str) -> tuple[str, str] | None:
        """(user id, display name), or None when nobody in the tenant has this email."""
        ...


class AppInstaller(Protocol):
    """Installs the bot for a person who does not have it; returns their chat with the bot."""

    async def install_for(self, user_id: str) -> str:
        """The id of the person's 1:1 chat with the bot once it is installed; raises ReachError if
        not."""
        ...


class ReachError(Exception):
    """The bot could not be installed for someone (no permission, app not in the catalog, throttled
    out)."""


class LookupDirectory:
    """core.ports.Directory: people found by email through a PeopleLookup, addressed by their id."""

    def __init__(self, lookup: PeopleLookup, address_for: AddressFor) -> None:
        self._lookup = lookup
        self._address_for = address_for

    async def find_by_email(self, email: str) -> Recipient | None:
        found = await self._lookup.user_id_for(email.strip().lower())
        if found is None:
            return None
        user_id, name = found
        address = self._address_for(self._lookup.tenant, user_id)
        if address is not None and not isinstance(address, ConversationRef):
            address = await address
        if address is None:
            return None
        return Recipient(
            ChatUser(self._lookup.platform, self._lookup.tenant, user_id, name), address
        )
