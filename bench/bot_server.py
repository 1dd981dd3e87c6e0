"""The bot under test: the real `voucherbot serve` process, configured through its environment
only."""

from __future__ import annotations

import secrets
from pathlib import Path

from adapters.db.crypto import VoucherCipher
from bench.processes import Server, start
from bench.profiles import wrapped
from bench.slack_requests import BOT_TOKEN, SIGNING_SECRET

PUBLIC_BASE_URL = "https://vouchers.bench.example"


def webhook_secret() -> str:
    return "whsec_" + secrets.token_hex(16)


async def start_bot(
    name: str,
    workdir: Path,
    *,
    database_url: str,
    slack_api_url: str,
    stripe_api_base: str,
    stripe_webhook_secret: str,
    catalog_file: Path | None = None,
    profile_dir: Path | None = None,
) -> Server:
    """Slack (single workspace), Teams (Emulator mode) and Stripe pointed at the given fakes; under
    `bench.profiled` when `profile_dir` is given (see bench/profiles.py)."""
    data_dir = workdir / name
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "HOST": "127.0.0.1",
        "PORT": "0",
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
        "VOUCHER_ENCRYPTION_KEY": VoucherCipher.generate_key().decode(),
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack_api_url,
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_bench",
        "STRIPE_WEBHOOK_SECRET": stripe_webhook_secret,
        "STRIPE_API_BASE": stripe_api_base,
        **({"CATALOG_FILE": str(catalog_file)} if catalog_file else {}),
    }
    return await start(name, wrapped(["-m", "bot.cli", "serve"], profile_dir, name), data_dir, env)
