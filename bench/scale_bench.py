"""Benchmark `--only scale`: one reward event to N people (two thirds on Slack, a third on Teams)
sent by HR through the API and delivered by two `voucherbot serve` replicas on one PostgreSQL.

HR's requests (bench/reward_event.py) go to the product's HR API, served alone on the same database
(bench/hr_front.py); then the replicas start, and their outbox relays send each REWARD_NOTICE
through the rate-limited fake Slack (bench/fake_slack.py) or the fake Bot Connector
(bench/fake_connector.py), pacing with buckets shared in Redis. Both fakes' limits are Slack's and
Teams' scaled together (`--scale-rate` for their 50/s), so the run takes minutes: its time should
be recipients ÷ limit, the replicas' memory flat, nothing lost or sent twice, the ledger balanced.
Never part of the default run.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

from adapters.db.crypto import VoucherCipher
from bench import databases, reward_event
from bench.context import Bench
from bench.fake_connector import ConnectorLimits, FastFakeConnector
from bench.fake_slack import FastFakeSlack, Limits
from bench.local import serve
from bench.measure import rss_bytes
from bench.processes import Server, start
from bench.replicas_bench import base_environment, replica
from bench.report import Section, Table, Verdict
from bench.reward_event import Ledger, Sending

REDIS_URL = "redis://127.0.0.1:6379/0"
# A third on Teams: its limit in notices is half Slack's (two requests each), so both platforms
# finish together and the pair sends at both limits at once all along.
TEAMS_SHARE = 1 / 3
REQUESTS_PER_TEAMS_NOTICE = 2  # the 1:1 chat is created, then the card sent: both count
STALL_SECONDS = 90.0
TIME_TARGET = 0.05  # within 5% of recipients ÷ limit


@dataclass
class Platform:
    """One platform's side of the run: what the fake accepted, and the best time its limit
    allows."""

    name: str
    per_second: float  # notices a second the fake's limit lets through
    burst: float
    posted: dict[str, int] = field(default_factory=dict)  # reward id -> times accepted
    times: list[float] = field(default_factory=list)
    throttled: int = 0
    rewards: set[str] = field(default_factory=set)

    @property
    def lost(self) -> int:
        return len(self.rewards - set(self.posted))

    @property
    def duplicated(self) -> int:
        return sum(n - 1 for n in self.posted.values())

    @property
    def best_seconds(self) -> float:
        return max(0.0, len(self.rewards) - self.burst) / self.per_second

    @property
    def seconds(self) -> float:
        return self.times[-1] - self.times[0] if len(self.times) > 1 else 0.0


@dataclass
class ScaleRun:
    recipients: int
    rate: float
    platforms: list[Platform] = field(default_factory=list)
    sending: Sending = field(default_factory=Sending)
    ledger: Ledger | None = None
    rss: list[list[tuple[float, int]]] = field(default_factory=list)  # (time, bytes) per replica
    cpu: list[float] = field(default_factory=list)  # CPU seconds per replica over the run

    @property
    def first(self) -> float:
        return min((p.times[0] for p in self.platforms if p.times), default=0.0)

    @property
    def last(self) -> float:
        return max((p.times[-1] for p in self.platforms if p.times), default=0.0)

    @property
    def seconds(self) -> float:
        return self.last - self.first

    @property
    def best_seconds(self) -> float:
        return max(p.best_seconds for p in self.platforms)


async def run(bench: Bench, recipients: int, rate: float) -> Section:
    return _section(await measure(bench, recipients, rate))


async def measure(bench: Bench, recipients: int, rate: float) -> ScaleRun:
    result = ScaleRun(recipients, rate)
    key = VoucherCipher.generate_key().decode()
    slack = FastFakeSlack(Limits(1.0, 3.0, rate, 10.0))
    connector = FastFakeConnector(ConnectorLimits(per_tenant=rate, tenant_burst=10.0))
    async with AsyncExitStack() as stack:
        url = await stack.enter_async_context(databases.postgres(bench.postgres_url))
        slack_url = await serve(slack.app(), stack)
        connector_url = await serve(connector.app(), stack)
        env = _environment(url, key, f"{slack_url}/api/", rate)
        budget = recipients * reward_event.AMOUNT_MINOR
        operator = {**base_environment(bench.workdir), **env}
        api_key = await reward_event.set_up(operator, bench.workdir, budget)
        await _reward_event(bench, operator, connector_url, api_key, result)
        # Both cores: the run is about the pair's sustained rate, not one core's share.
        replicas = [await replica(f"scale-{n}", bench, env, pinned=False) for n in range(2)]
        try:
            cpu = [r.cpu() for r in replicas]
            result.rss = [[] for _ in replicas]
            await _watch(slack, connector, replicas, result)
            result.cpu = [r.cpu() - c for r, c in zip(replicas, cpu, strict=True)]
        finally:
            for server in replicas:
                await server.stop()
        result.ledger = await reward_event.read_ledger(url)
    result.platforms = _platforms(result, slack, connector)
    return result


def _environment(url: str, key: str, slack_api_url: str, rate: float) -> dict[str, str]:
    teams_notices = rate / REQUESTS_PER_TEAMS_NOTICE
    return {
        "DATABASE_URL": url,
        "VOUCHER_ENCRYPTION_KEY": key,
        "SLACK_API_URL": slack_api_url,
        "REDIS_URL": REDIS_URL,
        # Each replica paces to the limits the fakes enforce (Slack's and Teams', scaled).
        "SLACK_PACE_WORKSPACE_PER_SECOND": str(rate),
        "SLACK_PACE_WORKSPACE_BURST": "10",
        "SLACK_PACE_CHANNEL_PER_SECOND": "1",
        "SLACK_PACE_CHANNEL_BURST": "3",
        # The tenant limit counts requests and a notice is two; the pace counts notices.
        "TEAMS_PACE_TENANT_PER_SECOND": f"{teams_notices:g}",
        "TEAMS_PACE_TENANT_BURST": str(int(10 / REQUESTS_PER_TEAMS_NOTICE)),
        "TEAMS_PACE_CONVERSATION_PER_SECOND": "7",
        "TEAMS_PACE_CONVERSATION_BURST": "7",
    }


async def _reward_event(
    bench: Bench, env: dict[str, str], connector_url: str, api_key: str, result: ScaleRun
) -> None:
    """HR sends the rewards through the HR API, served alone (bench/hr_front.py)."""
    args = ["-m", "bench.hr_front", "--teams-service-url", connector_url]
    front = await start("hr-front", args, bench.workdir, env)
    try:
        people = reward_event.recipients(result.recipients, TEAMS_SHARE)
        await reward_event.send_event([front.url], api_key, people, result.sending)
    finally:
        await front.stop()
    if result.sending.failures:
        raise RuntimeError(f"HR requests refused: {result.sending.failures[:3]}")


async def _watch(
    slack: FastFakeSlack, connector: FastFakeConnector, replicas: list[Server], result: ScaleRun
) -> None:
    last, progress_at = -1, time.monotonic()
    while True:
        now = time.monotonic()
        for samples, server in zip(result.rss, replicas, strict=True):
            samples.append((now, rss_bytes(server.pid)))
        delivered = len(slack.counts.posted_rewards) + len(connector.counts.posted_rewards)
        if delivered >= result.sending.sent:
            await asyncio.sleep(3.0)  # anything sent twice would arrive now
            return
        if delivered != last:
            last, progress_at = delivered, now
        elif now - progress_at > STALL_SECONDS:
            return
        await asyncio.sleep(1.0)


def _platforms(
    result: ScaleRun, slack: FastFakeSlack, connector: FastFakeConnector
) -> list[Platform]:
    ids = result.ledger.reward_ids if result.ledger else {}
    teams_rate = result.rate / REQUESTS_PER_TEAMS_NOTICE
    return [
        Platform(
            "Slack",
            result.rate,
            10.0,
            dict(slack.counts.posted_rewards),
            slack.counts.post_times,
            sum(slack.counts.throttled.values()),
            ids.get("slack", set()),
        ),
        Platform(
            "Teams",
            teams_rate,
            10.0 / REQUESTS_PER_TEAMS_NOTICE,
            dict(connector.counts.posted_rewards),
            connector.counts.post_times,
            sum(connector.counts.throttled.values()),
            ids.get("teams", set()),
        ),
    ]


def _slope_mb_per_minute(samples: list[tuple[float, int]]) -> float:
    """Least-squares slope of RSS over time (from the second minute, after warm-up)."""
    if len(samples) < 3:
        return 0.0
    start = samples[0][0] + 60.0
    kept = [s for s in samples if s[0] >= start] or samples
    n = len(kept)
    mean_t = sum(t for t, _ in kept) / n
    mean_r = sum(r for _, r in kept) / n
    var = sum((t - mean_t) ** 2 for t, _ in kept)
    cov = sum((t - mean_t) * (r - mean_r) for t, r in kept)
    return cov / var * 60 / 1e6 if var else 0.0


def _section(r: ScaleRun) -> Section:
    ledger = r.ledger
    assert ledger is not None
    delivery = Table(
        (
            "platform",
            "rewards",
            "delivered",
            "lost",
            "duplicated",
            "429s answered",
            "seconds",
            "notices/s",
            "limit (notices/s)",
            "best possible s",
            "of the limit",
        ),
        [
            (
                p.name,
                f"{len(p.rewards):,}",
                f"{len(p.posted):,}",
                str(p.lost),
                str(p.duplicated),
                str(p.throttled),
                f"{p.seconds:.1f}",
                f"{len(p.posted) / p.seconds:.1f}" if p.seconds else "–",
                f"{p.per_second:g}",
                f"{p.best_seconds:.1f}",
                f"{p.best_seconds / p.seconds * 100:.1f}%" if p.seconds else "–",
            )
            for p in r.platforms
        ],
    )
    memory = Table(
        (
            "replica",
            "RSS first MB",
            "RSS last MB",
            "RSS max MB",
            "slope MB/min",
            "CPU s",
            "samples",
        ),
        [
            (
                f"replica {n}",
                f"{s[0][1] / 1e6:.0f}",
                f"{s[-1][1] / 1e6:.0f}",
                f"{max(b for _, b in s) / 1e6:.0f}",
                f"{_slope_mb_per_minute(s):+.2f}",
                f"{cpu:.0f}",
                str(len(s)),
            )
            for n, (s, cpu) in enumerate(zip(r.rss, r.cpu or [0.0] * len(r.rss), strict=True))
            if s
        ],
    )
    lost = sum(p.lost for p in r.platforms)
    duplicated = sum(p.duplicated for p in r.platforms)
    off = abs(r.seconds - r.best_seconds) / r.best_seconds * 100 if r.best_seconds else 100.0
    verdicts = [
        Verdict("time within 5% of recipients ÷ limit", off, TIME_TARGET * 100, False, unit="%"),
        Verdict("lost = 0", lost, 0, higher_is_better=False, unit=""),
        Verdict("duplicated = 0", duplicated, 0, higher_is_better=False, unit=""),
        Verdict(
            "ledger balanced (rewards without exactly one reservation)",
            ledger.rewards_without_one_entry + (0 if ledger.balanced else 1),
            0,
            higher_is_better=False,
            unit="",
        ),
    ]
    s = r.sending
    notes = [
        f"HR: {s.requests} requests to `POST /api/v1/rewards` (1,000 people each), "
        f"{s.sent:,} rewards sent in {s.finished - s.started:.1f} s"
        + (f"; failures: {'; '.join(s.failures[:3])}" if s.failures else "")
        + f" ({(s.finished - s.started) / max(s.sent, 1) * 1000:.1f} ms each), before the "
        f"replicas started (sent alongside the delivery, HR's requests and the relays slowed each "
        f"other on this machine and the outbox ran dry). First notice accepted to last: "
        f"{r.seconds:.1f} s against {r.best_seconds:.1f} s at the limits.",
        f"Ledger: {sum(ledger.rewards.values()):,} rewards worth "
        f"{ledger.rewards_minor / 100:,.2f} EUR; {ledger.reserve_entries:,} reservations worth "
        f"{ledger.reserved_minor / 100:,.2f} EUR out of {ledger.credited_minor / 100:,.2f} EUR "
        f"credited; {ledger.sent_audits:,} `reward.sent` audit entries; REWARD_NOTICE outbox "
        f"messages by status {ledger.notices}.",
        f"Limits (Slack's and Teams' scaled to {r.rate:g} for 50): Slack {r.rate:g} messages/s per "
        f"workspace (burst 10), 1/s per channel (burst 3); Bot Connector {r.rate:g} requests/s per "
        f"tenant (burst 10; a notice to a person is 2: the 1:1 chat created, then the card), 7/s "
        f"per conversation. Replicas pace to them with buckets in Redis.",
    ]
    return Section(
        f"Scale: a reward event to {r.recipients:,} people, two replicas on PostgreSQL",
        [delivery, memory],
        verdicts,
        notes,
    )
