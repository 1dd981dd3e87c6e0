"""Scratch databases for the bot under test: a SQLite file, or a PostgreSQL database created and
dropped."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url


@asynccontextmanager
async def sqlite(workdir: Path, name: str) -> AsyncIterator[str]:
    yield f"sqlite+aiosqlite:///{workdir / name}.db"


@asynccontextmanager
async def postgres(server_url: str) -> AsyncIterator[str]:
    """A new database `voucherbot_bench_<random>` on the server of `server_url`, dropped
    afterwards."""
    url = make_url(server_url)
    name = f"voucherbot_bench_{secrets.token_hex(4)}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


async def postgres_reachable(server_url: str) -> bool:
    url = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        connection = await asyncpg.connect(url, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await connection.close()
    return True
