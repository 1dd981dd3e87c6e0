"""Engines for the two supported databases: SQLite (WAL, one writer) and PostgreSQL (asyncpg
pool)."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# Every engine is made with `hide_parameters=True`: SQL logs (echo, a DEBUG logger) and the text of
# database errors, which reach logs with their traceback, then never carry a value: no password
# hash, session digest, encrypted code or token.

# JSON columns: compact, and values JSON cannot hold are stored as their text, as the audit hash
# reads them.
_json_dumps = functools.partial(json.dumps, default=str, separators=(",", ":"))


# Connections kept open on SQLite. Each aiosqlite connection is a thread of its own, and a busy bot
# (16 requests at once in the benchmarks) with the default 5 kept opened and closed overflow
# connections all the time, a new thread and the pragmas below each time.
SQLITE_POOL = 20


def make_engine(url: str, *, echo: bool, busy_timeout: float, schema: str | None) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo=echo, busy_timeout=busy_timeout)
    if parsed.get_backend_name() == "postgresql":
        return _postgres_engine(parsed, echo=echo, schema=schema)
    raise ValueError(
        f"unsupported database '{parsed.get_backend_name()}': use sqlite+aiosqlite or "
        f"postgresql+asyncpg"
    )


def _sqlite_engine(url: URL, *, echo: bool, busy_timeout: float) -> AsyncEngine:
    if not url.database or url.database == ":memory:":
        raise ValueError(
            "SQLite needs a file (sqlite+aiosqlite:///path/to/voucherbot.db); in-memory is not "
            "shared"
        )
    private_file(Path(url.database).expanduser())
    engine = create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,
        json_serializer=_json_dumps,
        connect_args={"timeout": busy_timeout},
        pool_size=SQLITE_POOL,
    )
    event.listen(
        engine.sync_engine,
        "connect",
        functools.partial(_configure_sqlite, busy_timeout=busy_timeout),
    )
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any, *, busy_timeout: float) -> None:
    # Driver autocommit: reads take no lasting snapshot and writers begin with BEGIN IMMEDIATE
    # themselves (transaction.py), the pattern SQLAlchemy documents for pysqlite/aiosqlite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # `synchronous` stays FULL: a commit is on disk before a webhook is acknowledged.
    finally:
        cursor.close()


def _postgres_engine(url: URL, *, echo: bool, schema: str | None) -> AsyncEngine:
    settings = {"application_name": "voucherbot"}
    if schema is not None:
        settings["search_path"] = schema
    # An unreachable host fails in seconds (asyncpg waits 60 by default), as DatabaseUnavailable.
    connect_args: dict[str, Any] = {"server_settings": settings, "timeout": 10}
    # No pre-ping (a round trip per checkout): after a server restart the first statement on a dead
    # connection fails as DatabaseUnavailable and SQLAlchemy then recycles the whole pool.
    return create_async_engine(
        url, echo=echo, hide_parameters=True, json_serializer=_json_dumps, connect_args=connect_args
    )


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def private_file(path: Path) -> None:
    """Create the SQLite file, and its folder if missing, for the owner only (0600 / 0700): codes
    are encrypted, but buyers, orders and the audit trail are nobody else's to read. SQLite gives
    its -wal and -shm files the database file's permissions."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
