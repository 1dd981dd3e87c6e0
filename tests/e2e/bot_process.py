"""Runs `voucherbot serve` as a real child process, for end-to-end and restart tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MovedClock:
    """The server's clock, run ahead by the seconds written in its TEST_CLOCK_FILE."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def ahead_by(self, seconds: float) -> None:
        self._path.write_text(str(seconds))

    def at(self, when: datetime, plus_seconds: float = 0) -> None:
        """From now on the server reads `when` (plus some seconds) as the present."""
        self.ahead_by((when - datetime.now(UTC)).total_seconds() + plus_seconds)


class BotProcess:
    """One server process; `env` is added to a clean environment (no .env file is read)."""

    def __init__(
        self, data_dir: Path, env: dict[str, str] | None = None, port: int | None = None
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", str(data_dir)),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "PUBLIC_BASE_URL": self.url,
            "DATA_DIR": str(data_dir),
            "LOG_LEVEL": "INFO",
            **(env or {}),
        }
        self.log_path = data_dir / f"bot-{self.port}.log"
        self._process: asyncio.subprocess.Process | None = None

    @contextmanager
    def moved_clock(self) -> Iterator[MovedClock]:
        """Move the server's clock (its TEST_CLOCK_FILE is `data_dir / "clock"`), and back after."""
        clock = MovedClock(self.data_dir / "clock")
        try:
            yield clock
        finally:
            clock.ahead_by(0)

    async def start(self, timeout: float = 30) -> BotProcess:
        with self.log_path.open("ab") as log:  # the child writes to its own copy of the descriptor
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                cwd=str(self.data_dir),
                env={**self.env, "PYTHONPATH": str(ROOT)},
                stdout=log,
                stderr=log,
            )
        await self._wait_healthy(timeout)
        return self

    async def _wait_healthy(self, timeout: float) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as session:
            while asyncio.get_running_loop().time() < deadline:
                assert self._process is not None
                if self._process.returncode is not None:
                    raise RuntimeError(f"voucherbot exited early:\n{self.logs()[-4000:]}")
                try:
                    async with session.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise TimeoutError(f"voucherbot did not become healthy:\n{self.logs()[-4000:]}")

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def stop(self) -> int:
        """Graceful: SIGTERM, which drains the outbox."""
        return await self._signal(signal.SIGTERM)

    async def kill(self) -> int:
        """A crash: SIGKILL, no clean-up at all."""
        return await self._signal(signal.SIGKILL)

    async def _signal(self, sig: signal.Signals) -> int:
        if self._process is None:
            return 0
        if self._process.returncode is not None:
            return self._process.returncode
        self._process.send_signal(sig)
        return await asyncio.wait_for(self._process.wait(), 30)
