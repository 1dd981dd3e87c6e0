"""`python -m bench [--quick] [--only NAME ...]`: run the benchmarks, print the tables, update
BENCHMARKS.md."""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from pathlib import Path

from bench import (
    catalog_bench,
    e2e_bench,
    fanout_bench,
    replicas_bench,
    scale_bench,
    slack_bench,
    teams_bench,
)
from bench.context import Bench, Pace
from bench.measure import CLIENT_CORE, pin
from bench.report import Section, command_line, load_average, page, write

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("slack", "teams", "e2e", "fanout", "catalog", "replicas")
EXTRA = ("scale",)  # long runs, only when asked for with --only
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def main() -> None:
    args = _parser().parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    pin(CLIENT_CORE)  # the fakes and the load generator stay off the servers' core
    started, load_before = time.monotonic(), load_average()
    if load_before > 0.5:
        print(
            f"[bench] the machine is busy (load average {load_before:.2f}): figures will move",
            flush=True,
        )
    with tempfile.TemporaryDirectory(prefix="voucherbot-bench-") as scratch:
        bench = Bench(
            Path(scratch), Pace.of(args.quick), args.postgres_url, _absolute(args.profile)
        )
        try:
            sections = asyncio.run(_run_all(bench, args.only or list(NAMES), args))
        finally:
            bench.close()
    results = page(sections, command_line(), time.monotonic() - started, args.quick, load_before)
    print(results)
    if not args.no_write:
        write(args.output, results)
        print(f"\nwritten to {args.output}")


def _absolute(path: Path | None) -> Path | None:
    return path.resolve() if path else None  # the servers run in other folders


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="shorter windows and smaller runs (about two minutes)"
    )
    parser.add_argument(
        "--only", nargs="+", choices=NAMES + EXTRA, help="run only these benchmarks"
    )
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="a PostgreSQL server for the end-to-end run (a scratch database is created and "
        "dropped)",
    )
    parser.add_argument(
        "--fanout-recipients",
        type=int,
        help="fan-out over this many recipients (default: one each)",
    )
    parser.add_argument(
        "--replicas-rate",
        type=float,
        default=50.0,
        help="the replicas run's workspace limit a second (lower it on a busy machine)",
    )
    parser.add_argument(
        "--scale-recipients",
        "--scale-messages",
        type=int,
        default=100_000,
        help="people rewarded in the scale run's reward event (half on Slack, half on Teams)",
    )
    parser.add_argument(
        "--scale-rate",
        type=float,
        default=100.0,
        help="the scale run's limits, for Slack's and Teams' 50 a second: messages a second per "
        "Slack workspace and requests a second per Teams tenant (fakes and pacing alike)",
    )
    parser.add_argument(
        "--output", type=Path, default=ROOT / "BENCHMARKS.md", help="the page to update"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="cProfile the bot in each measured step into this folder (<step>.prof and a .txt "
        "summary);"
        " the figures of such a run are slowed by the profiler",
    )
    parser.add_argument("--no-write", action="store_true", help="only print the results")
    return parser


async def _run_all(bench: Bench, names: list[str], args: argparse.Namespace) -> list[Section]:
    await bench.warm_up_pool()
    say = Progress()
    sections: list[Section] = []
    ack_cpu = 0.0
    if {"slack", "e2e", "catalog"} & set(names):
        say(
            "slack: bot vs bare Bolt (also measures the bare-Bolt ack, the unit of the CPU figures)"
        )
        slack = await slack_bench.run(bench)
        ack_cpu = slack.ack_cpu
        if "slack" in names:
            sections.append(slack.section)
    if "teams" in names:
        say("teams: bot vs bare CloudAdapter echo bot")
        sections.append(await teams_bench.run(bench))
    if "e2e" in names:
        say("e2e: bot CPU per complete checkout, on SQLite and on PostgreSQL")
        sections.append(await e2e_bench.run(bench, ack_cpu))
    if "fanout" in names:
        say("fanout: outbox relay and SlackSender through a rate-limited fake Slack")
        sections.append(await fanout_bench.run(bench, args.fanout_recipients))
    if "catalog" in names:
        say("catalog: search over 5,000 products")
        sections.append(await catalog_bench.run(bench, ack_cpu))
    if "replicas" in names:
        say("replicas: two bot processes on PostgreSQL share the fake Slack's limits")
        sections.append(await replicas_bench.run(bench, args.replicas_rate))
    if "scale" in names:
        say(
            f"scale: a reward event to {args.scale_recipients:,} people, two replicas, limits "
            f"{args.scale_rate:g}/s"
        )
        sections.append(await scale_bench.run(bench, args.scale_recipients, args.scale_rate))
    say("done")
    return sections


class Progress:
    """One line per benchmark started, with the time so far."""

    def __init__(self) -> None:
        self._started = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"[bench {time.monotonic() - self._started:4.0f} s] {message}", flush=True)


if __name__ == "__main__":
    main()
