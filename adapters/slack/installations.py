"""Bolt's SQLAlchemy installation store with every token and secret encrypted at rest.

Bolt keeps each workspace's bot token (and, with token rotation, its refresh token) in plain columns.
This wrapper seals those fields with the cipher that protects voucher codes (Fernet with key rotation,
adapters/db/crypto.py) before they reach the store, and opens them on the way out, so Bolt's
multi-workspace `authorize` and the outbox sender read tokens as before.
"""

from __future__ import annotations

import copy
from logging import Logger
from typing import Any, Protocol, TypeVar

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy import MetaData, Table, Text

INSTALLATION_SECRETS = (
    "bot_token",
    "bot_refresh_token",
    "user_token",
    "user_refresh_token",
    "incoming_webhook_url",
    "incoming_webhook_configuration_url",
)
BOT_SECRETS = ("bot_token", "bot_refresh_token")
# What a Fernet token starts with (version byte 0x80, base64): anything else was stored before encryption.
_SEALED_PREFIX = "gAAAAA"

T = TypeVar("T", Installation, Bot)


class SecretBox(Protocol):
    """Symmetric encryption of short texts (adapters.db.crypto.VoucherCipher fits)."""

    def encrypt(self, text: str) -> str: ...

    def decrypt(self, token: str) -> str: ...


class WideSecretColumns(AsyncSQLAlchemyInstallationStore):
    """Bolt's tables with TEXT secret columns: a sealed token outgrows Bolt's 200 characters."""

    @classmethod
    def build_installations_table(cls, metadata: MetaData, table_name: str) -> Table:
        return _widened(super().build_installations_table(metadata, table_name), INSTALLATION_SECRETS)

    @classmethod
    def build_bots_table(cls, metadata: MetaData, table_name: str) -> Table:
        return _widened(super().build_bots_table(metadata, table_name), BOT_SECRETS)


def _widened(table: Table, columns: tuple[str, ...]) -> Table:
    for name in columns:
        table.c[name].type = Text()
    return table


class EncryptedInstallationStore(AsyncInstallationStore):
    """Seals secrets on save, opens them on find; everything else is the wrapped store's."""

    def __init__(self, store: AsyncSQLAlchemyInstallationStore, box: SecretBox) -> None:
        self._store = store
        self._box = box

    @property
    def logger(self) -> Logger:
        return self._store.logger

    async def create_tables(self) -> None:
        await self._store.create_tables()

    async def async_save(self, installation: Installation) -> None:
        await self._store.async_save(self._sealed(installation, INSTALLATION_SECRETS))

    async def async_save_bot(self, bot: Bot) -> None:
        await self._store.async_save_bot(self._sealed(bot, BOT_SECRETS))

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        bot = await self._store.async_find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return None if bot is None else self._opened(bot, BOT_SECRETS)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = await self._store.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        return None if found is None else self._opened(found, INSTALLATION_SECRETS)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._store.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self._store.async_delete_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._store.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    def _sealed(self, item: T, fields: tuple[str, ...]) -> T:
        return _with(item, fields, self._box.encrypt)

    def _opened(self, item: T, fields: tuple[str, ...]) -> T:
        return _with(item, fields, self._open)

    def _open(self, value: str) -> str:
        if not value.startswith(_SEALED_PREFIX):
            return value  # stored in plaintext before this wrapper; sealed on the next save
        return self._box.decrypt(value)


def _with(item: T, fields: tuple[str, ...], change: Any) -> T:
    changed = copy.copy(item)
    for name in fields:
        value = getattr(changed, name, None)
        if isinstance(value, str) and value:
            setattr(changed, name, change(value))
    return changed
