"""respond() over the shared connections: what slack_sdk's webhook client would post, tried once
more after a dropped connection."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.http import SharedRespond, SharedSessions

CARD = {
    "text": "Lantern Tea House: Lantern Tea e-voucher",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Lantern Tea House*"}}],
    "response_type": "ephemeral",
    "replace_original": True,
}


class Hook:
    """A response_url that records what reaches it; it can drop the first connections."""

    def __init__(self, drop: int = 0) -> None:
        self.drop = drop
        self.received: list[tuple[bytes, dict[str, str]]] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.drop:
            self.drop -= 1
            assert request.transport is not None
            request.transport.close()  # the client sees the server disconnect
            return web.Response()
        self.received.append((await request.read(), dict(request.headers)))
        return web.Response(text="ok")


async def serving(hook: Hook) -> TestServer:
    app = web.Application()
    app.router.add_post("/hooks/{name}", hook.handle)
    server = TestServer(app)
    await server.start_server()
    return server


def wire(received: tuple[bytes, dict[str, str]]) -> tuple[bytes, dict[str, Any]]:
    body, headers = received
    return body, {k: headers[k] for k in ("Content-Type", "User-Agent")}


async def test_respond_posts_what_slack_sdks_webhook_client_posts() -> None:
    hook = Hook()
    server = await serving(hook)
    sessions = SharedSessions()
    url = str(server.make_url("/hooks/card"))
    try:
        ours = await SharedRespond(url, sessions, 10.0)(**CARD)
        theirs = await AsyncWebhookClient(url).send_dict(
            {**CARD, "unfurl_links": None, "thread_ts": None}
        )
    finally:
        await sessions.close()
        await server.close()

    assert (ours.status_code, ours.body) == (theirs.status_code, theirs.body) == (200, "ok")
    assert wire(hook.received[0]) == wire(hook.received[1])


async def test_respond_tries_once_more_after_a_dropped_connection() -> None:
    hook = Hook(drop=1)
    server = await serving(hook)
    sessions = SharedSessions()
    try:
        answer = await SharedRespond(str(server.make_url("/hooks/retry")), sessions, 10.0)(**CARD)
    finally:
        await sessions.close()
        await server.close()

    assert answer.status_code == 200 and len(hook.received) == 1
