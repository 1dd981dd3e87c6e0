"""The Slack baseline: a bare Bolt AsyncApp that only acks, mounted in aiohttp the way the adapter
is.

Same Bolt settings as adapters/slack/app.py (`process_before_response=True`, a client with a bot
token, so Bolt's single-team authorization calls auth.test once), and the same aiohttp conversions.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bench.servers import serve_until_stopped
from bench.slack_requests import BOT_TOKEN, EVENTS_PATH, SIGNING_SECRET


def bare_app(api_url: str) -> web.Application:
    bolt = AsyncApp(
        signing_secret=SIGNING_SECRET,
        client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url),
        process_before_response=True,
        logger=logging.getLogger("bench.bare_bolt"),
    )

    async def just_ack(ack: Any) -> None:
        await ack()

    bolt.command("/vouchers")(just_ack)
    bolt.action(re.compile(".*"))(just_ack)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post(EVENTS_PATH, events)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api-url", required=True, help="the fake Slack Web API, ending in /api/")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve_until_stopped(bare_app(args.api_url)))


if __name__ == "__main__":
    main()
