"""EncryptedInstallationStore: Bolt's installs sealed with the voucher cipher, readable after rotation."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.db.crypto import VoucherCipher
from adapters.slack.installations import EncryptedInstallationStore, WideSecretColumns

OLD, NEW = VoucherCipher.generate_key(), VoucherCipher.generate_key()


def _installation() -> Installation:
    return Installation(
        app_id="A0HARBOUR",
        team_id="T0HARBOUR",
        user_id="U0ADA",
        bot_token="xoxb-harbour-bot",
        bot_refresh_token="xoxe-1-harbour-refresh",
        bot_id="B0HARBOUR",
        bot_user_id="U0BOT",
        user_token="xoxp-harbour-user",
        incoming_webhook_url="https://hooks.slack.com/services/T0/B0/harbour",
    )


async def test_tokens_survive_a_key_rotation_and_never_reach_the_table_in_plaintext(
    tmp_path: Path,
) -> None:
    path = tmp_path / "oauth.db"
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    inner = WideSecretColumns(client_id="1111.2222", engine=engine)
    before = EncryptedInstallationStore(inner, VoucherCipher(OLD))
    await before.create_tables()
    await before.async_save(_installation())

    after = EncryptedInstallationStore(inner, VoucherCipher(NEW, previous_keys=[OLD]))
    bot = await after.async_find_bot(enterprise_id=None, team_id="T0HARBOUR")
    found = await after.async_find_installation(enterprise_id=None, team_id="T0HARBOUR", user_id="U0ADA")
    await engine.dispose()

    assert bot is not None and bot.bot_token == "xoxb-harbour-bot"
    assert bot.bot_refresh_token == "xoxe-1-harbour-refresh"
    assert found is not None and found.user_token == "xoxp-harbour-user"
    assert found.incoming_webhook_url == "https://hooks.slack.com/services/T0/B0/harbour"
    raw = path.read_bytes()
    assert [s for s in (b"xoxb-harbour", b"xoxe-1-harbour", b"xoxp-harbour", b"hooks.slack") if s in raw] == []


async def test_a_token_stored_in_plaintext_before_encryption_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "oauth.db"
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    inner = WideSecretColumns(client_id="1111.2222", engine=engine)
    await inner.create_tables()
    await inner.async_save(_installation())  # as Bolt alone stored it
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT bot_token FROM slack_bots").fetchone() == ("xoxb-harbour-bot",)

    bot = await EncryptedInstallationStore(inner, VoucherCipher(NEW)).async_find_bot(
        enterprise_id=None, team_id="T0HARBOUR"
    )
    await engine.dispose()

    assert bot is not None and bot.bot_token == "xoxb-harbour-bot"
