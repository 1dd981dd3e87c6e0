"""Benchmark 1: signed Slack requests through the real bot against a bare Bolt app that only acks.

Both servers run as their own processes on the server core; the load generator runs on the other.
Each cell (request kind × concurrency) runs the bare app, then the bot, with the same signed
payloads. The bare app's CPU per request is the unit the other benchmarks count in ("one bare-Bolt
ack").
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass

from bench import slack_requests as slack
from bench.bot_server import start_bot, webhook_secret
from bench.context import Bench
from bench.fake_slack import FastFakeSlack
from bench.fake_stripe import FastFakeStripe
from bench.loadgen import Call, Outcome, Plan, failures_note
from bench.local import serve
from bench.measure import Latency
from bench.processes import Server, start
from bench.profiles import profiling
from bench.report import Section, Table, Verdict

CONCURRENCY = (1, 16, 64)
UNIT_CONCURRENCY = 16
# The bot limits each person to 60 requests a minute (bot/limits.py): the load comes from many
# people, as it would, so the limiter's cost is measured and its refusals are not.
USERS = 5_000
THROUGHPUT_TARGET = 0.9
P99_TARGET = 2.0


@dataclass(frozen=True)
class Kind:
    name: str
    calls: tuple[Call, ...]  # the same request from each of USERS people
    answer: bytes = (
        b""  # what the bot's answer must contain (a throttled slash command is a 200 too)
    )


@dataclass(frozen=True)
class Cell:
    kind: str
    concurrency: int
    bare: Outcome
    bot: Outcome

    @property
    def throughput_ratio(self) -> float:
        return self.bot.rate / self.bare.rate if self.bare.rate else 0.0

    @property
    def p99_ratio(self) -> float:
        bare = Latency.of(self.bare.latencies).p99_ms
        return Latency.of(self.bot.latencies).p99_ms / bare if bare else 0.0


@dataclass(frozen=True)
class SlackResult:
    section: Section
    ack_cpu: (
        float  # seconds of CPU per request of the bare Bolt app (block_actions, concurrency 16)
    )


def kinds(hooks: str) -> list[Kind]:
    users = [f"U{n:06d}" for n in range(USERS)]
    return [
        Kind(
            "slash command `/vouchers tea` (search, answered in the ack)",
            tuple(slack.slash_command("tea", user=u, response_url=f"{hooks}/slash") for u in users),
            answer=b"Lantern Tea House",
        ),
        Kind(
            "block_actions Choose (ack, then the product card to the response_url)",
            tuple(
                slack.choose(
                    "lantern-tea-house",
                    user=u,
                    response_url=f"{hooks}/choose",
                    message_ts="1700000100.000100",
                )
                for u in users
            ),
        ),
    ]


async def run(bench: Bench) -> SlackResult:
    async with AsyncExitStack() as stack:
        fake = FastFakeSlack()
        slack_url = await serve(fake.app(), stack)
        stripe = FastFakeStripe(webhook_secret())
        stripe_url = await serve(stripe.app(), stack)
        bare = await start(
            "bare-bolt",
            ["-m", "bench.servers.bare_bolt", "--api-url", f"{slack_url}/api/"],
            bench.workdir,
        )
        stack.push_async_callback(bare.stop)
        bot = await start_bot(
            "bot-slack",
            bench.workdir,
            database_url=_sqlite(bench),
            slack_api_url=f"{slack_url}/api/",
            stripe_api_base=stripe_url,
            stripe_webhook_secret=stripe.webhook_secret,
            profile_dir=bench.profile_dir,
        )
        stack.push_async_callback(bot.stop)
        cells = await _measure(bench, bare, bot, kinds(f"{slack_url}/hooks"))
        if not fake.counts.calls["response_url"]:
            raise RuntimeError("the bot never answered a Choose press at its response_url")
    return SlackResult(_section(cells), _ack_cpu(cells))


def _sqlite(bench: Bench) -> str:
    return f"sqlite+aiosqlite:///{bench.workdir / 'bot-slack.db'}"


async def _measure(bench: Bench, bare: Server, bot: Server, requests: list[Kind]) -> list[Cell]:
    for server in (bare, bot):  # first requests pay for imports, auth.test and caches
        await bench.load(
            Plan(
                server.url,
                tuple((k.calls[n],) for k in requests for n in range(100)),
                concurrency=8,
            )
        )
    cells = []
    for kind in requests:
        for concurrency in CONCURRENCY:
            bare_outcome = await bench.load(_plan(bench, bare, kind, concurrency))
            async with profiling(bench.profile_dir, bot, f"{kind.name} c{concurrency}"):
                bot_outcome = await bench.load(_plan(bench, bot, kind, concurrency, kind.answer))
            cells.append(Cell(kind.name, concurrency, bare_outcome, bot_outcome))
    return cells


def _plan(bench: Bench, server: Server, kind: Kind, concurrency: int, expect: bytes = b"") -> Plan:
    jobs = tuple((call,) for call in kind.calls)
    return Plan(
        server.url, jobs, concurrency, bench.pace.warmup, bench.pace.window, server.pid, expect
    )


def _ack_cpu(cells: list[Cell]) -> float:
    unit = next(
        c for c in cells if c.kind.startswith("block_actions") and c.concurrency == UNIT_CONCURRENCY
    )
    return (unit.bare.server_cpu or 0.0) / unit.bare.requests


def _section(cells: list[Cell]) -> Section:
    headers = (
        "request",
        "conc.",
        "bare Bolt req/s",
        "bot req/s",
        "ratio",
        "bare p50 / p99 ms",
        "bot p50 / p99 ms",
        "p99 ratio",
        "bare CPU/req ms",
        "bot CPU/req ms",
        "client CPU",
    )
    rows = [_row(c) for c in cells]
    verdicts = []
    for cell in cells:
        label = f"{cell.kind.split(' (')[0]}, concurrency {cell.concurrency}"
        verdicts.append(
            Verdict(
                f"{label}: throughput ≥ {THROUGHPUT_TARGET}× bare Bolt",
                cell.throughput_ratio,
                THROUGHPUT_TARGET,
                higher_is_better=True,
            )
        )
        verdicts.append(
            Verdict(
                f"{label}: p99 ≤ {P99_TARGET}× bare Bolt",
                cell.p99_ratio,
                P99_TARGET,
                higher_is_better=False,
            )
        )
    notes = [
        "Client CPU: the load generator's busiest share of its core (well under 100%: it is not "
        "the limit).",
        failures_note(_named_outcomes(cells)),
    ]
    title = "1. Slack: signed requests through the bot vs a bare Bolt app"
    return Section(title, [Table(headers, rows)], verdicts, notes)


def _named_outcomes(cells: list[Cell]) -> list[tuple[str, Outcome]]:
    return [
        (f"{who} {c.kind.split(' (')[0]} at {c.concurrency}", outcome)
        for c in cells
        for who, outcome in (("bare", c.bare), ("bot", c.bot))
    ]


def _row(cell: Cell) -> tuple[str, ...]:
    bare, bot = Latency.of(cell.bare.latencies), Latency.of(cell.bot.latencies)
    busiest = max(cell.bare.client_cpu / cell.bare.seconds, cell.bot.client_cpu / cell.bot.seconds)
    return (
        cell.kind,
        str(cell.concurrency),
        f"{cell.bare.rate:.0f}",
        f"{cell.bot.rate:.0f}",
        f"{cell.throughput_ratio:.2f}×",
        f"{bare.p50_ms:.1f} / {bare.p99_ms:.1f}",
        f"{bot.p50_ms:.1f} / {bot.p99_ms:.1f}",
        f"{cell.p99_ratio:.2f}×",
        f"{_cpu_ms(cell.bare):.2f}",
        f"{_cpu_ms(cell.bot):.2f}",
        f"≤{busiest * 100:.0f}%",
    )


def _cpu_ms(outcome: Outcome) -> float:
    return (outcome.server_cpu or 0.0) / outcome.requests * 1000 if outcome.requests else 0.0
