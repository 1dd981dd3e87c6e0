"""The encrypted secret store: round trip, overwrite, ciphertext at rest, and Plum tokens across a
restart."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from adapters.db import Database, VoucherCipher
from adapters.providers.xoxoday import PlumTokens, SerializedTokenStore, XoxodayClient
from tests.db.conftest import KEY, Backend, _pg_connect
from tests.fake_plum import FakePlum, plum_product

TOKENS = "xoxoday.tokens"


def token_store(database: Database) -> SerializedTokenStore:
    """The Plum token store exactly as the bot builds it on its database."""
    secrets = database.secret_store()
    return SerializedTokenStore(
        lambda: secrets.load(TOKENS), lambda value: secrets.save(TOKENS, value)
    )


def restarted(backend: Backend) -> Database:
    """A second Database on the same storage and key: what a restarted (or other) replica opens."""
    return Database(backend.url, VoucherCipher(KEY), schema=backend.schema)


async def test_a_saved_secret_reads_back_and_an_unknown_name_reads_none(backend: Backend) -> None:
    store = backend.database.secret_store()

    await store.save("harbour.api", "sk-quiet-harbour-0042")

    assert await store.load("harbour.api") == "sk-quiet-harbour-0042"
    assert await store.load("lantern.api") is None


async def test_saving_again_replaces_the_value_and_keeps_one_row(backend: Backend) -> None:
    store = backend.database.secret_store()

    await store.save("harbour.api", "first-token-aaaa")
    backend.clock.advance(minutes=5)
    await store.save("harbour.api", "second-token-bbbb")
    await store.save("lantern.api", "lantern-token-cccc")

    assert await store.load("harbour.api") == "second-token-bbbb"
    assert await store.load("lantern.api") == "lantern-token-cccc"
    assert [name for name, _ in await _stored_rows(backend)] == ["harbour.api", "lantern.api"]
    raw = await backend.raw_contents()
    assert not any(
        t in raw for t in (b"first-token-aaaa", b"second-token-bbbb", b"lantern-token-cccc")
    )


async def test_only_ciphertext_reaches_the_database(backend: Backend) -> None:
    store = backend.database.secret_store()
    secret = "plum-refresh-7f3a9c1e-quiet-harbour"

    await store.save(TOKENS, secret)

    ((name, ciphertext),) = await _stored_rows(backend)
    raw = await backend.raw_contents()
    assert name == TOKENS and ciphertext and secret not in ciphertext
    assert VoucherCipher(KEY).decrypt(ciphertext) == secret
    assert secret.encode() not in raw and b"quiet-harbour" not in raw


async def test_the_secret_survives_a_new_database_instance_and_needs_the_same_key(
    backend: Backend,
) -> None:
    await backend.database.secret_store().save("harbour.api", "sk-quiet-harbour-0042")

    twin = restarted(backend)
    try:
        assert await twin.secret_store().load("harbour.api") == "sk-quiet-harbour-0042"
    finally:
        await twin.dispose()


async def test_plum_tokens_stored_through_the_serialized_store_survive_a_restart(
    backend: Backend,
) -> None:
    expires = datetime(2026, 12, 11, 9, 0, tzinfo=UTC)
    tokens = PlumTokens("access-harbour-1", "refresh-harbour-2", expires)

    await token_store(backend.database).save(tokens)
    twin = restarted(backend)
    try:
        loaded = await token_store(twin).load()
    finally:
        await twin.dispose()

    assert loaded == tokens
    raw = await backend.raw_contents()
    assert b"access-harbour-1" not in raw and b"refresh-harbour-2" not in raw


async def test_a_restarted_client_uses_the_rotated_refresh_token_from_the_database(
    backend: Backend,
) -> None:
    # Plum rotates the refresh token on every refresh and refuses the old one: after a restart, the
    # configured (seed) token is dead, and only the one kept in the database still works.
    async with FakePlum(
        [plum_product(1001, "Quiet Harbour Books", denominations="10,25,50")]
    ) as plum:
        seed = plum.refresh_token
        first = XoxodayClient(
            plum.base_url,
            plum.client_id,
            plum.client_secret,
            seed,
            token_store=token_store(backend.database),
        )
        try:
            assert (await first.get_balance()).value > 0
        finally:
            await first.close()
        rotated = plum.refresh_token
        # the restarted process must refresh, not reuse the old access token
        plum.expire_access_tokens()

        twin = restarted(backend)
        second = XoxodayClient(
            plum.base_url, plum.client_id, plum.client_secret, seed, token_store=token_store(twin)
        )
        try:
            balance = await second.get_balance()
            stored = await token_store(twin).load()
        finally:
            await second.close()
            await twin.dispose()

    assert rotated != seed and plum.refreshes == 2 and balance.value > 0
    assert stored is not None and stored.refresh_token == plum.refresh_token != rotated
    raw = await backend.raw_contents()
    assert rotated.encode() not in raw and plum.refresh_token.encode() not in raw


async def _stored_rows(backend: Backend) -> list[tuple[str, str]]:
    """(name, ciphertext) of every stored secret, read behind the adapter's back."""
    query = "SELECT name, ciphertext FROM stored_secrets ORDER BY name"
    if backend.sqlite_path is not None:
        with sqlite3.connect(backend.sqlite_path) as connection:
            return [(str(n), str(c)) for n, c in connection.execute(query)]
    connection = await _pg_connect(backend.url, backend.schema)
    try:
        return [(r["name"], r["ciphertext"]) for r in await connection.fetch(query)]
    finally:
        await connection.close()
