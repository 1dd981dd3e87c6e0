"""Bolt's SQLAlchemy installation store with every token and secret encrypted at rest.

Bolt keeps each workspace's bot token (and, with token rotation, its refresh token) in plain
columns. This wrapper seals those fields with the cipher that protects voucher codes (Fernet with
key rotation, adapters/db/crypto.py) before they reach the store, and opens them on the way out, so
Bolt's multi-workspace `authorize` and the outbox sender read tokens as before.
"""

from __future__ import annotations

import copy
from logging import Logger
from typing import Any, Protocol, TypeVar

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy import MetaData, Table, Text, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

INSTALLATION_SECRETS = (
    "bot_token",
    "bot_refresh_token",
    "user_token",
    "user_refresh_token",
    "incoming_webhook_url",
    "incoming_webhook_configuration_url",
)
BOT_SECRETS = ("bot_token", "bot_refresh_token")
# What a Fernet token starts with (version byte 0x80, base64): anything else was stored before
# encryption.
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
        return _widened(
            super().build_installations_table(metadata, table_name), INSTALLATION_SECRETS
        )

    @classmethod
    def build_bots_table(cls, metadata: MetaData, table_name: str) -> Table:
        return _widened(super().build_bots_table(metadata, table_name), BOT_SECRETS)

    async def create_tables(self) -> None:
        """Create the tables if missing; widen the secret columns of tables an earlier version
        made."""
        await super().create_tables()  # type: ignore[no-untyped-call]
        if self.engine.dialect.name != "postgresql":
            return  # SQLite does not enforce VARCHAR lengths
        async with self.engine.begin() as connection:
            for table, columns in (
                (self.installations, INSTALLATION_SECRETS),
                (self.bots, BOT_SECRETS),
            ):
                for column in await _narrow_columns(connection, table.name, columns):
                    # Names from our own constants, never from input. Only once: an ALTER
                    # invalidates the statements other replicas have prepared.
                    alter = f'ALTER TABLE "{table.name}" ALTER COLUMN {column} TYPE TEXT'
                    await connection.execute(text(alter))


async def _narrow_columns(
    connection: AsyncConnection, table: str, columns: tuple[str, ...]
) -> list[str]:
    query = text(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = :table AND data_type <> 'text'"
    )
    found = (await connection.execute(query, {"table": table})).scalars().all()
    return [column for column in columns if column in found]


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
        """Create the tables, then seal any secret an earlier version stored in plaintext."""
        await self._store.create_tables()
        async with self._store.engine.begin() as connection:
            await self._seal_plaintext(connection, self._store.installations, INSTALLATION_SECRETS)
            await self._seal_plaintext(connection, self._store.bots, BOT_SECRETS)

    async def _seal_plaintext(
        self, connection: AsyncConnection, table: Table, fields: tuple[str, ...]
    ) -> None:
        columns = [table.c[name] for name in fields]
        for row in (await connection.execute(select(table.c.id, *columns))).all():
            values = dict(zip(fields, row[1:], strict=True))
            plain = {
                k: v for k, v in values.items() if isinstance(v, str) and v and not _is_sealed(v)
            }
            if plain:
                sealed = {k: self._box.encrypt(v) for k, v in plain.items()}
                await connection.execute(update(table).where(table.c.id == row[0]).values(**sealed))

    async def async_save(self, installation: Installation) -> None:
        await self._store.async_save(self._sealed(installation, INSTALLATION_SECRETS))

    async def async_save_bot(self, bot: Bot) -> None:
        await self._store.async_save_bot(self._sealed(bot, BOT_SECRETS))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        bot = await self._store.async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
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
        if not _is_sealed(value):
            return value  # stored in plaintext by an earlier version, until create_tables seals it
        return self._box.decrypt(value)


def _is_sealed(value: str) -> bool:
    return value.startswith(_SEALED_PREFIX)


def _with(item: T, fields: tuple[str, ...], change: Any) -> T:
    changed = copy.copy(item)
    for name in fields:
        value = getattr(changed, name, None)
        if isinstance(value, str) and value:
            setattr(changed, name, change(value))
    return changed
