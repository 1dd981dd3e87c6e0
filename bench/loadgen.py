"""A closed-loop HTTP load generator (one aiohttp client session) that runs in a process of its own.

`concurrency` virtual users each take the next job (a few requests made in order), wait for every
answer, and take another, so the offered load follows the server's pace. A timed plan measures only
the requests that finish inside its window (after a warm-up); an untimed plan runs each job once.
The CPU of a server process is read at the window's edges from this process, so the figures and the
window are the same.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import aiohttp

from bench.measure import cpu_seconds

CLIENT_TIMEOUT = aiohttp.ClientTimeout(total=30)
UNEXPECTED = (
    1  # recorded instead of the HTTP status when a 2xx body lacks the plan's `expect` bytes
)


@dataclass(frozen=True)
class Call:
    """One HTTP request, ready to send (bodies are signed before the plan leaves the
    orchestrator)."""

    path: str
    body: bytes
    headers: tuple[tuple[str, str], ...]
    method: str = "POST"


Job = tuple[Call, ...]


@dataclass(frozen=True)
class Plan:
    base_url: str
    jobs: tuple[Job, ...]
    concurrency: int
    warmup: float = 0.0
    duration: float | None = None  # None: every job exactly once, then stop
    cpu_pid: int | None = None
    expect: bytes = b""  # a 2xx answer must contain these bytes to count as a success


@dataclass
class Outcome:
    """What happened inside the measured window."""

    requests: int = 0
    failures: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    server_cpu: float | None = None
    client_cpu: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class _Window:
    """The measured interval and what falls into it."""

    def __init__(self, plan: Plan) -> None:
        self.start = time.monotonic() + plan.warmup
        self.end = self.start + plan.duration if plan.duration is not None else float("inf")
        self.outcome = Outcome()

    def over(self) -> bool:
        return time.monotonic() >= self.end

    def record(self, finished: float, took: float, status: int) -> None:
        if self.start <= finished <= self.end:
            self.outcome.requests += 1
            self.outcome.latencies.append(took)
            self.outcome.statuses[status] += 1
            if not 200 <= status < 300:
                self.outcome.failures += 1


def failures_note(outcomes: list[tuple[str, Outcome]]) -> str:
    """One line naming every outcome that had failures (failed requests are not in the rates)."""
    failed = [
        f"{name}: {dict(o.statuses - Counter({200: o.statuses[200]}))}"
        for name, o in outcomes
        if o.failures
    ]
    if not failed:
        return "Every request in every window was answered 2xx (with the expected body)."
    return (
        "Failed requests (status: count; 0 = no answer, 1 = unexpected body): "
        + "; ".join(failed)
        + "."
    )


def ready() -> bool:
    """A no-op that makes the process pool start its worker ahead of the first plan."""
    return True


def run(plan: Plan) -> Outcome:
    """Entry point in the load generator's process."""
    return asyncio.run(_run(plan))


async def _run(plan: Plan) -> Outcome:
    window = _Window(plan)
    jobs: Iterator[Job] = (
        itertools.cycle(plan.jobs) if plan.duration is not None else iter(plan.jobs)
    )
    connector = aiohttp.TCPConnector(limit=plan.concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=CLIENT_TIMEOUT) as session:
        cpu = asyncio.create_task(_edges(plan, window))
        users = [_user(session, plan, jobs, window) for _ in range(plan.concurrency)]
        started = time.monotonic()
        await asyncio.gather(*users)
        if plan.duration is None:
            window.outcome.seconds = time.monotonic() - started
            cpu.cancel()
        else:
            await cpu
    return window.outcome


async def _edges(plan: Plan, window: _Window) -> None:
    """Read the server's and our own CPU at the start and the end of the window."""
    await asyncio.sleep(max(0.0, window.start - time.monotonic()))
    server = cpu_seconds(plan.cpu_pid) if plan.cpu_pid else 0.0
    client = time.process_time()
    await asyncio.sleep(max(0.0, window.end - time.monotonic()))
    window.outcome.seconds = window.end - window.start
    window.outcome.client_cpu = time.process_time() - client
    if plan.cpu_pid:
        window.outcome.server_cpu = cpu_seconds(plan.cpu_pid) - server


async def _user(
    session: aiohttp.ClientSession, plan: Plan, jobs: Iterator[Job], window: _Window
) -> None:
    while not window.over():
        job = next(jobs, None)
        if job is None:
            return
        for call in job:
            started = time.monotonic()
            status = await _send(session, plan, call)
            finished = time.monotonic()
            window.record(finished, finished - started, status)
            if not 200 <= status < 300:
                break  # the rest of this job depends on this step


async def _send(session: aiohttp.ClientSession, plan: Plan, call: Call) -> int:
    try:
        async with session.request(
            call.method, plan.base_url + call.path, data=call.body, headers=call.headers
        ) as r:
            body = await r.read()
    except (aiohttp.ClientError, TimeoutError):
        return 0
    if 200 <= r.status < 300 and plan.expect not in body:
        return UNEXPECTED
    return r.status
