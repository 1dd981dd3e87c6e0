"""What the approvals end-to-end tests share: the CLI against the server's own data, and its
approvals."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from adapters.db import Database, VoucherCipher
from core.approval_requests import Approval
from tests.e2e.bot_process import ROOT, BotProcess


async def cli(bot: BotProcess, *args: str) -> str:
    """`voucherbot ARGS` with the server's settings (its data directory); the output, or
    AssertionError."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=str(bot.data_dir),
        env={**bot.env, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, f"voucherbot {' '.join(args)} failed: {err.decode()}"
    return out.decode()


class Approvals:
    """The server's approvals, read from its SQLite file."""

    def __init__(self, data_dir: Path) -> None:
        key = (data_dir / "voucher.key").read_bytes().strip()
        self._db = Database(f"sqlite+aiosqlite:///{data_dir / 'voucherbot.db'}", VoucherCipher(key))

    async def all(self) -> list[Approval]:
        async with self._db.unit_of_work() as uow:
            return list(await uow.approvals.list())

    async def close(self) -> None:
        await self._db.dispose()
