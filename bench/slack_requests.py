"""Signed Slack requests shaped like the ones Slack sends (slash commands and block_actions)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

from bench.loadgen import Call

SIGNING_SECRET = "b3nchb3nchb3nchb3nchb3nchb3nch00"
BOT_TOKEN = "xoxb-voucherbot-bench"
TEAM = "T0BENCH"
CHANNEL = "C0BENCH"
EVENTS_PATH = "/slack/events"
FORM = "application/x-www-form-urlencoded"


def signed(body: str, secret: str = SIGNING_SECRET) -> Call:
    """A POST to /slack/events with the v0 signature Slack computes (valid for five minutes)."""
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = (
        ("Content-Type", FORM),
        ("X-Slack-Request-Timestamp", ts),
        ("X-Slack-Signature", f"v0={digest}"),
    )
    return Call(EVENTS_PATH, body.encode(), headers)


def slash_command(text: str, *, user: str, response_url: str, trigger: str = "1.1.bench") -> Call:
    fields = {
        "token": "legacy",
        "team_id": TEAM,
        "team_domain": "bench",
        "channel_id": CHANNEL,
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/vouchers",
        "text": text,
        "api_app_id": "A0BENCH",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger,
    }
    return signed(urlencode(fields))


def block_action(action: dict[str, Any], *, user: str, response_url: str, message_ts: str) -> Call:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0BENCH",
        "token": "legacy",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": CHANNEL,
            "is_ephemeral": True,
        },
        "trigger_id": f"{message_ts}.trigger",
        "team": {"id": TEAM, "domain": "bench"},
        "channel": {"id": CHANNEL, "name": "general"},
        "response_url": response_url,
        "actions": [{"block_id": "b", "action_ts": message_ts, **action}],
    }
    return signed(urlencode({"payload": json.dumps(payload)}))


def choose(product_id: str, **where: Any) -> Call:
    """A press on a catalog card's Choose button (the adapter answers with the product card)."""
    value = json.dumps({"id": product_id, "q": {}}, separators=(",", ":"))
    return block_action(_button("vb_choose:0", value, "Choose"), **where)


def denomination(product_id: str, minor: int, **where: Any) -> Call:
    """A press on a denomination button (the adapter places the order)."""
    return block_action(_button("vb_denomination:0", f"{minor}|{product_id}", "Buy"), **where)


def _button(action_id: str, value: str, text: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "value": value,
        "text": {"type": "plain_text", "text": text},
    }
