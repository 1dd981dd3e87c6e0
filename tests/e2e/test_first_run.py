"""The README's first run: `cp .env.example .env && ./dev run`, and `pip install . && voucherbot
serve`."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.bot_process import ROOT, BotProcess
from tests.e2e.conftest import stop_bot

pytestmark = pytest.mark.asyncio(loop_scope="module")

# `voucherbot serve` as installed without the testpay extra: localstripe cannot be imported.
WITHOUT_LOCALSTRIPE = "import sys; sys.modules['localstripe'] = None; from bot.cli import main; sys.exit(main(['serve']))"


async def test_a_copied_env_example_starts_the_bot_and_links_follow_the_port(
    tmp_path: Path,
) -> None:
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    bot = BotProcess(tmp_path)
    for name in ("PUBLIC_BASE_URL", "DATA_DIR", "LOG_LEVEL", "HOST"):
        bot.env.pop(name)  # from .env, as a new user has them; PORT stays, to a free one

    await bot.start()
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/healthz") as response:
            health = await response.json()
    finally:
        await stop_bot(bot)

    assert health["status"] == "ok" and health["test_mode"] is True
    assert f'"public_base_url": "http://localhost:{bot.port}"' in bot.logs()
    assert (tmp_path / "var" / "voucher.key").stat().st_size == 44


async def test_serve_without_stripe_keys_or_test_payments_says_what_to_do_and_creates_nothing(
    tmp_path: Path,
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WITHOUT_LOCALSTRIPE,
        cwd=str(tmp_path),
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)

    lines = err.decode().strip().splitlines()
    assert process.returncode == 2 and out == b""
    assert len(lines) == 1 and "STRIPE_SECRET_KEY" in lines[0] and "voucherbot[testpay]" in lines[0]
    assert list(tmp_path.iterdir()) == []
