"""The HR API alone, in a process of its own, for the scale run's reward event.

`python -m bench.hr_front --teams-service-url URL` serves the product's HR API (`bot.rewards`'
`HrApi`, built by `build_rewards` from the settings in the environment, exactly as `voucherbot
serve` builds it) on 127.0.0.1, without the outbox worker: the rewards HR sends are written as the
bot writes them, and the replicas started afterwards deliver them, so the delivery is timed on its
own. Before listening it records the Teams tenant's Connector URL, as the bot does on the first
activity it gets from a tenant (adapters/teams/tenants.RememberTenants).
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from aiohttp import web

from bench.reward_event import BOT_ACCOUNT, TENANT
from bot.build.channels import PLATFORMS
from bot.build.storage import open_database
from bot.rewards import build_rewards
from bot.settings import load_settings
from core.identity import TenantEndpoint


async def main(service_url: str) -> None:
    settings = load_settings()
    database = await open_database(settings)
    rewards = build_rewards(settings, database, platforms=PLATFORMS)
    await database.teams_tenants().remember(
        TenantEndpoint(TENANT, service_url, BOT_ACCOUNT, "voucherbot")
    )
    app = web.Application(client_max_size=1024 * 1024)
    rewards.hr_api.mount(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"listening on port {runner.addresses[0][1]}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await database.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teams-service-url", required=True)
    asyncio.run(main(parser.parse_args().teams_service_url))
