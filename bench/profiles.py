"""`--profile DIR`: a cProfile of the bot process for each measured step, and its top entries as
text.

The bot then runs under `bench.profiled` (see there); `async with profiling(bench, server, name)`
around a step writes `DIR/<name>.prof` and `DIR/<name>.txt` (the top functions by own time and by
cumulative time). Profiling slows the bot down: the figures of a `--profile` run are not the
benchmark's.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from bench.processes import Server

TOP = 25
WRITE_TIMEOUT = 60.0


def wrapped(args: list[str], profile_dir: Path | None, name: str) -> list[str]:
    """`python -m MODULE …` as `python -m bench.profiled DIR/name MODULE …` when profiling."""
    if profile_dir is None:
        return args
    assert args[0] == "-m"
    return ["-m", "bench.profiled", str(profile_dir / name), *args[1:]]


@asynccontextmanager
async def profiling(profile_dir: Path | None, server: Server, step: str) -> AsyncIterator[None]:
    if profile_dir is None:
        yield
        return
    out = (
        profile_dir / server.name
    )  # bench.profiled writes n.prof there; each is moved away at once
    server.process.send_signal(signal.SIGUSR1)
    await asyncio.sleep(0.05)
    try:
        yield
    finally:
        server.process.send_signal(signal.SIGUSR2)
        for _ in range(int(WRITE_TIMEOUT / 0.05)):
            if written := list(out.glob("[0-9]*.prof")):
                break
            await asyncio.sleep(0.05)
        path = written[0]
        target = profile_dir / f"{server.name}--{_slug(step)}"
        path.rename(target.with_suffix(".prof"))
        target.with_suffix(".txt").write_text(summary(target.with_suffix(".prof"), step))


@contextmanager
def in_process(profile_dir: Path | None, step: str, prefix: str = "catalog") -> Any:
    """Profile a block in this process (the catalog search in the load generator's, the relay in the
    fan-out worker)."""
    if profile_dir is None:
        yield
        return
    profile = cProfile.Profile(time.thread_time)  # CPU time, as in bench.profiled
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        target = profile_dir / f"{prefix}--{_slug(step)}"
        profile_dir.mkdir(parents=True, exist_ok=True)
        profile.dump_stats(target.with_suffix(".prof"))
        target.with_suffix(".txt").write_text(summary(target.with_suffix(".prof"), step))


def summary(path: Path, title: str, top: int = TOP) -> str:
    text = io.StringIO()
    stats = pstats.Stats(str(path), stream=text)
    stats.strip_dirs()
    text.write(f"# {title}\n\n## by own time\n")
    stats.sort_stats("tottime").print_stats(top)
    text.write("\n## by cumulative time\n")
    stats.sort_stats("cumulative").print_stats(top)
    return text.getvalue()


def _slug(step: str) -> str:
    """`slash command `/vouchers tea` (search, …) c16` -> `slash-command-vouchers-tea-c16`."""
    name, _, rest = step.partition(" (")
    suffix = rest.rpartition(") ")[2] if rest else ""
    words = "".join(c if c.isalnum() else " " for c in f"{name} {suffix}").split()
    return "-".join(words)[:60]
