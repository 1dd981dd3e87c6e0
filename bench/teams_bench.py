"""Benchmark 2: Teams activities through the real bot against a bare CloudAdapter echo bot (stock
SDK).

Both run in Emulator mode (no JWT) and reply to the same fake Connector (tests/fake_connector.py
with its Adaptive Card schema check switched off, so the fake is not the bottleneck). The bot
answers `vouchers` with the catalog card and a card's Choose press by replacing that card with the
product card; the echo bot answers both with one line of text.
"""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

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
from tests.fake_connector import FakeConnector

CONCURRENCY = (1, 16)
TARGET = 3.0
CONVERSATION = "a:bench-personal-chat"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
USERS = 2_000  # many people, each within the bot's per-person rate limit (bot/limits.py)


class LoadConnector(FakeConnector):
    """The strict fake Connector without its per-message schema validation (costly, and checked in
    tests)."""

    def _activity_problem(self, body: dict[str, Any], conversation_id: str) -> str | None:
        return None


@dataclass(frozen=True)
class Cell:
    kind: str
    concurrency: int
    bare: Outcome
    bot: Outcome

    @property
    def ratio(self) -> float:
        return self.bot.rate / self.bare.rate if self.bare.rate else 0.0


def activity(service_url: str, user: int, **fields: Any) -> dict[str, Any]:
    """A personal-chat message activity as Teams sends it (fields from a recorded one)."""
    return {
        "type": "message",
        "id": "1571691217375",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "timestamp": "2026-11-26T09:00:00.000Z",
        "from": {
            "id": f"29:1bench-user-{user}",
            "name": f"Person {user}",
            "aadObjectId": f"00000000-0000-0000-0000-{user:012d}",
        },
        "conversation": {"conversationType": "personal", "tenantId": TENANT, "id": CONVERSATION},
        "recipient": {"id": "28:bench-bot", "name": "voucherbot"},
        "channelData": {"tenant": {"id": TENANT}},
        "locale": "en-US",
        **fields,
    }


def calls(connector: LoadConnector) -> list[tuple[str, tuple[Call, ...]]]:
    """Each activity from each of USERS people."""
    card = connector.issue_id(CONVERSATION)
    typed = tuple(
        _post(activity(connector.url, n, text="vouchers", textFormat="plain")) for n in range(USERS)
    )
    pressed = tuple(
        _post(
            activity(
                connector.url,
                n,
                id="f:bench-press",
                replyToId=card,
                value={"cmd": "choose", "product": "lantern-tea-house"},
            )
        )
        for n in range(USERS)
    )
    return [
        ("message `vouchers` (catalog card)", typed),
        ("Action.Submit Choose (the card replaced)", pressed),
    ]


def _post(body: dict[str, Any]) -> Call:
    return Call("/api/messages", json.dumps(body).encode(), (("Content-Type", "application/json"),))


async def run(bench: Bench) -> Section:
    async with AsyncExitStack() as stack:
        connector = LoadConnector()
        await connector.start()
        stack.push_async_callback(connector.close)
        fake_slack = FastFakeSlack()
        slack_url = await serve(fake_slack.app(), stack)
        stripe = FastFakeStripe(webhook_secret())
        stripe_url = await serve(stripe.app(), stack)
        bare = await start("bare-teams", ["-m", "bench.servers.bare_teams"], bench.workdir)
        stack.push_async_callback(bare.stop)
        bot = await start_bot(
            "bot-teams",
            bench.workdir,
            database_url=f"sqlite+aiosqlite:///{bench.workdir / 'bot-teams.db'}",
            slack_api_url=f"{slack_url}/api/",
            stripe_api_base=stripe_url,
            stripe_webhook_secret=stripe.webhook_secret,
            profile_dir=bench.profile_dir,
        )
        stack.push_async_callback(bot.stop)
        cells = await _measure(bench, bare, bot, calls(connector))
        refused = sum(c.status >= 300 for c in connector.calls)
    return _section(cells, refused)


async def _measure(
    bench: Bench, bare: Server, bot: Server, requests: list[tuple[str, tuple[Call, ...]]]
) -> list[Cell]:
    for server in (bare, bot):
        await bench.load(
            Plan(
                server.url, tuple((variants[n],) for _, variants in requests for n in range(20)), 4
            )
        )
    cells = []
    for kind, variants in requests:
        jobs = tuple((call,) for call in variants)
        for concurrency in CONCURRENCY:
            outcomes = []
            for server in (bare, bot):
                plan = Plan(
                    server.url, jobs, concurrency, bench.pace.warmup, bench.pace.window, server.pid
                )
                step = f"{kind} c{concurrency}"
                async with profiling(bench.profile_dir if server is bot else None, server, step):
                    outcomes.append(await bench.load(plan))
            cells.append(Cell(kind, concurrency, *outcomes))
    return cells


def _section(cells: list[Cell], refused: int) -> Section:
    headers = (
        "activity",
        "conc.",
        "bare echo bot act/s",
        "bot act/s",
        "ratio",
        "bare p50 / p99 ms",
        "bot p50 / p99 ms",
        "bare CPU/act ms",
        "bot CPU/act ms",
    )
    rows = [_row(c) for c in cells]
    verdicts = [
        Verdict(
            f"{c.kind.split(' (')[0]}, concurrency {c.concurrency}: ≥ {TARGET:g}× the bare bot",
            c.ratio,
            TARGET,
            higher_is_better=True,
        )
        for c in cells
    ]
    outcomes = [
        (f"{who} {c.kind.split(' (')[0]} at {c.concurrency}", o)
        for c in cells
        for who, o in (("bare", c.bare), ("bot", c.bot))
    ]
    notes = [
        "At concurrency 1 the bot waits on its round trip to the fake Connector more than it "
        "computes: " + "the CPU per activity columns compare the work itself.",
        failures_note(outcomes),
        f"Connector calls refused: {refused}.",
    ]
    title = "2. Teams: activities through the bot vs a bare CloudAdapter echo bot"
    return Section(title, [Table(headers, rows)], verdicts, notes)


def _row(cell: Cell) -> tuple[str, ...]:
    bare, bot = Latency.of(cell.bare.latencies), Latency.of(cell.bot.latencies)
    return (
        cell.kind,
        str(cell.concurrency),
        f"{cell.bare.rate:.0f}",
        f"{cell.bot.rate:.0f}",
        f"{cell.ratio:.2f}×",
        f"{bare.p50_ms:.1f} / {bare.p99_ms:.1f}",
        f"{bot.p50_ms:.1f} / {bot.p99_ms:.1f}",
        f"{_cpu_ms(cell.bare):.2f}",
        f"{_cpu_ms(cell.bot):.2f}",
    )


def _cpu_ms(outcome: Outcome) -> float:
    return (outcome.server_cpu or 0.0) / outcome.requests * 1000 if outcome.requests else 0.0
