"""Fault-test fixtures: one cluster per test module and database, on SQLite and on PostgreSQL.

SQLite runs one replica (a SQLite deployment is one process); PostgreSQL runs two, in a database
created for the module and dropped afterwards. A module tunes its cluster with a module-level
`SETTINGS` dict of environment variables (short outbox leases for crash tests, for instance).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from adapters.stripe_local import LocalStripe
from tests.faults.cluster import Cluster, Platforms
from tests.faults.databases import DatabaseUnderTest, PostgresUnderTest, SqliteUnderTest
from tests.localstripe_server import running_localstripe

REPLICAS = {"sqlite": 1, "postgres": 2}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def local() -> AsyncIterator[LocalStripe]:
    async with running_localstripe() as stripe_server:
        yield stripe_server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def platforms(local: LocalStripe) -> AsyncIterator[Platforms]:
    started = await Platforms.start(local)
    yield started
    await started.close()
    assert started.problems() == [], f"Slack or Teams would have refused: {started.problems()}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(
    backend: str,
    platforms: Platforms,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Cluster]:
    folder = tmp_path_factory.mktemp(f"{request.module.__name__.rsplit('.', 1)[-1]}-{backend}")
    database = _database(backend, folder, request)
    settings = getattr(request.module, "SETTINGS", {})
    running = Cluster(database, platforms, folder, replicas=REPLICAS[backend], settings=settings)
    await running.start()
    yield running
    codes = await running.stop()
    assert codes == [0] * len(codes), f"replicas exited with {codes}"


def _database(backend: str, folder: Path, request: pytest.FixtureRequest) -> DatabaseUnderTest:
    if backend == "sqlite":
        return SqliteUnderTest(folder)
    return PostgresUnderTest(request.getfixturevalue("postgres_url"))
