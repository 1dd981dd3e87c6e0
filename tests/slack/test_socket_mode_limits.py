"""Socket Mode requests count against the same per-person buckets as HTTP ones, shared by replicas.

Over Socket Mode nothing passes the HTTP server's rate-limit middleware; a Bolt middleware counts
the requests instead. Here the person's bucket lives in Redis, and another "replica" (a PersonLimits
of its own over its own connection) has already spent part of it on HTTP requests.
"""

from __future__ import annotations

import json
from uuid import uuid4

import pytest

from adapters.redis import RedisTokenBuckets
from adapters.slack import build_slack
from bot.limits import PersonLimits
from tests.fake_slack import FakeSlack, wait_until
from tests.slack.conftest import BOT_TOKEN, FIXTURES, PUBLIC_BASE_URL, SIGNING_SECRET
from tests.slack.test_install_and_socket_mode import checkout

pytestmark = pytest.mark.redis
BURST = 3


def command(fake_slack: FakeSlack, team: str, user: str, n: int) -> dict[str, object]:
    envelope = json.loads(
        (FIXTURES / "payloads" / "socket_mode.slash_commands.envelope.json").read_text()
    )
    envelope["envelope_id"] = f"{user}-{n}"
    envelope["payload"].update(
        team_id=team,
        user_id=user,
        command="/vouchers",
        text="help",
        response_url=fake_slack.response_url(f"socket-{user}-{n}"),
    )
    return envelope


async def test_socket_mode_commands_share_the_persons_bucket_with_http_requests(
    fake_slack: FakeSlack, redis_url: str
) -> None:
    team, hasty, calm = f"T{uuid4().hex[:6].upper()}", "U0HASTY", "U0CALM"
    # a generous timeout: the test is about sharing the bucket, not about a slow Redis under load
    http_replica = RedisTokenBuckets.from_url(redis_url, timeout=10.0)
    socket_replica = RedisTokenBuckets.from_url(redis_url, timeout=10.0)
    over_http = PersonLimits(http_replica, per_second=1 / 60, burst=BURST)
    for _ in range(BURST - 1):  # spent over HTTP, on another replica
        assert await over_http.take(f"slack:{team}:{hasty}") == 0.0
    channel = build_slack(
        checkout(),
        signing_secret=SIGNING_SECRET,
        bot_token=BOT_TOKEN,
        app_token="xapp-1-A0VB-test",
        api_url=fake_slack.api_url,
        public_base_url=PUBLIC_BASE_URL,
    )
    envelopes = [command(fake_slack, team, hasty, n) for n in range(3)]
    envelopes.append(command(fake_slack, team, calm, 0))
    try:
        limits = PersonLimits(socket_replica, per_second=1 / 60, burst=BURST)
        await channel.start_socket_mode(limit=limits.take)
        await wait_until(lambda: fake_slack.socket_clients == 1)
        for sent, envelope in enumerate(envelopes, 1):
            # one at a time: envelopes sent together are handled concurrently, in any order
            await fake_slack.socket_send(envelope)
            await wait_until(lambda sent=sent: len(fake_slack.socket_acks) == sent)
    finally:
        await channel.close()
        await http_replica.close()
        await socket_replica.close()

    acks = {ack["envelope_id"]: ack.get("payload") or {} for ack in fake_slack.socket_acks}
    slowed = [e for e, payload in acks.items() if "going a bit fast" in json.dumps(payload)]
    assert sorted(slowed) == [f"{hasty}-1", f"{hasty}-2"]  # one token was left for the first
    assert "going a bit fast" not in json.dumps(acks[f"{calm}-0"])
    assert all(fake_slack.check_message(p, "socket ack") == [] for p in acks.values() if p)
