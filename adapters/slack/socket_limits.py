"""Per-person limits in Socket Mode, whose requests come over a WebSocket, not the HTTP middleware.

Over HTTP the server's rate-limit middleware counts each slash command and interaction before Bolt
sees it. Over Socket Mode nothing passes through the HTTP server, so this Bolt middleware counts the
same requests against the same buckets (`slack:<team>:<user>`, shared by every replica) and answers
a refusal in a way Slack shows: a slash command gets the slow-down text; an interaction is
acknowledged without effect (an unacknowledged envelope makes Slack show an error and retry).
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

Limit = Callable[[str], Awaitable[float]]  # bucket key -> 0.0 (go) or seconds until a token
Next = Callable[[], Awaitable[BoltResponse]]
SLOW_DOWN = "You're going a bit fast. Please try again in {seconds} s."


def socket_mode_limit(
    limit: Limit, slow_down: str = SLOW_DOWN
) -> Callable[..., Awaitable[BoltResponse]]:
    """A Bolt middleware limiting Socket Mode requests only (HTTP ones are counted before Bolt)."""

    async def limit_socket_mode(
        req: AsyncBoltRequest, resp: BoltResponse, next: Next
    ) -> BoltResponse:
        key = _key(req)
        if key is None:
            return await next()
        wait = await limit(key)
        if wait <= 0:
            return await next()
        if "command" in req.body:
            text = slow_down.format(seconds=max(1, math.ceil(wait)))
            body = json.dumps({"response_type": "ephemeral", "text": text})
            return BoltResponse(status=200, body=body, headers={"content-type": "application/json"})
        return BoltResponse(status=200, body="")

    return limit_socket_mode


def _key(req: AsyncBoltRequest) -> str | None:
    """Slash commands and interactions by team and user, as over HTTP; not Events API callbacks."""
    if req.mode != "socket_mode" or req.body.get("type") == "event_callback":
        return None
    user = req.context.user_id
    return f"slack:{req.context.team_id or ''}:{user}" if user else None
