"""Per-person rate limits on a running server: Slack and Teams users, and the checkout page's status
poll.

The module runs its replicas with a small bucket (5 requests, then one a second) so the limits show
fast: one SQLite replica (buckets in memory), and two PostgreSQL replicas behind the round-robin
load balancer, whose buckets are shared in the database, so a person gets the burst once, not once
per replica.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from core.pacing import Bucket, Grant, MemoryTokenBuckets, Refused
from tests.faults.cluster import Cluster
from tests.faults.people import JSON, SlackBuyer, place_orders, slack_buyers, teams_buyers
from tests.slack.conftest import sign

pytestmark = pytest.mark.asyncio(loop_scope="module")

SETTINGS = {"RATE_LIMIT_PER_MINUTE": "60", "RATE_LIMIT_BURST": "5"}
BURST = 5
AT_ONCE = BURST + 5  # sent together, so at most one token refills meanwhile (one a second)


async def help_in_slack(
    cluster: Cluster, buyer: SlackBuyer, secret: str | None = None
) -> tuple[int, str, str]:
    body, headers = buyer.command("help")
    if secret is not None:
        headers.update(sign(body.decode(), secret=secret))
    answer = await cluster.post("/slack/events", body, headers)
    text = (
        answer.json().get("text", "")
        if answer.headers.get("Content-Type", "").startswith("application/json")
        else ""
    )
    return answer.status, text, answer.headers.get("Retry-After", "")


async def test_a_teams_user_past_the_burst_gets_429_with_retry_after_and_others_are_not_slowed(
    cluster: Cluster,
) -> None:
    hasty, calm = teams_buyers(cluster, "hasty", 2)
    body = json.dumps(hasty.message("help")).encode()

    answers = await asyncio.gather(
        *(cluster.post("/api/messages", body, JSON) for _ in range(AT_ONCE))
    )
    other = await cluster.post("/api/messages", json.dumps(calm.message("help")).encode(), JSON)

    served = [a for a in answers if a.status in (200, 201)]
    refused = [a for a in answers if a.status == 429]
    assert BURST <= len(served) <= BURST + 1 and len(served) + len(refused) == AT_ONCE
    assert all(int(a.headers["Retry-After"]) >= 1 for a in refused)
    assert other.status in (200, 201)


async def test_a_slack_user_past_the_burst_is_asked_to_slow_down_in_words(cluster: Cluster) -> None:
    (hasty,) = slack_buyers(cluster, "hasty", 1)

    answers = await asyncio.gather(*(help_in_slack(cluster, hasty) for _ in range(AT_ONCE)))

    slowed = [after for _, text, after in answers if "going a bit fast" in text]
    assert [status for status, _, _ in answers] == [200] * AT_ONCE
    assert AT_ONCE - BURST - 1 <= len(slowed) <= AT_ONCE - BURST and all(slowed)


async def test_forged_requests_in_someones_name_do_not_use_up_their_limit(cluster: Cluster) -> None:
    (victim,) = slack_buyers(cluster, "victim", 1)

    forged = [await help_in_slack(cluster, victim, secret="guessed") for _ in range(BURST * 3)]
    genuine = await help_in_slack(cluster, victim)

    assert {status for status, _, _ in forged} == {401}
    assert genuine[0] == 200 and "going a bit fast" not in genuine[1]


async def test_polling_one_checkouts_status_too_fast_gets_429_without_confusing_the_page(
    cluster: Cluster,
) -> None:
    (buyer,) = teams_buyers(cluster, "poller", 1)
    (order,) = (await place_orders(cluster, [buyer])).values()

    status_url = f"/checkout/{order.checkout_token}/status"
    answers = await asyncio.gather(*(cluster.request("GET", status_url) for _ in range(AT_ONCE)))

    refused = [a for a in answers if a.status == 429]
    assert AT_ONCE - BURST - 1 <= len(refused) <= AT_ONCE - BURST
    assert sorted({a.status for a in answers}) == [200, 429]
    assert refused[0].headers["Retry-After"]
    assert "status" not in refused[0].json()  # the page's script just polls again later


async def test_a_bucket_refills_at_its_rate_up_to_its_burst_and_forgets_idle_keys() -> None:
    now = [0.0]
    buckets = MemoryTokenBuckets(clock=lambda: now[0], max_keys=2)

    def bucket(key: str) -> Bucket:
        return Bucket(key, per_second=2, burst=3)

    first = [await buckets.take(bucket("ada")) for _ in range(4)]
    now[0] += 0.5
    refilled = await buckets.take(bucket("ada"))
    await buckets.take(bucket("grace"))
    now[0] += 10
    await buckets.take(bucket("linus"))  # a third key: the idle ones are forgotten

    assert first[:3] == [Grant(0.0)] * 3 and first[3] == Refused(pytest.approx(0.5))
    assert refilled == Grant(0.0)
    assert len(buckets) == 1
