"""Runs the server: bind, start the workers, wait for a signal, drain and shut down."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal

from aiohttp import web

from bot.app import create_app
from bot.bootstrap import build_services
from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    if (
        settings.emulator_exposed
    ):  # `voucherbot serve` says so before logging starts; this guards the rest
        raise SettingsError(settings.emulator_exposed)
    services = await build_services(settings)
    runner = web.AppRunner(create_app(services), access_log=None, shutdown_timeout=10)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    port = runner.addresses[0][1]
    stop = stop or _stop_on_signals()
    try:
        await services.start(port)
        # What startup built (catalog, Bolt, SQLAlchemy's mappers, Babel's data) lives as long as
        # the process: out of the collector's way, so its full passes under load stop walking all
        # of it again (they cost a Slack interaction about a tenth of its CPU).
        gc.collect()
        gc.freeze()
        log.info(
            "voucherbot is listening",
            extra={
                "url": f"http://{settings.host}:{port}",
                "public_base_url": settings.public_base_url,
                "test_mode": services.test_mode,
            },
        )
        print(f"voucherbot listening on http://{settings.host}:{port} (PORT={port})", flush=True)
        await stop.wait()
        log.info("shutting down: draining the outbox")
    finally:
        await runner.shutdown()
        await services.stop()
        await runner.cleanup()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
