"""Benchmark: two `voucherbot serve` replicas on one PostgreSQL share Slack's limits (`--only
replicas`).

The outbox holds N voucher deliveries (one recipient each, as a reward event queues them); two real
bot processes drain it at once through the rate-limited fake Slack (bench/fake_slack.py: 1 message a
second per channel with a burst of 3, 50 a second per workspace with a burst of 10). Each replica
paces its sends with buckets shared in the database (core.pacing), so together they should send at
the workspace limit, not twice it, with few 429s, none lost and none twice.
(`--only scale`, a reward event through Slack and Teams, is bench/scale_bench.py.)
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

from adapters.db.crypto import VoucherCipher
from adapters.db.database import Database
from adapters.providers.catalog_file import SAMPLE_CATALOG, load_catalog
from bench import databases
from bench.context import Bench
from bench.fake_slack import FastFakeSlack, Limits
from bench.fanout_worker import seed
from bench.local import serve
from bench.measure import rss_bytes
from bench.offline import PUBLIC_BASE_URL
from bench.processes import Server, start
from bench.report import Section, Table, Verdict
from bench.slack_requests import BOT_TOKEN, SIGNING_SECRET

LIMITS = Limits(per_channel=1.0, channel_burst=3.0, workspace=50.0, workspace_burst=10.0)
REPLICAS = 2
RATE_TARGET = 0.95
STALL_SECONDS = 60.0


@dataclass
class Run:
    messages: int
    limits: Limits
    seconds: float = 0.0
    delivered: int = 0
    duplicated: int = 0
    throttled: int = 0
    per_replica_rss: list[list[int]] = field(default_factory=list)  # samples per replica

    @property
    def lost(self) -> int:
        return self.messages - self.delivered

    @property
    def best_seconds(self) -> float:
        return max(0.0, self.messages - self.limits.workspace_burst) / self.limits.workspace

    @property
    def rate_fraction(self) -> float:
        return self.best_seconds / self.seconds if self.seconds else 0.0

    @property
    def memory_growth_mb(self) -> float:
        """The largest growth of a replica's RSS from its first sample after start-up to its
        peak."""
        return max((max(s) - s[0]) / 1e6 for s in self.per_replica_rss if s)


async def run(bench: Bench, rate: float = LIMITS.workspace) -> Section:
    messages = 1000 if bench.pace.fanout_messages < 10_000 else 3000
    messages = min(messages, max(100, int(rate * 60)))  # about a minute at the limit
    result = await measure(bench, messages, replace(LIMITS, workspace=rate))
    return _section("5. Two replicas share Slack's limits", result)


async def measure(bench: Bench, messages: int, limits: Limits) -> Run:
    result = Run(messages, limits)
    key = VoucherCipher.generate_key()
    async with AsyncExitStack() as stack:
        url = await stack.enter_async_context(databases.postgres(bench.postgres_url))
        await _seed(url, key, messages)
        fake = FastFakeSlack(limits)
        slack_url = await serve(fake.app(), stack)
        replicas = [
            await _replica(f"replica-{n}", bench, url, key, f"{slack_url}/api/", limits)
            for n in range(REPLICAS)
        ]
        try:
            result.per_replica_rss = [[] for _ in replicas]
            await _wait_for_delivery(fake, replicas, result)
        finally:
            for replica in replicas:
                await replica.stop()
    posted, times = fake.counts.posted_orders, fake.counts.post_times
    result.delivered = len(posted)
    result.duplicated = sum(n - 1 for n in posted.values())
    result.seconds = times[-1] - times[0] if times else 0.0
    result.throttled = sum(fake.counts.throttled.values())
    return result


async def _seed(url: str, key: bytes, messages: int) -> None:
    product = load_catalog(SAMPLE_CATALOG, public_base_url=PUBLIC_BASE_URL)[0]
    database = Database(url, VoucherCipher(key))
    try:
        await database.upgrade()
        await seed(database, product, messages, messages)
    finally:
        await database.dispose()


async def _replica(
    name: str, bench: Bench, url: str, key: bytes, api_url: str, limits: Limits
) -> Server:
    env = {
        "DATABASE_URL": url,
        "VOUCHER_ENCRYPTION_KEY": key.decode(),
        "SLACK_API_URL": api_url,
        # The replicas pace themselves to the limits the fake enforces (they would be Slack's).
        "SLACK_PACE_WORKSPACE_PER_SECOND": str(limits.workspace),
        "SLACK_PACE_WORKSPACE_BURST": str(int(limits.workspace_burst)),
        "SLACK_PACE_CHANNEL_PER_SECOND": str(limits.per_channel),
        "SLACK_PACE_CHANNEL_BURST": str(int(limits.channel_burst)),
    }
    return await replica(name, bench, env)


def base_environment(data_dir: Path) -> dict[str, str]:
    """What every replica (and the operator's CLI beside them) is configured with: loopback, the
    bench's Slack app, Teams in Emulator mode (no app id)."""
    return {
        "HOST": "127.0.0.1",
        "PORT": "0",
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
    }


async def replica(name: str, bench: Bench, env: dict[str, str], *, pinned: bool = True) -> Server:
    """A `voucherbot serve` process named `name`, configured with `env` over the base settings."""
    data_dir = bench.workdir / name
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = {**base_environment(data_dir), **env}
    return await start(name, ["-m", "bot.cli", "serve"], data_dir, environment, pinned=pinned)


async def _wait_for_delivery(fake: FastFakeSlack, replicas: list[Server], result: Run) -> None:
    last, progress_at = -1, time.monotonic()
    while True:
        delivered = len(fake.counts.posted_orders)
        for samples, replica in zip(result.per_replica_rss, replicas, strict=True):
            samples.append(rss_bytes(replica.pid))
        if delivered >= result.messages:
            await asyncio.sleep(2.0)  # anything sent twice would arrive now
            return
        if delivered != last:
            last, progress_at = delivered, time.monotonic()
        elif time.monotonic() - progress_at > STALL_SECONDS:
            return
        await asyncio.sleep(1.0)


def _section(title: str, r: Run) -> Section:
    headers = (
        "replicas",
        "messages",
        "delivered",
        "lost",
        "duplicated",
        "429s answered",
        "seconds",
        "msgs/s",
        "best possible s",
        "of the limit",
        "largest replica RSS growth MB",
    )
    row = (
        str(REPLICAS),
        f"{r.messages:,}",
        f"{r.delivered:,}",
        str(r.lost),
        str(r.duplicated),
        str(r.throttled),
        f"{r.seconds:.1f}",
        f"{r.delivered / r.seconds:.1f}" if r.seconds else "–",
        f"{r.best_seconds:.1f}",
        f"{r.rate_fraction * 100:.1f}%",
        f"{r.memory_growth_mb:.0f}",
    )
    verdicts = [
        Verdict(
            f"combined rate ≥ {RATE_TARGET * 100:g}% of the workspace limit",
            r.rate_fraction * 100,
            RATE_TARGET * 100,
            higher_is_better=True,
            unit="%",
        ),
        Verdict("combined rate ≤ the limit (+5%)", r.rate_fraction * 100, 105, False, unit="%"),
        Verdict("lost = 0", r.lost, 0, higher_is_better=False, unit=""),
        Verdict("duplicated = 0", r.duplicated, 0, higher_is_better=False, unit=""),
    ]
    limits = (
        f"Limits enforced by the fake and paced to by the replicas: {r.limits.workspace:g}/s per "
        f"workspace (burst {r.limits.workspace_burst:g}), {r.limits.per_channel:g}/s per channel "
        f"(burst {r.limits.channel_burst:g}); buckets shared in PostgreSQL."
    )
    return Section(title, [Table(headers, [row])], verdicts, [limits])
