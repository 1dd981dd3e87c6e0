"""One pool of HTTP connections per process for everything the Slack adapter sends.

slack_sdk opens a new `aiohttp.ClientSession` (a new TCP and TLS connection) for every call made by
a client that has none: every response_url post of Bolt's `respond()` and every Web API call of the
outbox sender. `SharedSessions` keeps one connector (its keep-alive connections) for the whole
process and hands out sessions over it, one per timeout, since slack_sdk sets its timeout on the
session. Sessions belong to an event loop: they are made on first use inside the running loop, and
made again if the loop changed (tests run one loop each); `close()` ends them on shutdown.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.webhook.async_client import AsyncWebhookClient, WebhookResponse

CONNECTIONS = 100  # aiohttp's default cap; per host it is unlimited, as with a session per call


class SharedSessions:
    def __init__(self) -> None:
        self._connector: aiohttp.TCPConnector | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sessions: dict[float, aiohttp.ClientSession] = {}

    def session(self, timeout: float) -> aiohttp.ClientSession:
        """The shared session whose requests time out after `timeout` seconds (call it in the
        loop)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._connector is None or self._connector.closed:
            self._sessions = {}
            self._connector = aiohttp.TCPConnector(limit=CONNECTIONS)
            self._loop = loop
        found = self._sessions.get(timeout)
        if found is None or found.closed:
            found = aiohttp.ClientSession(
                connector=self._connector,
                connector_owner=False,
                timeout=aiohttp.ClientTimeout(total=timeout),
            )
            self._sessions[timeout] = found
        return found

    async def close(self) -> None:
        sessions, connector = list(self._sessions.values()), self._connector
        self._sessions, self._connector, self._loop = {}, None, None
        for session in sessions:
            await session.close()
        if connector is not None:
            await connector.close()


class SharedRespond(AsyncRespond):
    """Bolt's `respond()` (the same message, built by Bolt's own helper) posted through a shared
    session instead of a new one per call."""

    def __init__(self, response_url: str, sessions: SharedSessions, timeout: float, **kw: Any):
        super().__init__(response_url=response_url, **kw)
        self._sessions = sessions
        self._timeout = timeout

    async def __call__(self, text: str | dict[str, Any] = "", **fields: Any) -> WebhookResponse:  # type: ignore[override]
        message = (
            _build_message(**text)
            if isinstance(text, dict)
            else _build_message(text=text, **fields)
        )
        client = AsyncWebhookClient(
            url=str(self.response_url),
            proxy=self.proxy,
            ssl=self.ssl,
            session=self._sessions.session(self._timeout),
        )
        return await client.send_dict(message)
