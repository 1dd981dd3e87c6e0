"""Fakes served from the orchestrating process on 127.0.0.1 (free ports), stopped together at the
end."""

from __future__ import annotations

from contextlib import AsyncExitStack

from aiohttp import web


async def serve(app: web.Application, stack: AsyncExitStack) -> str:
    """Start `app` on a free loopback port; it is cleaned up when `stack` closes. Returns its base
    URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return f"http://127.0.0.1:{runner.addresses[0][1]}"
