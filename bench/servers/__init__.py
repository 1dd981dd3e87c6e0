"""Baseline servers, each run as its own process: `python -m bench.servers.<name>`; prints its
port."""

from __future__ import annotations

import asyncio
import signal

from aiohttp import web

READY = "listening on port"


async def serve_until_stopped(app: web.Application) -> None:
    """Bind 127.0.0.1 on a free port, tell the parent which (stdout), and run until SIGTERM or
    SIGINT."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"{READY} {runner.addresses[0][1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
