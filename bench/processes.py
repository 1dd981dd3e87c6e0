"""Server processes under test: the real `voucherbot serve` and the baselines, each pinned to the
server core."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.measure import SERVER_CORE, cpu_seconds, pinning_possible

ROOT = Path(__file__).resolve().parents[1]
PORT_LINE = re.compile(rb"(?:listening on port |\(PORT=)(\d+)")
START_TIMEOUT = 60.0


@dataclass
class Server:
    """A running server process: where it listens and how much CPU it has used."""

    name: str
    process: asyncio.subprocess.Process
    url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def start(
    name: str,
    args: list[str],
    workdir: Path,
    env: dict[str, str] | None = None,
    *,
    pinned: bool = True,
) -> Server:
    """Run `python <args>` in `workdir` with a clean environment plus `env`; wait for its port
    line. `pinned`: on the server core (else wherever the system puts it)."""
    log_path = workdir / f"{name}.log"
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(workdir)),
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            cwd=str(workdir),
            env=environment,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
            preexec_fn=_on_server_core if pinned else _on_any_core,
        )
    server = Server(name, process, "", log_path)
    try:
        port = await asyncio.wait_for(_port(process), START_TIMEOUT)
    except (TimeoutError, RuntimeError) as exc:
        await server.stop()
        raise RuntimeError(f"{name} did not start:\n{server.logs()[-3000:]}") from exc
    server.url = f"http://127.0.0.1:{port}"
    return server


def _on_server_core() -> None:
    if pinning_possible():
        os.sched_setaffinity(0, {SERVER_CORE})


def _on_any_core() -> None:
    # The orchestrator is pinned to the client core, and a child inherits its affinity.
    if pinning_possible():
        os.sched_setaffinity(0, range(os.cpu_count() or 1))


_DRAINING: set[asyncio.Future[None]] = set()  # kept until the process's output ends


async def _port(process: asyncio.subprocess.Process) -> int:
    assert process.stdout is not None
    while line := await process.stdout.readline():
        found = PORT_LINE.search(line)
        if found:
            drain = asyncio.ensure_future(_drain(process.stdout))
            _DRAINING.add(drain)
            drain.add_done_callback(_DRAINING.discard)
            return int(found.group(1))
    raise RuntimeError("the server exited before listening")


async def _drain(stream: asyncio.StreamReader) -> None:
    # Keep reading so a chatty server never blocks on a full pipe.
    while await stream.read(65536):
        pass


async def run_to_end(name: str, args: list[str], workdir: Path, timeout: float) -> str:
    """Run `python <args>` on the server core until it exits; its stdout (an error if it failed)."""
    log_path = workdir / f"{name}.log"
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            cwd=str(workdir),
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
            preexec_fn=_on_server_core,
        )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{log_path.read_text(errors='replace')[-3000:]}")
    return out.decode()
