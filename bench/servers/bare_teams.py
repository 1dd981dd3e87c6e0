"""The Teams baseline: a bare CloudAdapter echo bot in Emulator mode, with the stock SDK (no
speed-ups).

It answers every message activity (typed text or a card's Action.Submit) with one text reply through
the Connector at the activity's serviceUrl, the least a bot can do with a turn.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bench.servers import serve_until_stopped


class EmulatorCredentials:
    """No app id and no password: the SDK's Emulator mode (no JWT checks)."""

    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        said = turn_context.activity.text or "a card"
        await turn_context.send_activity(MessageFactory.text(f"You said {said}"))


def bare_app() -> web.Application:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(EmulatorCredentials()))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve_until_stopped(bare_app()))


if __name__ == "__main__":
    main()
