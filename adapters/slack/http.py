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
import json
from functools import lru_cache
from typing import Any

import aiohttp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.http_retry.handler import default_interval_calculator
from slack_sdk.proxy_env_variable_loader import load_http_proxy_from_env
from slack_sdk.web.internal_utils import get_user_agent
from slack_sdk.webhook.async_client import WebhookResponse

CONNECTIONS = 100  # aiohttp's default cap; per host it is unlimited, as with a session per call
# slack_sdk's default for response_url posts: one more try after a connection error (a kept-alive
# connection the other side had closed, among others)
RETRIES = 1
RETRIED = (aiohttp.ServerConnectionError, aiohttp.ClientOSError)


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
    session instead of a new one per call.

    It posts what slack_sdk's `AsyncWebhookClient.send_dict` posts (the message without its None
    fields, as JSON, with slack_sdk's User-Agent, a proxy from the environment when none is given)
    and, like its default retry handler, tries once more after a connection error. That client,
    built for every press, read the platform, the environment and every block again each time:
    about a tenth of a Choose press's CPU."""

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
        body = json.dumps({k: v for k, v in message.items() if v is not None})
        return await self._post(body)

    async def _post(self, body: str) -> WebhookResponse:
        url = str(self.response_url)
        proxy = self.proxy or load_http_proxy_from_env()
        ssl = self.ssl if self.ssl is not None else True  # aiohttp's default: verify
        session = self._sessions.session(self._timeout)
        for attempt in range(RETRIES + 1):
            try:
                async with session.post(
                    url, data=body, headers=_headers(), ssl=ssl, proxy=proxy
                ) as answer:
                    text = await answer.text()
                    return WebhookResponse(
                        url=url,
                        status_code=answer.status,
                        body=text,
                        headers=answer.headers,  # type: ignore[arg-type]  # as slack_sdk does
                    )
            except RETRIED:
                if attempt == RETRIES:
                    raise
                await asyncio.sleep(default_interval_calculator.calculate_sleep_duration(attempt))
        raise AssertionError("unreachable")


@lru_cache(maxsize=1)
def _user_agent() -> str:
    return get_user_agent()


def _headers() -> dict[str, str]:
    return {"Content-Type": "application/json;charset=utf-8", "User-Agent": _user_agent()}
