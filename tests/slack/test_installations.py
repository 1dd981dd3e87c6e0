"""EncryptedInstallationStore: Bolt's installs sealed with the voucher cipher, on SQLite and
PostgreSQL.

Tokens survive a key rotation, never reach the tables in plaintext, and what an earlier version
stored in plaintext (in Bolt's narrower VARCHAR(200) columns) is widened and sealed when the tables
are made.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.db.crypto import VoucherCipher
from adapters.slack.installations import EncryptedInstallationStore, WideSecretColumns

OLD, NEW = VoucherCipher.generate_key(), VoucherCipher.generate_key()
# Token rotation's refresh tokens are long: sealed, this one is far beyond Bolt's 200 characters.
REFRESH = "xoxe-1-" + "harbour" * 24
SECRETS = (b"xoxb-harbour", b"xoxe-1-harbour", b"xoxp-harbour", b"hooks.slack")


@dataclass
class OAuthDatabase:
    engine: AsyncEngine
    url: str
    connect_args: dict[str, Any]

    async def raw_rows(self) -> bytes:
        """Every stored value of Bolt's two tables, as a tamperer with database access reads
        them."""
        engine = create_async_engine(self.url, connect_args=self.connect_args)
        tables = AsyncSQLAlchemyInstallationStore(client_id="1111.2222", engine=engine)
        try:
            async with engine.connect() as connection:
                bots = (await connection.execute(select(tables.bots))).all()
                installs = (await connection.execute(select(tables.installations))).all()
        finally:
            await engine.dispose()
        return repr([*bots, *installs]).encode()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def oauth_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OAuthDatabase]:
    if request.param == "sqlite":
        sqlite_url = f"sqlite+aiosqlite:///{tmp_path / 'oauth.db'}"
        engine = create_async_engine(sqlite_url)
        yield OAuthDatabase(engine, sqlite_url, {})
        await engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"vb_oauth_{uuid4().hex[:12]}"
    await _pg(url, f'CREATE SCHEMA "{schema}"')
    args: dict[str, Any] = {"server_settings": {"search_path": schema}}
    engine = create_async_engine(url, connect_args=args)
    try:
        yield OAuthDatabase(engine, url, args)
    finally:
        await engine.dispose()
        await _pg(url, f'DROP SCHEMA "{schema}" CASCADE')


async def _pg(url: str, sql: str) -> Any:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return await connection.execute(sql)
    finally:
        await connection.close()


def _installation() -> Installation:
    return Installation(
        app_id="A0HARBOUR",
        team_id="T0HARBOUR",
        user_id="U0ADA",
        bot_token="xoxb-harbour-bot",
        bot_refresh_token=REFRESH,
        bot_id="B0HARBOUR",
        bot_user_id="U0BOT",
        user_token="xoxp-harbour-user",
        incoming_webhook_url="https://hooks.slack.com/services/T0/B0/harbour",
    )


def _store(db: OAuthDatabase, *keys: bytes) -> EncryptedInstallationStore:
    inner = WideSecretColumns(client_id="1111.2222", engine=db.engine)
    return EncryptedInstallationStore(inner, VoucherCipher(keys[0], previous_keys=keys[1:]))


async def test_tokens_survive_a_key_rotation_and_never_reach_the_tables_in_plaintext(
    oauth_db: OAuthDatabase,
) -> None:
    before = _store(oauth_db, OLD)
    await before.create_tables()
    await before.async_save(_installation())

    after = _store(oauth_db, NEW, OLD)
    bot = await after.async_find_bot(enterprise_id=None, team_id="T0HARBOUR")
    found = await after.async_find_installation(
        enterprise_id=None, team_id="T0HARBOUR", user_id="U0ADA"
    )

    assert bot is not None and (bot.bot_token, bot.bot_refresh_token) == (
        "xoxb-harbour-bot",
        REFRESH,
    )
    assert found is not None and found.user_token == "xoxp-harbour-user"
    assert found.incoming_webhook_url == "https://hooks.slack.com/services/T0/B0/harbour"
    raw = await oauth_db.raw_rows()
    assert b"gAAAAA" in raw and [s for s in SECRETS if s in raw] == []


async def test_plaintext_tokens_an_earlier_version_stored_are_sealed_when_the_tables_are_made(
    oauth_db: OAuthDatabase,
) -> None:
    bolt_alone = AsyncSQLAlchemyInstallationStore(client_id="1111.2222", engine=oauth_db.engine)
    await bolt_alone.create_tables()
    plain = _installation()
    plain.bot_refresh_token = "xoxe-1-harbour-short"  # what fitted Bolt's VARCHAR(200)
    await bolt_alone.async_save(plain)
    assert b"xoxb-harbour-bot" in await oauth_db.raw_rows()

    store = _store(oauth_db, NEW)
    await store.create_tables()
    await store.async_save_bot(_installation().to_bot())  # a long refresh token now fits

    raw = await oauth_db.raw_rows()
    assert [s for s in SECRETS if s in raw] == []
    bot = await store.async_find_bot(enterprise_id=None, team_id="T0HARBOUR")
    assert bot is not None and (bot.bot_token, bot.bot_refresh_token) == (
        "xoxb-harbour-bot",
        REFRESH,
    )
