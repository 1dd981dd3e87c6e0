"""Benchmark 3: the bot process's CPU per complete checkout, counted in bare-Bolt acks, on SQLite
and PostgreSQL.

A checkout is what a buyer and Stripe make the bot do, in four steps measured one after the other
for all buyers (so each step's cost is seen on its own; their sum is the checkout):

1. search: `/vouchers harbour`, answered in the ack with catalog cards;
2. choose: the Choose button, acked, then the product card sent to the buyer's response_url;
3. buy: a denomination button: the order, its PaymentIntent (at the fake Stripe) and the order card
   with its Pay link sent to the response_url;
4. pay: Stripe's signed `payment_intent.succeeded` at the webhook; the order is paid, the built-in
   provider issues the voucher, and the outbox delivers it to the buyer's DM (conversations.open +
   chat.postMessage) with the order updates to the response_url.

Only the bot's CPU is counted (user + system time of its process, read from /proc, sampled at each
request it makes to the fake Slack so the end of its work is caught exactly); the fakes and the load
generator run in other processes on the other core, so a slow fake costs wall time, not figures.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

from bench import databases
from bench import slack_requests as slack
from bench.bot_server import start_bot, webhook_secret
from bench.context import Bench
from bench.fake_slack import ORDER_ID, FastFakeSlack
from bench.fake_stripe import FastFakeStripe
from bench.loadgen import Call, Plan
from bench.local import serve
from bench.processes import Server
from bench.profiles import profiling
from bench.report import Section, Table, Verdict

TARGET_ACKS = 15.0
CONCURRENT_BUYERS = 16
PRODUCT, MINOR = "quiet-harbour-books", 2000
STEPS = ("search", "choose", "buy", "pay")  # in this order, see _steps
WAIT_TIMEOUT = 180.0
QUIET_SECONDS = 0.5


@dataclass(frozen=True)
class Buyer:
    search: Call
    choose: Call
    buy: Call


@dataclass
class Result:
    database: str
    checkouts: int
    cpu: dict[str, float] = field(default_factory=dict)  # seconds per step, all buyers
    wall: float = 0.0

    @property
    def total_ms(self) -> float:
        return sum(self.cpu.values()) / self.checkouts * 1000

    def step_ms(self, step: str) -> float:
        return self.cpu[step] / self.checkouts * 1000


class Watch:
    """Listens at the fake Slack: the bot's CPU at its latest request, and which order cards were
    shown."""

    def __init__(self, bot: Server) -> None:
        self._bot = bot
        self.cpu = bot.cpu()
        self.shown: list[str] = []
        self._seen: set[str] = set()

    def __call__(self, method: str, args: dict[str, Any]) -> None:
        self.cpu = self._bot.cpu()
        if method != "response_url":
            return
        text = json.dumps(args.get("blocks") or [])
        found = ORDER_ID.search(text)
        if found and "vb_pay" in text and found.group() not in self._seen:
            self._seen.add(found.group())
            self.shown.append(found.group())


def buyers(hooks: str, count: int, who: str) -> list[Buyer]:
    """`count` buyers (`who` + a number), each with their own response_url and message."""
    made = []
    for n in range(count):
        user = f"{who}{n:06d}"
        where: dict[str, Any] = {
            "user": user,
            "response_url": f"{hooks}/{user}",
            "message_ts": f"1700000100.{n:06d}",
        }
        made.append(
            Buyer(
                slack.slash_command(
                    "harbour", user=user, response_url=where["response_url"], trigger=f"{n}.1.bench"
                ),
                slack.choose(PRODUCT, **where),
                slack.denomination(PRODUCT, MINOR, **where),
            )
        )
    return made


async def run(bench: Bench, ack_cpu: float) -> Section:
    results = [await _checkouts(bench, "SQLite", databases.sqlite(bench.workdir, "bot-e2e"))]
    if await databases.postgres_reachable(bench.postgres_url):
        results.append(
            await _checkouts(bench, "PostgreSQL", databases.postgres(bench.postgres_url))
        )
    return _section(results, ack_cpu, postgres_missing=len(results) == 1)


@dataclass(frozen=True)
class Shop:
    """The bot under test and the fakes it talks to."""

    bench: Bench
    bot: Server
    fake: FastFakeSlack
    stripe: FastFakeStripe
    hooks: str


Step = tuple[
    str, Callable[[], Awaitable[None]], Callable[[], bool]
]  # name, what to do, when it is done


async def _checkouts(
    bench: Bench, label: str, database: AbstractAsyncContextManager[str]
) -> Result:
    async with AsyncExitStack() as stack:
        url = await stack.enter_async_context(database)
        fake = FastFakeSlack()
        slack_url = await serve(fake.app(), stack)
        stripe = FastFakeStripe(webhook_secret())
        stack.push_async_callback(stripe.close)
        stripe_url = await serve(stripe.app(), stack)
        bot = await start_bot(
            f"bot-e2e-{label.lower()}",
            bench.workdir,
            database_url=url,
            slack_api_url=f"{slack_url}/api/",
            stripe_api_base=stripe_url,
            stripe_webhook_secret=stripe.webhook_secret,
            profile_dir=bench.profile_dir,
        )
        stack.push_async_callback(bot.stop)
        stripe.webhook_url = f"{bot.url}/stripe/webhook"
        shop = Shop(bench, bot, fake, stripe, f"{slack_url}/hooks")
        await _measure(shop, Result(label, 8), "W")  # warm-up: imports, pools and caches
        result = await _measure(shop, Result(label, bench.pace.checkouts), "U")
        if stripe.webhook_failures:
            raise RuntimeError(f"{label}: the bot refused {stripe.webhook_failures} webhooks")
        return result


async def _measure(shop: Shop, result: Result, who: str) -> Result:
    shop.fake.reset()
    watch = Watch(shop.bot)
    shop.fake.listeners[:] = [watch]
    started = time.monotonic()
    for name, act, done in _steps(shop, watch, buyers(shop.hooks, result.checkouts, who)):
        profile_dir = shop.bench.profile_dir if who != "W" else None
        async with profiling(profile_dir, shop.bot, name):
            before = shop.bot.cpu()
            await act()
            answered = shop.bot.cpu()
            await _until(done, f"{result.database} {name}")
            await _quiet(shop.fake)
        result.cpu[name] = max(answered, watch.cpu) - before
    result.wall = time.monotonic() - started
    _check_once_each(shop.fake, result.checkouts, result.database)
    return result


def _steps(shop: Shop, watch: Watch, people: list[Buyer]) -> list[Step]:
    count, counts = len(people), shop.fake.counts
    return [
        ("search", lambda: _requests(shop, [b.search for b in people]), lambda: True),
        (
            "choose",
            lambda: _requests(shop, [b.choose for b in people]),
            lambda: counts.calls["response_url"] >= count,
        ),
        (
            "buy",
            lambda: _requests(shop, [b.buy for b in people]),
            lambda: len(watch.shown) >= count,
        ),
        ("pay", lambda: _pay(shop.stripe, watch), lambda: len(counts.posted_orders) >= count),
    ]


async def _requests(shop: Shop, calls: list[Call]) -> None:
    outcome = await shop.bench.load(
        Plan(shop.bot.url, tuple((c,) for c in calls), concurrency=CONCURRENT_BUYERS)
    )
    if outcome.failures:
        raise RuntimeError(
            f"{outcome.failures} of {outcome.requests} Slack requests failed: "
            f"{dict(outcome.statuses)}"
        )


async def _pay(stripe: FastFakeStripe, watch: Watch) -> None:
    for order_id in watch.shown:
        stripe.pay(order_id)


async def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def _quiet(fake: FastFakeSlack) -> None:
    """Wait until the bot has sent nothing for a moment (order updates follow the voucher)."""
    # polls the fake's clock of its last request: there is no event to wait for
    while time.monotonic() - fake.counts.last_request < QUIET_SECONDS:  # noqa: ASYNC110
        await asyncio.sleep(0.05)


def _check_once_each(fake: FastFakeSlack, count: int, label: str) -> None:
    twice = [order for order, n in fake.counts.posted_orders.items() if n != 1]
    if len(fake.counts.posted_orders) != count or twice:
        raise RuntimeError(
            f"{label}: {len(fake.counts.posted_orders)} vouchers for {count} orders, {len(twice)} "
            f"twice"
        )


def _section(results: list[Result], ack_cpu: float, postgres_missing: bool) -> Section:
    ack_ms = ack_cpu * 1000
    headers = (
        "database",
        "checkouts",
        "wall s",
        *(f"{s} ms" for s in STEPS),
        "checkout ms",
        "bare-Bolt ack ms",
        "checkout in acks",
    )
    rows = [
        (
            r.database,
            str(r.checkouts),
            f"{r.wall:.1f}",
            *(f"{r.step_ms(s):.2f}" for s in STEPS),
            f"{r.total_ms:.1f}",
            f"{ack_ms:.3f}",
            f"{r.total_ms / ack_ms:.0f}",
        )
        for r in results
    ]
    verdicts = [
        Verdict(
            f"{r.database}: CPU per checkout ≤ {TARGET_ACKS:g} bare-Bolt acks",
            r.total_ms / ack_ms,
            TARGET_ACKS,
            higher_is_better=False,
            unit=" acks",
        )
        for r in results
    ]
    notes = ["Bot CPU per checkout, by step (ms); each step ran for every buyer, 16 at a time."]
    if postgres_missing:
        notes.append("PostgreSQL was not reachable: only SQLite was measured.")
    return Section(
        "3. End to end: bot CPU per complete checkout", [Table(headers, rows)], verdicts, notes
    )
