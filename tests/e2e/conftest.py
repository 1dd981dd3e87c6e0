"""End-to-end fixtures, one of each per test module: the fakes the server talks to and its own
process.

Every module runs its tests in one event loop (`loop_scope="module"`) so that a server process, a
localstripe and the fakes started once serve all of the module's tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from adapters.stripe_local import LocalStripe
from tests.e2e.bot_process import BotProcess
from tests.e2e.world import StripeEvents
from tests.fake_connector import FakeConnector
from tests.localstripe_server import (
    TEST_PUBLISHABLE_KEY,
    TEST_SECRET_KEY,
    WEBHOOK_SECRET,
    running_localstripe,
)


def stripe_env(local: LocalStripe) -> dict[str, str]:
    """The settings that point a server at the test's own localstripe."""
    return {
        "STRIPE_SECRET_KEY": TEST_SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": TEST_PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": local.url,
        "STRIPE_JS_URL": local.js_url,
    }


async def start_bot(
    data_dir: Path, env: dict[str, str], local: LocalStripe | None = None
) -> BotProcess:
    """Start `voucherbot serve`; with a localstripe, register the server's webhook with it."""
    bot = await BotProcess(data_dir, env).start()
    if local is not None:
        await local.register_webhook(f"{bot.url}/stripe/webhook", WEBHOOK_SECRET, webhook_id="bot")
    return bot


async def stop_bot(bot: BotProcess) -> None:
    """Graceful stop; a server that does not exit cleanly fails the module."""
    code = await bot.stop()
    assert code == 0, f"voucherbot exited with {code}:\n{bot.logs()[-4000:]}"
    assert "Traceback" not in bot.logs(), bot.logs()[-6000:]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.close()
    assert fake.errors == [], f"Teams would have refused: {fake.errors}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def local() -> AsyncIterator[LocalStripe]:
    async with running_localstripe() as stripe_server:
        yield stripe_server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stripe_events(local: LocalStripe) -> AsyncIterator[StripeEvents]:
    events = StripeEvents()
    await local.register_webhook(await events.start(), WEBHOOK_SECRET, webhook_id="recorder")
    yield events
    await events.close()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    return tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
