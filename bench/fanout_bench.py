"""Benchmark 4: bulk fan-out, 10,000 voucher messages through the outbox Relay to a rate-limited
fake Slack.

Each recipient gets one voucher in their DM, as in a reward event. The fake enforces Slack's
`chat.postMessage` rules: one message a second per channel with a burst of three, and a
workspace-wide cap. Slack does not publish its workspace cap (a few hundred messages a minute is
what apps report), at which 10,000 messages take most of an hour, so the cap is scaled up to 50 a
second; `Retry-After` stays in whole seconds as Slack sends it. The delivery rate is judged against
the best schedule the limits allow: the shortest time in which the fake could have accepted every
message. `--fanout-recipients N` spreads the messages over N recipients instead (several vouchers
each, queued back to back), which makes the per-channel limit bite as well.
"""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from bench.context import Bench
from bench.fake_slack import FastFakeSlack, Limits
from bench.local import serve
from bench.processes import run_to_end
from bench.report import Section, Table, Verdict

LIMITS = Limits(per_channel=1.0, channel_burst=3.0, workspace=50.0, workspace_burst=10.0)
RATE_TARGET = 0.95
MEMORY_TARGET_MB = 100.0
WORKER_TIMEOUT = 900.0


@dataclass(frozen=True)
class Result:
    messages: int
    recipients: int
    limits: Limits | None
    delivered: int
    duplicated: int
    seconds: float
    throttled: int
    relay: dict[str, Any]

    @property
    def lost(self) -> int:
        return self.messages - self.delivered

    @property
    def best_seconds(self) -> float:
        """The shortest time in which the limits let every message through."""
        if self.limits is None:
            return 0.0
        per_channel = self.messages / self.recipients
        channel = max(0.0, per_channel - self.limits.channel_burst) / self.limits.per_channel
        workspace = max(0.0, self.messages - self.limits.workspace_burst) / self.limits.workspace
        return max(channel, workspace)

    @property
    def rate_fraction(self) -> float:
        return self.best_seconds / self.seconds if self.seconds else 0.0

    @property
    def memory_growth_mb(self) -> float:
        return (self.relay["peak_rss"] - self.relay["baseline_rss"]) / 1e6


async def run(bench: Bench, recipients: int | None = None) -> Section:
    """The relay's own ceiling first (no limits, fewer messages), then the fan-out under Slack's
    limits."""
    ceiling = await measure(bench, bench.pace.fanout_ceiling, bench.pace.fanout_ceiling, None)
    messages = bench.pace.fanout_messages
    limited = await measure(bench, messages, recipients or messages, LIMITS)
    return _section(ceiling, limited)


async def measure(bench: Bench, messages: int, recipients: int, limits: Limits | None) -> Result:
    async with AsyncExitStack() as stack:
        fake = FastFakeSlack(limits)
        slack_url = await serve(fake.app(), stack)
        database = f"sqlite+aiosqlite:///{bench.workdir / f'fanout-{messages}-{recipients}.db'}"
        args = [
            "-m",
            "bench.fanout_worker",
            "--api-url",
            f"{slack_url}/api/",
            "--database-url",
            database,
            "--messages",
            str(messages),
            "--recipients",
            str(recipients),
            *_pacing(limits),
            *(["--profile", str(bench.profile_dir)] if bench.profile_dir and not limits else []),
        ]
        out = await run_to_end("fanout", args, bench.workdir, timeout=WORKER_TIMEOUT)
    relay = json.loads(out.strip().splitlines()[-1])
    posted, times = fake.counts.posted_orders, fake.counts.post_times
    return Result(
        messages,
        recipients,
        limits,
        len(posted),
        sum(n - 1 for n in posted.values()),
        times[-1] - times[0] if times else 0.0,
        sum(fake.counts.throttled.values()),
        relay,
    )


def _pacing(limits: Limits | None) -> list[str]:
    """The worker paces its sends to the limits the fake enforces, as an operator sets SLACK_PACE_*
    to Slack's (bot/settings.py); with none, pacing is off and the relay's own ceiling shows."""
    if limits is None:
        return []
    return [
        "--pace-workspace",
        f"{limits.workspace:g}",
        "--pace-workspace-burst",
        str(int(limits.workspace_burst)),
        "--pace-channel",
        f"{limits.per_channel:g}",
        "--pace-channel-burst",
        str(int(limits.channel_burst)),
    ]


def _section(ceiling: Result, r: Result) -> Section:
    headers = (
        "run",
        "messages",
        "recipients",
        "delivered",
        "lost",
        "duplicated",
        "429s answered",
        "seconds",
        "msgs/s",
        "best possible s",
        "of the limit",
        "relay CPU ms/msg",
        "RSS growth MB",
    )
    rows = [
        _row("no limits: the relay's own ceiling", ceiling),
        (_row(f"Slack's limits: {_limits(r)}", r)),
    ]
    verdicts = [
        Verdict(
            f"delivery rate ≥ {RATE_TARGET * 100:g}% of the enforced limit",
            r.rate_fraction * 100,
            RATE_TARGET * 100,
            higher_is_better=True,
            unit="%",
        ),
        Verdict("lost = 0", r.lost, 0, higher_is_better=False, unit=""),
        Verdict("duplicated = 0", r.duplicated, 0, higher_is_better=False, unit=""),
        Verdict(
            f"memory growth < {MEMORY_TARGET_MB:g} MB",
            r.memory_growth_mb,
            MEMORY_TARGET_MB,
            higher_is_better=False,
            unit=" MB",
        ),
    ]
    notes = [
        f"Outbox afterwards: {r.relay['pending']} pending; orders by status {r.relay['orders']}."
    ]
    return Section(
        "4. Bulk fan-out through the outbox Relay and SlackSender",
        [Table(headers, rows)],
        verdicts,
        notes,
    )


def _limits(r: Result) -> str:
    assert r.limits is not None
    return (
        f"{r.limits.per_channel:g}/s per channel (burst {r.limits.channel_burst:g}), "
        f"{r.limits.workspace:g}/s per workspace (burst {r.limits.workspace_burst:g})"
    )


def _row(label: str, r: Result) -> tuple[str, ...]:
    rate = f"{r.delivered / r.seconds:.0f}" if r.seconds else "–"
    limited = r.limits is not None
    return (
        label,
        str(r.messages),
        str(r.recipients),
        str(r.delivered),
        str(r.lost),
        str(r.duplicated),
        str(r.throttled),
        f"{r.seconds:.1f}",
        rate,
        f"{r.best_seconds:.1f}" if limited else "–",
        f"{r.rate_fraction * 100:.0f}%" if limited else "–",
        f"{r.relay['cpu'] / r.messages * 1000:.1f}",
        f"{r.memory_growth_mb:.0f}",
    )
