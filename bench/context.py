"""What every benchmark shares: the load generator's process, the scratch directory and the run's
pace."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bench import loadgen
from bench.loadgen import Outcome, Plan


@dataclass(frozen=True)
class Pace:
    """How long each measurement runs; `--quick` shortens everything."""

    warmup: float
    window: float
    checkouts: int
    fanout_messages: int
    fanout_ceiling: int
    catalog_queries: int

    @classmethod
    def of(cls, quick: bool) -> Pace:
        if quick:
            return cls(
                warmup=0.5,
                window=1.5,
                checkouts=60,
                fanout_messages=2000,
                fanout_ceiling=500,
                catalog_queries=300,
            )
        return cls(
            warmup=1.0,
            window=3.0,
            checkouts=300,
            fanout_messages=10_000,
            fanout_ceiling=2000,
            catalog_queries=2000,
        )


@dataclass
class Bench:
    """Handed to each benchmark: `await bench.load(plan)` runs a plan in the load generator's
    process."""

    workdir: Path
    pace: Pace
    postgres_url: str
    profile_dir: Path | None = None  # --profile: cProfile each measured step there
    pool: ProcessPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        # spawn: the load generator starts clean (no copy of the orchestrator's event loop or
        # sockets).
        self.pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn")
        )

    async def warm_up_pool(self) -> None:
        """Start the load generator's process now, so its start-up is in no measurement."""
        await asyncio.get_running_loop().run_in_executor(self.pool, loadgen.ready)

    async def load(self, plan: Plan) -> Outcome:
        return await asyncio.get_running_loop().run_in_executor(self.pool, loadgen.run, plan)

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)
