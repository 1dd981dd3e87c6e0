"""API keys that let an HR system send rewards without a chat user, and responses kept for
Idempotency-Key."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import TYPE_CHECKING

from core.api_credentials import API_PLATFORM as API_PLATFORM
from core.api_credentials import ApiKey as ApiKey
from core.api_credentials import IdempotentRequest as IdempotentRequest
from core.api_credentials import StoredResponse as StoredResponse
from core.errors import DuplicateRequest, InvalidRequest
from core.identity import ChatUser

if TYPE_CHECKING:
    from core.ports import ApiKeyStore, Clock, IdFactory

KEY_PREFIX = "vbk_"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def check_key_name(name: str) -> str:
    """Key names are short, lower-case and safe in logs: `workday`, `sap-successfactors`."""
    if not _NAME.match(name):
        raise InvalidRequest(
            f"'{name}' is not a key name: use 1-63 lower-case letters, digits, '.', '_' or '-'"
        )
    return name


def hash_api_key(key: str) -> str:
    # A fast hash is enough: the key has 256 bits of entropy, so there is nothing to brute-force.
    return hashlib.sha256(key.encode()).hexdigest()


def api_giver(name: str, display_name: str = "") -> ChatUser:
    """The giver of a reward sent with the key `name`; `display_name` is what recipients read."""
    return ChatUser(API_PLATFORM, "", name, display_name or name)


class ApiKeys:
    """Creating, revoking and checking API keys; every change is audited by the store."""

    def __init__(self, store: ApiKeyStore, clock: Clock, ids: IdFactory) -> None:
        self._store = store
        self._clock = clock
        self._ids = ids

    async def create(self, name: str, actor: str) -> str:
        """A new key for `name`, returned once in plain text; refused while an active key has that
        name."""
        check_key_name(name)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        record = ApiKey(
            self._ids.new_id("key"), name, hash_api_key(key), key[-4:], self._clock.now()
        )
        try:
            await self._store.add(record, actor)
        except DuplicateRequest:
            raise InvalidRequest(
                f"An active API key is already named '{name}': revoke it first."
            ) from None
        return key

    async def revoke(self, name: str, actor: str) -> bool:
        """False if no active key has that name."""
        return await self._store.revoke(name, self._clock.now(), actor)

    async def list(self) -> list[ApiKey]:
        return sorted(await self._store.list(), key=lambda k: (k.name, k.created_at))

    async def authenticate(self, presented: str) -> ApiKey | None:
        """The active key matching `presented`, or None (unknown, malformed or revoked)."""
        if not presented.startswith(KEY_PREFIX) or len(presented) > 200:
            return None
        return await self._store.find_active(hash_api_key(presented))
