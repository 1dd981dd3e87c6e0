"""Scheduled jobs run once across replicas: job leases on SQLite and PostgreSQL, and the workers'
use of them.

Two `Database` objects on one database stand for two replicas (each has its own engine and pool).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from adapters.db import Database, VoucherCipher
from bot.workers import Leased
from tests.fakes import FixedClock

KEY = VoucherCipher.generate_key()
TTL = timedelta(minutes=10)


@dataclass
class Replicas:
    first: Database
    second: Database
    clock: FixedClock


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def replicas(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Replicas]:
    clock = FixedClock()
    schema = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'voucherbot.db'}"
    else:
        url, schema = request.getfixturevalue("postgres_url"), f"vb_leases_{uuid4().hex[:12]}"
    first = Database(url, VoucherCipher(KEY), clock=clock, schema=schema)
    second = Database(url, VoucherCipher(KEY), clock=clock, schema=schema)
    await first.upgrade()
    try:
        yield Replicas(first, second, clock)
    finally:
        await second.dispose()
        await first.dispose()
        if schema is not None:
            await _drop_schema(url, schema)


async def _drop_schema(url: str, schema: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await connection.close()


async def test_of_many_replicas_racing_for_a_free_lease_exactly_one_gets_it(
    replicas: Replicas,
) -> None:
    leases = [replicas.first.job_leases(), replicas.second.job_leases()]

    won = await asyncio.gather(
        *(leases[n % 2].try_lease("reminders", f"replica-{n}", TTL) for n in range(20))
    )

    assert sum(won) == 1
    assert await leases[0].holder("reminders") == f"replica-{won.index(True)}"


async def test_a_lease_is_renewed_by_its_holder_and_taken_over_only_once_it_has_expired(
    replicas: Replicas,
) -> None:
    mine, theirs = replicas.first.job_leases(), replicas.second.job_leases()

    taken = await mine.try_lease("catalog-sync", "a", TTL)
    refused_while_held = await theirs.try_lease("catalog-sync", "b", TTL)
    replicas.clock.advance(minutes=9)
    renewed = await mine.try_lease("catalog-sync", "a", TTL)
    replicas.clock.advance(minutes=9)
    still_refused = await theirs.try_lease("catalog-sync", "b", TTL)
    replicas.clock.advance(minutes=2)
    taken_over = await theirs.try_lease("catalog-sync", "b", TTL)
    lost = await mine.try_lease("catalog-sync", "a", TTL)

    assert (taken, refused_while_held, renewed, still_refused, taken_over, lost) == (
        True,
        False,
        True,
        False,
        True,
        False,
    )
    assert await mine.holder("catalog-sync") == "b"


async def test_leases_of_different_jobs_do_not_exclude_each_other(replicas: Replicas) -> None:
    leases = replicas.first.job_leases()

    assert await leases.try_lease("reward-expiry", "a", TTL)
    assert await leases.try_lease("milestones", "b", TTL)


async def test_a_periodic_job_runs_once_per_interval_across_replicas_and_survives_its_runner(
    tmp_path: Path,
) -> None:
    first = Database(f"sqlite+aiosqlite:///{tmp_path / 'voucherbot.db'}", VoucherCipher(KEY))
    second = Database(f"sqlite+aiosqlite:///{tmp_path / 'voucherbot.db'}", VoucherCipher(KEY))
    await first.upgrade()
    runs: list[tuple[str, float]] = []
    interval = 0.4

    def job(holder: str) -> Leased:
        async def expire_rewards() -> int:
            runs.append((holder, time.monotonic()))
            return 1

        return Leased(
            "expire_rewards",
            interval,
            expire_rewards,
            (first if holder == "a" else second).job_leases(),
            holder,
        )

    async def replica(leased: Leased, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await leased()
            await asyncio.sleep(leased.poll)

    try:
        started = time.monotonic()
        await asyncio.gather(replica(job("a"), 2.0), replica(job("b"), 4.0))  # "a" dies after 2 s
    finally:
        await second.dispose()
        await first.dispose()

    gaps = [later - earlier for (_, earlier), (_, later) in itertools.pairwise(runs)]
    assert 7 <= len(runs) <= 11, runs
    assert min(gaps) >= interval * 0.9, gaps
    assert any(holder == "b" and at - started > 2.5 for holder, at in runs), "no replica took over"
